"""Work spread over threads: numpy, numba and pyarrow let the GIL go inside their loops."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["each"]


def each(
    work: Callable[[Any], object],
    items: Sequence[Any],
    *,
    parallel: bool = True,
    workers: int | None = None,
    name: str = "maturity",
) -> None:
    """``work(item)`` for every item: on ``workers`` threads (default one per CPU) when
    ``parallel`` and there are several items, else in order on this thread. An exception of
    any item is raised here.
    """
    import os

    n = min(workers or os.cpu_count() or 1, len(items)) if parallel else 1
    if n <= 1:
        for item in items:
            work(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=n, thread_name_prefix=name) as pool:
        for _ in pool.map(work, items):
            pass
