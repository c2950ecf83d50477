"""Values numbered by their distinct values (the codes of a categorical), for columns of
answers and of profile fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

__all__ = ["factor_numbers", "factor_objects", "factorize"]


def factorize(values: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.int64], list[Any]]:
    """Per cell, the position of its value among the distinct values of ``values``, numbered in
    order of first appearance (``None`` is a value like any other); and those values.

    Text (and ``None``) is encoded by pyarrow's hash table when pyarrow is installed; anything
    else by one dictionary pass.
    """
    import numpy as np

    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - depends on the environment
        pass
    else:
        try:
            arr = pa.array(values, type=pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # not all text: the dictionary pass below
        else:
            enc = pc.dictionary_encode(arr, null_encoding="encode")
            codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
            return codes, enc.dictionary.to_pylist()
    seen: dict[object, int] = {}
    numbers = (seen.setdefault(v, len(seen)) for v in values.tolist())
    key = np.fromiter(numbers, dtype=np.int64, count=len(values))
    return key, list(seen)


def factor_objects(values: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.int64], int]:
    """Equal values get equal numbers (``None`` gets 0); also how many numbers there are."""
    import numpy as np

    codes, uniques = factorize(values)
    # renumber so that None is 0 (whether or not it occurs)
    lut = np.empty(len(uniques), dtype=np.int64)
    k = 1
    for u, v in enumerate(uniques):
        if v is None:
            lut[u] = 0
        else:
            lut[u] = k
            k += 1
    return lut[codes], k


def factor_numbers(values: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int64], int]:
    """Equal numbers get equal numbers (every NaN one of its own kind, ``-0.0`` maybe apart
    from ``0.0``: a condition evaluated twice for equal values costs only time); also how
    many numbers there are. A hash table (pyarrow) when installed, else a sort.
    """
    import numpy as np

    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - depends on the environment
        uniq, inv = np.unique(values, return_inverse=True)
        return inv.astype(np.int64).reshape(-1), int(uniq.size)
    enc = pc.dictionary_encode(pa.array(values, type=pa.float64()), null_encoding="encode")
    codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return codes, len(enc.dictionary)
