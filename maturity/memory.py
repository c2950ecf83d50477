"""Big output arrays that are written once, in order: plain memory from the system.

numpy asks the kernel for huge pages for every big array (``madvise``). Where the kernel gives
huge pages only to memory that asks for them (Linux's ``transparent_hugepage`` set to
``madvise``, the default of many distributions, with ``defrag`` also ``madvise``) and the
memory is fragmented, the first write to each page waits while the kernel compacts memory:
on the benchmark machine two fresh 208 MB arrays took 0.9 s to fill instead of 0.15 s. An
array that is written in order, block of rows after block of rows, and read in order later
gains little from huge pages, so the scoring engine takes its outputs from here: private
anonymous memory (not shared with a forked process) that does not ask for huge pages. Where
there is no such memory (Windows), and for small arrays, the arrays are numpy's own.

Arrays whose writes jump across memory (the answer matrix, written column by column) keep
numpy's memory: there huge pages pay for themselves many times over.
"""

from __future__ import annotations

import mmap
from typing import Any

__all__ = ["MIN_BYTES", "output_array"]

#: Arrays smaller than this many bytes are numpy's own.
MIN_BYTES = 1 << 24


def output_array(shape: tuple[int, ...], dtype: Any = float) -> Any:
    """An uninitialised C-contiguous, writable array of ``shape`` for an output written once,
    in order (see the module's notes).
    """
    import numpy as np

    dt = np.dtype(dtype)
    count = 1
    for k in shape:
        count *= int(k)
    nbytes = count * dt.itemsize
    private = getattr(mmap, "MAP_PRIVATE", None)
    if nbytes < max(MIN_BYTES, 1) or private is None:
        return np.empty(shape, dtype=dt)
    try:
        buf = mmap.mmap(-1, nbytes, flags=private)
    except (OSError, ValueError):  # pragma: no cover - no memory to map: numpy's way
        return np.empty(shape, dtype=dt)
    return np.frombuffer(buf, dtype=dt, count=count).reshape(shape)
