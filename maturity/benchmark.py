"""Peer benchmarking: where a company stands among comparable companies, node by node.

:func:`benchmark` compares every company of a :class:`~maturity.scores.Scores` (or any object
with ``ids``, ``nodes``, ``score`` and ``profiles``) with a peer population. Each company's
peer group is the peers that share its sector, size class and region; a group with fewer than
``min_group`` peers is widened one level at a time along the classification hierarchies
(:func:`maturity.classify.widen_chain`) until it is large enough, and is never reported when
even "all peers" is too small. The company itself is always left out of its own group.

Per node the result holds the company's percentile rank among its peers (mean of the weak and
strict definitions, as ``scipy.stats.percentileofscore(kind="mean")``), the peers' quartiles,
mean, 90th percentile ("best in class"), standard deviation, the company's z-score and,
optionally, a bootstrap confidence interval of the peer median.

:func:`aggregate_table` gives peer statistics per group, with no individual rows and with the
disclosure rules of published benchmarks applied, for publication.

Every definition is written out in ``docs/methodology-benchmark.md``.

Speed: the work is vectorised over companies. Profiles are encoded once as integer codes per
hierarchy level; widening is resolved per *distinct* profile (there are few), statistics are
computed once per (group, node) on sorted peer scores, and percentile ranks come from
``np.searchsorted``. A million companies against a million peers take about a second. Building
:class:`~maturity.responses.Profile` objects for a million rows is itself slow; callers that
hold profiles as arrays pass them as *profile keys* instead (see :data:`ProfileKeys` and
:func:`profile_keys`).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import operator
import types
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

from maturity.classify import WIDENING_FIELDS, nuts_name, widen_chain
from maturity.errors import MaturityError

__all__ = [
    "DEFAULT_BY",
    "DEFAULT_WIDEN",
    "AggregateTable",
    "Benchmark",
    "BenchmarkError",
    "PeerGroup",
    "ProfileKeys",
    "ScoresLike",
    "aggregate_table",
    "benchmark",
    "loo_quantile",
    "profile_keys",
    "write_aggregate",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

ProfileKeys: TypeAlias = Mapping[str, tuple[npt.NDArray[np.integer[Any]], Sequence[str | None]]]
"""Profiles as arrays: field → ``(codes, categories)``.

``codes`` is an integer array with one entry per row, indexing ``categories`` (the distinct
values of the field, ``None`` for unknown); ``-1`` also means unknown. This is the factorised
form of a column (like a pandas ``Categorical``). :func:`profile_keys` builds it from
:class:`~maturity.responses.Profile` objects; large populations can build it directly.
"""

DEFAULT_BY: tuple[str, ...] = ("sector", "size_class", "region")
"""The profile fields that define a peer group by default."""

DEFAULT_WIDEN: tuple[str, ...] = (
    "region",  # NUTS-3 -> NUTS-2
    "region",  # NUTS-2 -> NUTS-1
    "region",  # NUTS-1 -> country
    "size_class",  # size class -> all sizes
    "sector",  # class -> group
    "sector",  # group -> division
    "sector",  # division -> section
    "region",  # country -> all regions
    "sector",  # section -> all sectors
)
"""The default widening order: one entry per step (see :func:`benchmark`)."""

# Depth of the most specific level of each field; depth 0 is "all".
_MAX_DEPTH = {"sector": 4, "region": 4, "size_class": 1}
_SECTOR_LEVELS: dict[int, tuple[str, str]] = {
    1: ("section", "sezione"),
    2: ("division", "divisione"),
    3: ("group", "gruppo"),
    4: ("class", "classe"),
}
_LEVEL_ALIASES: dict[str, dict[str, int]] = {
    "sector": {"all": 0, "section": 1, "division": 2, "group": 3, "class": 4},
    "region": {
        "all": 0,
        "country": 1,
        "nuts0": 1,
        "nuts1": 2,
        "nuts2": 3,
        "nuts3": 4,
    },
    "size_class": {"all": 0, "class": 1, "size_class": 1},
}
_SIZE_IT = {"micro": "micro", "small": "piccola", "medium": "media", "large": "grande"}
_QUANTILES: tuple[tuple[str, int], ...] = (("q1", 25), ("median", 50), ("q3", 75), ("p90", 90))
_STATS: tuple[str, ...] = ("percentile", "q1", "median", "q3", "mean", "p90", "sd", "z")
_BINCOUNT_LIMIT = 1 << 22
_FEW = 1024  # up to this many profiles or groups, loop over them instead of indexing


class BenchmarkError(MaturityError, ValueError):
    """Invalid input to :func:`benchmark` or :func:`aggregate_table`."""


class ScoresLike(Protocol):
    """What :func:`benchmark` needs of scores: a :class:`~maturity.scores.Scores` has it all.

    ``profiles`` (one :class:`~maturity.responses.Profile` per row) may be empty when the
    object has a ``profile_keys`` attribute (:data:`ProfileKeys`) instead; ``synthetic``
    (optional) marks a synthetic peer population.
    """

    @property
    def ids(self) -> Sequence[str]:
        """Row ids (companies)."""

    @property
    def nodes(self) -> Sequence[str]:
        """Node ids, the columns of ``score``."""

    @property
    def score(self) -> npt.NDArray[np.float64]:
        """Scores, rows × nodes, NaN where a node has no score."""

    @property
    def profiles(self) -> Sequence[Any]:
        """One profile per row (or empty, see ``profile_keys``)."""


# --------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerGroup:
    """The peer group of one company.

    ``filters`` maps each profile field of ``by`` to the value the group matches on (a NACE
    code, a size class, a NUTS code) or ``None`` for "all"; ``size`` is the number of peers
    with a score at the root node, the company itself left out; ``steps`` the number of
    widening steps taken; ``sufficient`` is False when even the widest group allowed has fewer
    than ``min_group`` peers, in which case nothing is reported for the company.
    """

    filters: Mapping[str, str | None]
    size: int
    steps: int
    sufficient: bool

    def __hash__(self) -> int:
        return hash((tuple(self.filters.items()), self.size, self.steps, self.sufficient))

    def describe(self, lang: Literal["en", "it"] = "en") -> str:
        """A short text for reports, e.g. ``sector 28 (division), size class small, region ITC
        (Nord-Ovest): 37 companies``; ``insufficient peers`` when nothing is reported.
        """
        if lang not in ("en", "it"):
            raise ValueError(f"unknown language {lang!r} (languages: en, it)")
        it = lang == "it"
        if not self.sufficient:
            return "imprese di confronto insufficienti" if it else "insufficient peers"
        parts = [_describe_filter(f, v, it) for f, v in self.filters.items()]
        if not parts:
            parts = ["tutte le imprese" if it else "all companies"]
        unit = (
            ("impresa" if self.size == 1 else "imprese")
            if it
            else ("company" if self.size == 1 else "companies")
        )
        return f"{', '.join(parts)}: {self.size} {unit}"

    def to_dict(self) -> dict[str, Any]:
        """The group as plain data (for JSON)."""
        return {
            "filters": dict(self.filters),
            "size": self.size,
            "steps": self.steps,
            "sufficient": self.sufficient,
            "description": self.describe(),
        }


def _describe_filter(fld: str, value: str | None, it: bool) -> str:
    if fld == "sector":
        if value is None:
            return "tutti i settori" if it else "all sectors"
        level = _SECTOR_LEVELS[_sector_depth(value)][1 if it else 0]
        return f"{'settore' if it else 'sector'} {value} ({level})"
    if fld == "size_class":
        if value is None:
            return "tutte le classi dimensionali" if it else "all size classes"
        return f"classe dimensionale {_SIZE_IT.get(value, value)}" if it else f"size class {value}"
    if value is None:
        return "tutte le regioni" if it else "all regions"
    try:
        name = nuts_name(value)
    except ValueError:  # pragma: no cover - values come from validated chains
        name = None
    return f"{'regione' if it else 'region'} {value}" + (f" ({name})" if name else "")


def _sector_depth(code: str) -> int:
    if code.isalpha():
        return 1
    return {2: 2, 4: 3, 5: 4}.get(len(code), 4)


@dataclass(frozen=True, eq=False)
class Benchmark:
    """Each company compared with its peer group, node by node.

    Arrays have shape (companies × nodes): ``percentile`` (0-100, mean of the weak and strict
    percentile ranks), the peers' ``q1``, ``median``, ``q3`` (linear interpolation, as
    ``np.percentile``), ``mean``, ``p90`` (best in class), ``sd`` (sample standard deviation,
    ddof = 1), the company's ``z`` = (score − mean) / sd, ``n`` (peers with a score at the
    node, the company left out) and ``ci_low``/``ci_high`` (bootstrap interval of the peer
    median; NaN unless asked for). Statistics are NaN where the company has no sufficient
    peer group, or where fewer than ``min_group`` peers have a score at the node; percentile
    and z are also NaN where the company has no score. ``groups`` holds each company's
    :class:`PeerGroup`. ``synthetic`` is True when the peers are a synthetic population.
    Arrays are read-only.
    """

    ids: tuple[str, ...]
    nodes: tuple[str, ...]
    percentile: FloatArray = field(repr=False)
    q1: FloatArray = field(repr=False)
    median: FloatArray = field(repr=False)
    q3: FloatArray = field(repr=False)
    mean: FloatArray = field(repr=False)
    p90: FloatArray = field(repr=False)
    sd: FloatArray = field(repr=False)
    z: FloatArray = field(repr=False)
    n: IntArray = field(repr=False)
    ci_low: FloatArray = field(repr=False)
    ci_high: FloatArray = field(repr=False)
    groups: tuple[PeerGroup, ...] = field(repr=False)
    min_group: int = 5
    synthetic: bool = False
    by: tuple[str, ...] = DEFAULT_BY
    widen: tuple[str, ...] = DEFAULT_WIDEN
    confidence: float | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        n_ok = int(np.count_nonzero(self._sufficient))
        flag = ", synthetic peers" if self.synthetic else ""
        return (
            f"Benchmark({len(self.ids)} companies × {len(self.nodes)} nodes, "
            f"min_group={self.min_group}, {n_ok} with sufficient peers{flag})"
        )

    @cached_property
    def _sufficient(self) -> BoolArray:
        return np.fromiter((g.sufficient for g in self.groups), bool, len(self.groups))

    @cached_property
    def _index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.ids)}

    def row(self, company_id: str) -> dict[str, Any]:
        """One company's benchmark as plain data: its group and, per node, the statistics.

        Raises:
            KeyError: no company with that id.

        """
        try:
            i = self._index[company_id]
        except KeyError:
            raise KeyError(f"no company '{company_id}' in the benchmark") from None
        return self._row(i)

    def _row(self, i: int) -> dict[str, Any]:
        nodes: dict[str, dict[str, Any]] = {}
        for j, node in enumerate(self.nodes):
            cell: dict[str, Any] = {s: _num(getattr(self, s)[i, j]) for s in _STATS}
            cell["n"] = int(self.n[i, j])
            cell["ci_low"] = _num(self.ci_low[i, j])
            cell["ci_high"] = _num(self.ci_high[i, j])
            nodes[node] = cell
        return {"company": self.ids[i], "group": self.groups[i].to_dict(), "nodes": nodes}

    def to_json(self, path: str | Path | None = None, force: bool = False) -> str:
        """The benchmark as JSON (``maturity/benchmark@1``; NaN is written as ``null``).

        With ``path`` the text is also written there (atomically; an existing file is
        replaced only with ``force=True``).
        """
        doc = {
            "format": "maturity/benchmark@1",
            "synthetic": self.synthetic,
            "min_group": self.min_group,
            "by": list(self.by),
            "widen": list(self.widen),
            "confidence": self.confidence,
            "nodes": list(self.nodes),
            "companies": [self._row(i) for i in range(len(self.ids))],
        }
        text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
        _write(path, text, force)
        return text

    def to_csv(self, path: str | Path | None = None, force: bool = False) -> str:
        """The benchmark in long form: one row per company and node.

        Columns: company, node, the statistics, n, ci_low, ci_high, then the group's filters
        (``group_<field>``, empty for "all"), size, steps and ``sufficient``. Text cells that
        a spreadsheet would run as a formula (starting with ``= + - @``, tab or CR) get a
        leading ``'``; numbers are written by the library as plain numbers.
        """
        from maturity.scores import safe_cell

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        header = [
            "company",
            "node",
            *_STATS,
            "n",
            "ci_low",
            "ci_high",
            *(f"group_{f}" for f in self.by),
            "group_size",
            "group_steps",
            "sufficient",
        ]
        w.writerow(header)
        cols = [getattr(self, s) for s in _STATS]
        for i, company in enumerate(self.ids):
            g = self.groups[i]
            tail = [
                *(safe_cell(g.filters.get(f) or "") for f in self.by),
                str(g.size),
                str(g.steps),
                "true" if g.sufficient else "false",
            ]
            cid = safe_cell(company)
            for j, node in enumerate(self.nodes):
                w.writerow(
                    [
                        cid,
                        safe_cell(node),
                        *(_fmt(c[i, j]) for c in cols),
                        str(int(self.n[i, j])),
                        _fmt(self.ci_low[i, j]),
                        _fmt(self.ci_high[i, j]),
                        *tail,
                    ]
                )
        text = buf.getvalue()
        _write(path, text, force)
        return text


def _num(x: Any) -> float | None:
    from maturity.scores import json_number

    return json_number(float(x))


def _fmt(x: Any) -> str:
    v = float(x)
    return "" if math.isnan(v) else repr(round(v, 6))


def _write(path: str | Path | None, text: str, force: bool) -> None:
    if path is None:
        return
    from maturity.responses import atomic_write

    atomic_write(Path(path), text.encode("utf-8"), force=force)


# --------------------------------------------------------------------------------------------
# Profile encoding
# --------------------------------------------------------------------------------------------


def profile_keys(
    profiles: Sequence[Any], fields: Iterable[str] = DEFAULT_BY
) -> dict[str, tuple[IntArray, tuple[str | None, ...]]]:
    """Encode profiles as :data:`ProfileKeys`: per field, integer codes and the categories.

    ``profiles`` are :class:`~maturity.responses.Profile` objects (or anything with the
    attributes ``sector``, ``region`` and ``size_class``). Empty strings count as unknown.
    """
    out: dict[str, tuple[IntArray, tuple[str | None, ...]]] = {}
    for fld in fields:
        cats: dict[str | None, int] = {}
        if fld == "size_class":
            cache: dict[tuple[Any, ...], str | None] = {}

            def size_of(p: Any, cache: dict[tuple[Any, ...], str | None] = cache) -> Any:
                key = (
                    getattr(p, "employees", None),
                    getattr(p, "turnover", None),
                    getattr(p, "balance_sheet", None),
                )
                if key not in cache:
                    cache[key] = p.size_class
                return cache[key]

            values: Iterable[Any] = (size_of(p) for p in profiles)
        else:
            values = (getattr(p, fld, None) for p in profiles)
        codes = np.fromiter(
            (cats.setdefault(v or None, len(cats)) for v in values), np.int64, len(profiles)
        )
        out[fld] = (codes, tuple(cats))
    return out


def _chain(fld: str, value: object) -> tuple[str, ...]:
    """The filter values of ``value`` by depth, most general first (``()`` if unknown)."""
    if value is None or value == "":
        return ()
    if not isinstance(value, str):
        raise BenchmarkError(f"a {fld} in a profile must be a string, not {value!r}")
    try:
        full = widen_chain(fld, value)
    except ValueError as exc:
        raise BenchmarkError(f"invalid {fld} {value!r} in a profile: {exc}") from None
    chain = [c for c in full if c is not None]
    if fld == "sector" and len(chain) == 5:  # an ATECO code: start at its NACE class
        chain = chain[1:]
    return tuple(reversed(chain))


@dataclass
class _Field:
    """One profile field encoded: leaves (distinct chains) and their codes per depth."""

    name: str
    anc: IntArray  # (leaves, depth+1): code of the ancestor at each depth, -1 if none
    depth: IntArray  # (leaves,): the depth of each leaf's own value
    values: list[list[str]]  # per depth: code -> value
    leaves: list[IntArray]  # per side: leaf of each row


def _keys_of(obj: Any, fields: Sequence[str], keys: ProfileKeys | None, n: int) -> ProfileKeys:
    if keys is None:
        keys = getattr(obj, "profile_keys", None)
    if keys is not None:
        missing = [f for f in fields if f not in keys]
        if missing:
            raise BenchmarkError(f"profile keys lack the field(s) {', '.join(missing)}")
        return keys
    profiles = tuple(getattr(obj, "profiles", ()) or ())
    if not profiles:  # no profiles at all: every value unknown
        return {f: (np.full(n, -1, np.int64), ()) for f in fields}
    if len(profiles) != n:
        raise BenchmarkError(f"{len(profiles)} profiles for {n} rows")
    return profile_keys(profiles, fields)


def _encode(
    fld: str, sides: Sequence[tuple[Any, Sequence[str | None]]], ns: Sequence[int]
) -> _Field:
    chain_ids: dict[tuple[str, ...], int] = {(): 0}
    leaves = []
    for (codes, cats), n in zip(sides, ns, strict=True):
        lut = np.zeros(len(cats) + 1, np.int64)  # the last entry: code -1 (unknown)
        for i, c in enumerate(cats):
            lut[i] = chain_ids.setdefault(_chain(fld, c), len(chain_ids))
        arr = np.asarray(codes)
        if arr.shape != (n,) or arr.dtype.kind not in "iu":
            raise BenchmarkError(f"profile keys of {fld}: expected {n} integer codes")
        if n and (int(arr.min()) < -1 or int(arr.max()) >= len(cats)):
            raise BenchmarkError(f"profile keys of {fld}: a code is out of range")
        leaves.append(lut[arr])
    dmax = _MAX_DEPTH[fld]
    codes_at: list[dict[str, int]] = [{} for _ in range(dmax + 1)]
    anc = np.full((len(chain_ids), dmax + 1), -1, np.int64)
    anc[:, 0] = 0
    depth = np.zeros(len(chain_ids), np.int64)
    for chain, leaf in chain_ids.items():
        depth[leaf] = len(chain)
        for d, val in enumerate(chain, start=1):
            anc[leaf, d] = codes_at[d].setdefault(val, len(codes_at[d]))
    values = [list(c) for c in codes_at]
    return _Field(fld, anc, depth, values, leaves)


def _compact(key: IntArray, space: int) -> tuple[IntArray, IntArray]:
    """Dense ids 0..k-1 for the distinct values of ``key`` (in increasing order) and them."""
    if space <= max(_BINCOUNT_LIMIT, 2 * len(key)):
        present = np.flatnonzero(np.bincount(key, minlength=space))
        lut = np.zeros(space, np.int64)
        lut[present] = np.arange(len(present))
        return lut[key], present.astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    return inv.astype(np.int64), uniq.astype(np.int64)


def _profiles(fields: Sequence[_Field], side: int, n: int) -> tuple[IntArray, IntArray]:
    """Distinct profiles of one side: row → profile id, and the leaves of each profile."""
    if not fields:
        return np.zeros(n, np.int64), np.zeros((1, 0), np.int64)
    key = np.zeros(n, np.int64)
    space = 1
    for f in fields:
        size = len(f.depth)
        key *= size
        key += f.leaves[side]
        space *= size
    ids, uniq = _compact(key, space)
    leaves = np.empty((len(uniq), len(fields)), np.int64)
    rest = uniq.copy()
    for i in range(len(fields) - 1, -1, -1):
        size = len(fields[i].depth)
        leaves[:, i] = rest % size
        rest //= size
    return ids, leaves


# --------------------------------------------------------------------------------------------
# Quantiles on sorted arrays (numpy's "linear" method, reproduced operation for operation)
# --------------------------------------------------------------------------------------------


def _lerp(a: float, b: float, t: float) -> float:
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def _split(m: int, pct: int) -> tuple[int, int, float]:
    """The neighbouring indices and weight of percentile ``pct`` of ``m`` sorted values."""
    h = (m - 1) * (pct / 100)
    if h >= m - 1:
        return m - 1, m - 1, 0.0
    lo = math.floor(h)
    return lo, lo + 1, h - lo


def _quantile(a: FloatArray, pct: int) -> float:
    lo, hi, t = _split(len(a), pct)
    return _lerp(float(a[lo]), float(a[hi]), t)


def loo_quantile(a: FloatArray, r: int, pct: int) -> float:
    """Percentile ``pct`` of the sorted array ``a`` with its element at index ``r`` removed.

    The order statistics of the shorter array ``b`` are ``b[i] = a[i]`` for ``i < r`` and
    ``a[i + 1]`` otherwise, so nothing is copied. Equal to
    ``np.percentile(np.delete(a, r), pct)``.
    """
    m = len(a) - 1
    lo, hi, t = _split(m, pct)
    return _lerp(float(a[lo + (lo >= r)]), float(a[hi + (hi >= r)]), t)


# --------------------------------------------------------------------------------------------
# benchmark()
# --------------------------------------------------------------------------------------------


def _check_fields(by: Sequence[str], widen: Sequence[str] | None) -> tuple[str, ...]:
    if isinstance(by, str):
        raise BenchmarkError("'by' must be a sequence of field names, not a string")
    for f in by:
        if f not in WIDENING_FIELDS:
            raise BenchmarkError(
                f"unknown peer-group field {f!r} (fields: {', '.join(WIDENING_FIELDS)})"
            )
    if len(set(by)) != len(by):
        raise BenchmarkError("'by' names a field twice")
    if widen is None:
        return tuple(f for f in DEFAULT_WIDEN if f in by)
    if isinstance(widen, str):
        raise BenchmarkError("'widen' must be a sequence of field names, not a string")
    for f in widen:
        if f not in by:
            raise BenchmarkError(f"'widen' names {f!r}, which is not in 'by' ({', '.join(by)})")
    return tuple(widen)


def _schedule(by: Sequence[str], widen: Sequence[str]) -> list[tuple[int, int]]:
    """(field index, depth cap) per step: the k-th entry for a field caps it k levels up."""
    used = {f: 0 for f in by}
    steps: list[tuple[int, int]] = []
    while True:
        added = False
        for f in widen:
            if used[f] < _MAX_DEPTH[f]:
                used[f] += 1
                steps.append((by.index(f), _MAX_DEPTH[f] - used[f]))
                added = True
        if not added:
            return steps


def _self_index(ids: Sequence[str], peer_ids: Sequence[str], same: bool) -> IntArray:
    """Each company's row among the peers (-1 if it is not a peer), matched by id."""
    n, n_p = len(ids), len(peer_ids)
    if same or ids is peer_ids or (n == n_p and tuple(ids) == tuple(peer_ids)):
        return np.arange(n, dtype=np.int64)
    out = np.full(n, -1, np.int64)
    if n == 0 or n_p == 0:
        return out
    # match hashes with sorted arrays (a dict of a million ids costs far more), then check
    # the strings of the matches, so a hash collision cannot pair two different ids
    hp = np.fromiter(map(hash, peer_ids), np.int64, n_p)
    op = np.argsort(hp)
    hs = hp[op]
    if np.any(hs[1:] == hs[:-1]):
        pos = dict(zip(peer_ids, range(n_p), strict=True))
        if len(pos) != n_p:
            raise BenchmarkError("peer ids are not unique")
        return np.fromiter(map(pos.get, ids, itertools.repeat(-1, n)), np.int64, n)
    hc = np.fromiter(map(hash, ids), np.int64, n)
    oc = np.argsort(hc)
    i = np.minimum(np.searchsorted(hs, hc[oc]), n_p - 1)
    hit = hs[i] == hc[oc]
    comp, peer = oc[hit], op[i[hit]]
    same_id = np.fromiter(
        map(
            operator.eq,
            map(ids.__getitem__, comp.tolist()),
            map(peer_ids.__getitem__, peer.tolist()),
        ),
        bool,
        len(comp),
    )
    out[comp[same_id]] = peer[same_id]
    return out


@dataclass
class _Resolved:
    """Peer groups resolved per class of companies."""

    group: IntArray  # per class: group id, -1 if insufficient
    depth: IntArray  # per class × field: depth of the filter
    size: IntArray  # per class
    steps: IntArray  # per class
    gdepth: IntArray  # per group × field
    gcode: IntArray  # per group × field


def _radices(fields: Sequence[_Field], dv: Sequence[int]) -> list[int]:
    return [len(f.values[int(d)]) + 1 if d else 1 for f, d in zip(fields, dv, strict=True)]


def _keys_at(fields: Sequence[_Field], leaf: IntArray, dv: Sequence[int]) -> IntArray:
    """One integer per row of ``leaf`` (rows × fields): its filter values at depths ``dv``."""
    key = np.zeros(len(leaf), np.int64)
    for i, (f, radix) in enumerate(zip(fields, _radices(fields, dv), strict=True)):
        key = key * radix + f.anc[leaf[:, i], int(dv[i])] + 1
    return key


def _code_keys(fields: Sequence[_Field], code: IntArray, dv: Sequence[int]) -> IntArray:
    """The same integers for filters given as codes (rows × fields) at depths ``dv``."""
    key = np.zeros(len(code), np.int64)
    for i, radix in enumerate(_radices(fields, dv)):
        key = key * radix + code[:, i] + 1
    return key


def _resolve(
    fields: Sequence[_Field],
    cls_leaf: IntArray,
    cls_self: IntArray,
    peer_leaf: IntArray,
    peer_weight: IntArray,
    schedule: Sequence[tuple[int, int]],
    min_group: int,
) -> _Resolved:
    """Widen each class's filter until its group (self excluded) has ``min_group`` peers."""
    n_cls, nf = cls_leaf.shape
    depth = np.empty((n_cls, nf), np.int64)
    for i, f in enumerate(fields):
        depth[:, i] = f.depth[cls_leaf[:, i]]

    def count(rows: IntArray) -> IntArray:
        out = np.zeros(len(rows), np.int64)
        if len(rows) == 0 or len(peer_leaf) == 0:
            return out
        dv, inv = np.unique(depth[rows], axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        for u in range(len(dv)):
            sel_pos = np.flatnonzero(inv == u)
            sel = rows[sel_pos]
            pk = _keys_at(fields, peer_leaf, dv[u])
            ck = _keys_at(fields, cls_leaf[sel], dv[u])
            uk, pinv = np.unique(pk, return_inverse=True)
            w = np.bincount(pinv.reshape(-1), weights=peer_weight, minlength=len(uk))
            pos = np.minimum(np.searchsorted(uk, ck), len(uk) - 1)
            c = np.where(uk[pos] == ck, np.rint(w[pos]).astype(np.int64), 0)
            sp = cls_self[sel]
            mine = (sp >= 0) & (pk[np.maximum(sp, 0)] == ck)
            out[sel_pos] = c - mine
        return out

    size = count(np.arange(n_cls))
    done = size >= min_group
    steps = np.zeros(n_cls, np.int64)
    for fi, cap in schedule:
        act = np.flatnonzero(~done & (depth[:, fi] > cap))
        if len(act) == 0:
            continue
        depth[act, fi] = cap
        steps[act] += 1
        size[act] = count(act)
        done[act] = size[act] >= min_group
    code = np.empty((n_cls, nf), np.int64)
    for i, f in enumerate(fields):
        code[:, i] = f.anc[cls_leaf[:, i], depth[:, i]]
    group = np.full(n_cls, -1, np.int64)
    ok = np.flatnonzero(done)
    uniq, inv = np.unique(np.hstack([depth[ok], code[ok]]), axis=0, return_inverse=True)
    group[ok] = inv.reshape(-1)
    return _Resolved(group, depth, size, steps, uniq[:, :nf], uniq[:, nf:])


def _ranges(starts: IntArray, lens: IntArray) -> IntArray:
    """``starts[i] .. starts[i] + lens[i] - 1`` for every i, concatenated."""
    total = int(lens.sum())
    offsets = np.cumsum(lens) - lens
    return np.arange(total, dtype=np.int64) - np.repeat(offsets - starts, lens)


def _members(
    fields: Sequence[_Field], res: _Resolved, peer_leaf: IntArray
) -> tuple[IntArray, IntArray]:
    """The peer profiles of each group: group g has ``mem[ptr[g]:ptr[g + 1]]``."""
    n_groups = len(res.gdepth)
    pair_group: list[IntArray] = []
    pair_prof: list[IntArray] = []
    if n_groups and len(peer_leaf):
        dvs, inv = np.unique(res.gdepth, axis=0, return_inverse=True)
        inv = inv.reshape(-1)
        for u in range(len(dvs)):
            gs = np.flatnonzero(inv == u)
            pk = _keys_at(fields, peer_leaf, dvs[u])
            order = np.argsort(pk, kind="stable")
            sk = pk[order]
            gk = _code_keys(fields, res.gcode[gs], dvs[u])
            lo = np.searchsorted(sk, gk, side="left")
            lens = np.searchsorted(sk, gk, side="right") - lo
            pair_group.append(np.repeat(gs, lens))
            pair_prof.append(order[_ranges(lo, lens)])
    groups = np.concatenate(pair_group) if pair_group else np.zeros(0, np.int64)
    profs = np.concatenate(pair_prof) if pair_prof else np.zeros(0, np.int64)
    o = np.argsort(groups, kind="stable")
    ptr = np.zeros(n_groups + 1, np.int64)
    ptr[1:] = np.cumsum(np.bincount(groups, minlength=n_groups))
    return ptr, profs[o]


def _self_member(
    fields: Sequence[_Field], res: _Resolved, gc: IntArray, own: IntArray, peer_leaf: IntArray
) -> BoolArray:
    """Whether peer profile ``own[i]`` belongs to group ``gc[i]`` (both valid indices)."""
    ok = np.ones(len(gc), bool)
    for i, f in enumerate(fields):
        d = res.gdepth[gc, i]
        ok &= f.anc[peer_leaf[own, i], d] == res.gcode[gc, i]
    return ok


def benchmark(
    scores: ScoresLike,
    peers: ScoresLike,
    *,
    by: Sequence[str] = DEFAULT_BY,
    widen: Sequence[str] | None = None,
    min_group: int = 5,
    bootstrap: bool = False,
    confidence: float = 0.95,
    n_resamples: int = 999,
    seed: int = 0,
    keys: ProfileKeys | None = None,
    peer_keys: ProfileKeys | None = None,
) -> Benchmark:
    """Compare every company of ``scores`` with its peer group in ``peers``, node by node.

    Peer group: the peers whose profile matches the company's on the ``by`` fields. When it
    has fewer than ``min_group`` members (peers with a score at the ``root`` node, or at the
    first node when there is no root, the company itself left out), it is widened step by
    step. ``widen`` lists one field per step: the k-th entry for a field lets that field's
    filter be at most k levels above the field's most specific level (sector: NACE class →
    group → division → section → all; region: NUTS-3 → NUTS-2 → NUTS-1 → country → all;
    size class → all). A company whose value is coarser than a step's level (a sector given
    as a division, say) skips that step, and skipped steps are not counted. When ``widen`` is
    exhausted it is repeated until every field it names is at "all"; a field of ``by`` that
    ``widen`` never names is never widened. The default (:data:`DEFAULT_WIDEN`) widens the
    region up to the country, then the size class, then the sector up to the section, then
    the region and finally the sector to "all". A company with an unknown value of a field
    starts at "all" for it. A group still smaller than ``min_group`` after the last step is
    not reported: its :class:`PeerGroup` says ``sufficient=False`` and every statistic is NaN.

    The company is always left out of its own group (matched by id), so ``peers`` may be the
    same object as ``scores`` or a population that contains the company.

    Per node (the nodes of ``scores`` that ``peers`` also has) peers without a score there
    are left out. See :class:`Benchmark` for the statistics and
    ``docs/methodology-benchmark.md`` for their definitions.

    Args:
        scores: the companies to benchmark (a :class:`~maturity.scores.Scores` or alike).
        peers: the peer population (may be ``scores`` itself).
        by: the profile fields that define a peer group.
        widen: the widening order (default :data:`DEFAULT_WIDEN` restricted to ``by``).
        min_group: the smallest group that is reported (at least 1; 5 by default).
        bootstrap: also compute a percentile-bootstrap interval of the peer median
            (``scipy.stats.bootstrap``, ``method="percentile"``, a fresh
            ``np.random.default_rng(seed)`` per interval). One resampling per distinct
            (group, node, own score): meant for tens or thousands of companies, not millions.
        confidence: the interval's confidence level.
        n_resamples: bootstrap resamples.
        seed: bootstrap seed.
        keys: the companies' profiles as :data:`ProfileKeys` (default: the object's
            ``profile_keys`` attribute if it has one, else its ``profiles``; an object
            with no profiles at all counts as unknown on every field).
        peer_keys: the same for the peers.

    Raises:
        BenchmarkError: invalid arguments, no node in common, an invalid profile value.

    """
    by_t = tuple(by)
    widen_t = _check_fields(by_t, widen)
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 1:
        raise BenchmarkError(f"min_group must be an integer >= 1, not {min_group!r}")
    if bootstrap:
        if not 0 < confidence < 1:
            raise BenchmarkError(f"confidence must be between 0 and 1, not {confidence!r}")
        if n_resamples < 1:
            raise BenchmarkError(f"n_resamples must be >= 1, not {n_resamples!r}")
    same = peers is scores
    nodes = tuple(n for n in scores.nodes if n in set(peers.nodes))
    if not nodes:
        raise BenchmarkError("the scores and the peers have no node in common")
    ids = tuple(scores.ids)
    peer_ids = tuple(peers.ids)
    n_c, n_p, k = len(ids), len(peer_ids), len(nodes)
    x_all = np.asarray(scores.score, dtype=np.float64)
    p_all = np.asarray(peers.score, dtype=np.float64)
    if x_all.shape != (n_c, len(scores.nodes)) or p_all.shape != (n_p, len(peers.nodes)):
        raise BenchmarkError("score arrays do not match ids × nodes")
    cols = [list(scores.nodes).index(nd) for nd in nodes]
    pcols = [list(peers.nodes).index(nd) for nd in nodes]
    root = nodes.index("root") if "root" in nodes else 0

    ck = _keys_of(scores, by_t, keys, n_c)
    pk = ck if same else _keys_of(peers, by_t, peer_keys, n_p)
    if same:
        fields = [_encode(f, [ck[f]], [n_c]) for f in by_t]
        for f in fields:
            f.leaves.append(f.leaves[0])
    else:
        fields = [_encode(f, [ck[f], pk[f]], [n_c, n_p]) for f in by_t]
    cprof, cleaf = _profiles(fields, 0, n_c)
    pprof, pleaf = _profiles(fields, 1, n_p)
    k_p = len(pleaf)

    self_idx = _self_index(ids, peer_ids, same)
    has_self = self_idx >= 0
    sidx = np.maximum(self_idx, 0)
    sp = np.where(has_self, pprof[sidx] if n_p else -1, -1)
    p_root_ok = ~np.isnan(p_all[:, pcols[root]])
    self_root = has_self & (p_root_ok[sidx] if n_p else False)
    peer_weight = np.bincount(pprof[p_root_ok], minlength=k_p).astype(np.int64)

    # classes: distinct (company profile, own peer profile when it counts at the root)
    cls_key = cprof * (k_p + 1) + np.where(self_root, sp, -1) + 1
    cls, cls_uniq = _compact(cls_key, len(cleaf) * (k_p + 1))
    cls_prof = cls_uniq // (k_p + 1)
    cls_self = cls_uniq % (k_p + 1) - 1
    res = _resolve(
        fields,
        cleaf[cls_prof],
        cls_self,
        pleaf,
        peer_weight,
        _schedule(by_t, widen_t),
        min_group,
    )
    n_groups = len(res.gdepth)
    gptr, gmem = _members(fields, res, pleaf)
    gc = res.group[cls]  # per company, -1 when insufficient
    selfin = has_self & (gc >= 0)
    cand = np.flatnonzero(selfin)
    if len(cand):
        selfin[cand] = _self_member(fields, res, gc[cand], sp[cand], pleaf)
    gc = np.where(gc < 0, n_groups, gc)  # row n_groups of the tables: "no group"

    groups = _peer_groups(fields, res, cleaf[cls_prof], cls)

    porder = np.argsort(pprof.astype(_small_int(k_p)), kind="stable")
    pcount = np.bincount(pprof, minlength=k_p)
    corder = np.argsort(gc.astype(_small_int(n_groups + 1)), kind="stable")
    cbounds = np.searchsorted(gc[corder], np.arange(n_groups + 1))

    shape = (k, n_c)
    out = {s: np.empty(shape) for s in _STATS}
    n_out = np.empty(shape, np.int64)
    ci_lo = np.full(shape, np.nan) if bootstrap else None
    ci_hi = np.full(shape, np.nan) if bootstrap else None
    for j in range(k):
        col = np.ascontiguousarray(p_all[:, pcols[j]])
        ps, pstart, pvalid = _by_profile(col, pprof, porder, pcount)
        flat, gstart, gn = _by_group(ps, pstart, pvalid, gptr, gmem)
        xs = np.ascontiguousarray(x_all[:, cols[j]])
        # the company's own score among the peers (unused where it is not a peer)
        v = xs if same or not selfin.any() else np.take(col, sidx)
        _node(j, xs, v, selfin, gc, flat, gstart, gn, corder, cbounds, min_group, out, n_out)
        if bootstrap:
            assert ci_lo is not None and ci_hi is not None
            _bootstrap_node(
                j,
                v,
                selfin,
                gc,
                flat,
                gstart,
                gn,
                n_out[j],
                min_group,
                confidence,
                n_resamples,
                seed,
                ci_lo,
                ci_hi,
            )
    nan_view = np.broadcast_to(np.float64(np.nan), (n_c, k))

    def fin(a: Any) -> Any:
        t = a.T
        t.flags.writeable = False
        return t

    return Benchmark(
        ids=ids,
        nodes=nodes,
        **{s: fin(out[s]) for s in _STATS},
        n=fin(n_out),
        ci_low=fin(ci_lo) if ci_lo is not None else nan_view,
        ci_high=fin(ci_hi) if ci_hi is not None else nan_view,
        groups=groups,
        min_group=min_group,
        synthetic=bool(getattr(peers, "synthetic", False)),
        by=by_t,
        widen=widen_t,
        confidence=float(confidence) if bootstrap else None,
    )


def _small_int(n: int) -> type[np.integer[Any]]:
    """The smallest integer type for values below ``n`` (numpy radix-sorts 16-bit keys)."""
    if n < (1 << 15):
        return np.int16
    if n < (1 << 31):
        return np.int32
    return np.int64


def _peer_groups(
    fields: Sequence[_Field], res: _Resolved, cls_leaf: IntArray, cls: IntArray
) -> tuple[PeerGroup, ...]:
    """One :class:`PeerGroup` per class, then one per company (shared objects)."""
    per_class = np.empty(len(res.group), dtype=object)
    for c in range(len(res.group)):
        filters: dict[str, str | None] = {}
        for i, f in enumerate(fields):
            d = int(res.depth[c, i])
            filters[f.name] = f.values[d][int(f.anc[cls_leaf[c, i], d])] if d else None
        per_class[c] = PeerGroup(
            types.MappingProxyType(filters),
            int(res.size[c]),
            int(res.steps[c]),
            bool(res.group[c] >= 0),
        )
    return tuple(per_class[cls].tolist())


@dataclass
class _Tables:
    """Statistics of one node per group; the extra last row stands for "no group".

    ``quant[i]`` holds, per group, four values of quantile ``i`` laid out as
    ``4 * group + case``: the group without one member whose value ``v`` lies at or below
    the lower interpolation neighbour (case 0), between the neighbours (1), above both (2),
    and the whole group (3). ``lower[i]``/``upper[i]`` are those neighbours' values.
    """

    n: IntArray
    quant: FloatArray  # quantiles × 4 (groups + 1)
    lower: FloatArray  # quantiles × (groups + 1)
    upper: FloatArray
    mean: FloatArray
    sd: FloatArray
    total: FloatArray
    mu: FloatArray
    m2: FloatArray
    flat: BoolArray  # all values of the group equal


def _by_profile(
    col: FloatArray, pprof: IntArray, porder: IntArray, pcount: IntArray
) -> tuple[FloatArray, IntArray, IntArray]:
    """The peers' scores of one node sorted within each profile, NaN dropped.

    Returns the scores and, per profile, the start of its run and its number of scores.
    """
    k_p = len(pcount)
    bad = np.isnan(col)
    pvalid = pcount - np.bincount(pprof[bad], minlength=k_p)
    if k_p <= _FEW:  # few profiles: sort each run in place (NaN goes to its end)
        vals = col.take(porder)
        bounds = np.cumsum(pcount) - pcount
        for b0, n in zip(bounds.tolist(), pcount.tolist(), strict=True):
            vals[b0 : b0 + n].sort()
        ps = vals if not bad.any() else vals[~np.isnan(vals)]
    else:  # many profiles: sort by value, then (stably) by profile
        o = np.argsort(col)
        o = o[np.argsort(pprof[o].astype(_small_int(k_p)), kind="stable")]
        vals = col[o]  # NaN sorts last within each profile
        ps = vals[~np.isnan(vals)] if bad.any() else vals
    pstart = np.cumsum(pvalid) - pvalid
    return ps, pstart, pvalid


def _by_group(
    ps: FloatArray, pstart: IntArray, pvalid: IntArray, gptr: IntArray, gmem: IntArray
) -> tuple[FloatArray, IntArray, IntArray]:
    """The sorted scores of each group, one run per group: ``flat``, run starts, lengths."""
    n_groups = len(gptr) - 1
    sizes = np.diff(gptr)
    pair_len = pvalid[gmem]
    gn = np.bincount(np.repeat(np.arange(n_groups), sizes), weights=pair_len, minlength=n_groups)
    gn = np.rint(gn).astype(np.int64)
    gstart = np.cumsum(gn) - gn
    if len(gmem) <= _FEW:
        pieces = [
            ps[a : a + n] for a, n in zip(pstart[gmem].tolist(), pair_len.tolist(), strict=True)
        ]
        flat = np.concatenate(pieces) if pieces else np.zeros(0)
    else:
        flat = ps[_ranges(pstart[gmem], pair_len)]
    if np.any(sizes > 1):  # groups made of several profiles: sort each run
        elem_group = np.repeat(np.arange(n_groups), gn)
        o = np.argsort(flat)
        o = o[np.argsort(elem_group[o], kind="stable")]
        flat = flat[o]
    return flat, gstart, gn


def _lerp_array(a: FloatArray, b: FloatArray, t: FloatArray) -> FloatArray:
    """The linear interpolation of numpy (``numpy.lib._function_base_impl._lerp``)."""
    diff = b - a
    out: FloatArray = np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)
    return out


def _split_array(m: IntArray, pct: int) -> tuple[IntArray, IntArray, FloatArray]:
    """:func:`_split` for many array lengths at once (``m`` >= 1)."""
    h = (m - 1) * (pct / 100)
    lo = np.floor(h).astype(np.int64)
    top = h >= m - 1
    lo[top] = m[top] - 1
    hi = np.where(top, lo, lo + 1)
    return lo, hi, h - lo


def _tables(flat: FloatArray, gstart: IntArray, gn: IntArray, min_group: int) -> _Tables:
    """Statistics of every group of one node, from the groups' sorted runs in ``flat``."""
    g1 = len(gn) + 1
    nq = len(_QUANTILES)
    t = _Tables(
        n=np.append(gn, 0),
        quant=np.full((nq, 4 * g1), np.nan),
        lower=np.full((nq, g1), np.nan),
        upper=np.full((nq, g1), np.nan),
        mean=np.full(g1, np.nan),
        sd=np.full(g1, np.nan),
        total=np.full(g1, np.nan),
        mu=np.full(g1, np.nan),
        m2=np.full(g1, np.nan),
        flat=np.zeros(g1, bool),
    )
    ne = np.flatnonzero(gn > 0)
    if len(ne) == 0:
        return t
    start, n = gstart[ne], gn[ne]
    total = np.add.reduceat(flat, start)
    mu = total / n
    dev = flat - np.repeat(mu, n)
    m2 = np.add.reduceat(dev * dev, start)
    t.total[ne], t.mu[ne], t.m2[ne] = total, mu, m2
    flat_g = flat[start] == flat[start + n - 1]
    t.flat[ne] = flat_g
    big = n >= min_group
    gb, sb, nb = ne[big], start[big], n[big]
    t.mean[gb] = mu[big]
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(m2[big] / (nb - 1))
    sd[flat_g[big]] = 0.0
    sd[nb < 2] = np.nan
    t.sd[gb] = sd
    for i, (_, pct) in enumerate(_QUANTILES):
        lo, hi, w = _split_array(nb, pct)
        t.quant[i, 4 * gb + 3] = _lerp_array(flat[sb + lo], flat[sb + hi], w)
    loo = n - 1 >= max(min_group, 1)  # the group without one of its members
    gl, sl, ml = ne[loo], start[loo], n[loo] - 1
    for i, (_, pct) in enumerate(_QUANTILES):
        lo, hi, w = _split_array(ml, pct)
        a_lo, a_hi = flat[sl + lo], flat[sl + hi]
        t.lower[i, gl], t.upper[i, gl] = a_lo, a_hi
        t.quant[i, 4 * gl] = _lerp_array(flat[sl + lo + 1], flat[sl + hi + 1], w)
        t.quant[i, 4 * gl + 1] = _lerp_array(a_lo, flat[sl + hi + 1], w)
        t.quant[i, 4 * gl + 2] = _lerp_array(a_lo, a_hi, w)
    return t


def _node(
    j: int,
    x: FloatArray,
    v: FloatArray,
    selfin: BoolArray,
    gc: IntArray,
    flat: FloatArray,
    gstart: IntArray,
    gn: IntArray,
    corder: IntArray,
    cbounds: IntArray,
    min_group: int,
    out: Mapping[str, FloatArray],
    n_out: IntArray,
) -> None:
    """Statistics of node ``j`` for every company (row ``j`` of the outputs).

    ``gc`` is each company's group (the number of groups for none), ``v`` its own score among the
    peers and ``selfin`` whether it is a member of its own group (then it is left out).
    """
    t = _tables(flat, gstart, gn, min_group)
    n_c = len(x)
    # weak + strict counts against the whole group: per group, the companies are sorted
    # first so that np.searchsorted walks the peers' array once
    sw = np.zeros(n_c, np.int64)
    xf = np.where(np.isnan(x), np.inf, x)  # NaN slows argsort down; it gets no percentile
    busy = np.flatnonzero((np.diff(cbounds) > 0) & (gn > 0))
    for b0, b1, s0, s1 in zip(
        cbounds[busy].tolist(),
        cbounds[busy + 1].tolist(),
        gstart[busy].tolist(),
        (gstart + gn)[busy].tolist(),
        strict=True,
    ):
        a = flat[s0:s1]
        pos = corder[b0:b1]
        seg = xf.take(pos)
        o = seg.argsort()
        ss = seg.take(o)
        sw[pos.take(o)] = a.searchsorted(ss, "left") + a.searchsorted(ss, "right")
    ng = np.take(t.n, gc)
    s = selfin & ~np.isnan(v)  # the company is one of its peers at this node: leave it out
    m = ng - s
    ok = m >= min_group  # (m is 0 without a group)
    n_out[j] = m
    some = bool(s.any())
    with np.errstate(divide="ignore", invalid="ignore"):
        if some:
            sw -= s & (v < x)
            sw -= s & (v <= x)
        pct = sw * 50.0 / m  # 50·sw exact, one rounding: 100 % is exactly 100
        pct[np.isnan(x) | ~ok] = np.nan
        out["percentile"][j] = pct

        mean = np.take(t.mean, gc)
        sd = np.take(t.sd, gc)
        if some:
            code = gc * 4
            case = np.where(s, 0, 3)
            for i, (name, _) in enumerate(_QUANTILES):
                c = case + (v > np.take(t.lower[i], gc))
                c += v > np.take(t.upper[i], gc)
                np.take(t.quant[i], np.where(s, code + c, code + 3), out=out[name][j])
            mu1 = (np.take(t.total, gc) - v) / m
            m2 = np.take(t.m2, gc) - (v - np.take(t.mu, gc)) * (v - mu1)
            np.maximum(m2, 0.0, out=m2)
            sd1 = np.sqrt(m2 / (m - 1))
            even = np.take(t.flat, gc)  # all the group's values equal
            sd1[even] = 0.0
            sd1[m < 2] = np.nan
            # downdating loses precision when the company carried nearly all the spread:
            # recompute those few exactly
            shaky = np.flatnonzero(s & ok & ~even & (m >= 2) & (m2 <= 1e-8 * np.take(t.m2, gc)))
            for p in shaky.tolist():
                g = int(gc[p])
                a = flat[gstart[g] : gstart[g] + gn[g]]
                b = np.delete(a, int(np.searchsorted(a, v[p], side="left")))
                mu1[p] = float(np.mean(b))
                sd1[p] = 0.0 if b[0] == b[-1] else float(np.std(b, ddof=1))
            mean = np.where(s, mu1, mean)
            sd = np.where(s, sd1, sd)
        else:
            for i, (name, _) in enumerate(_QUANTILES):
                np.take(t.quant[i], gc * 4 + 3, out=out[name][j])
        if not ok.all():
            bad = ~ok
            mean[bad] = np.nan
            sd[bad] = np.nan
            for name, _ in _QUANTILES:
                out[name][j][bad] = np.nan
        z = (x - mean) / sd
        z[~(sd > 0)] = np.nan
    out["mean"][j] = mean
    out["sd"][j] = sd
    out["z"][j] = z


def _bootstrap_ci(
    a: FloatArray, confidence: float, n_resamples: int, seed: int
) -> tuple[float, float]:
    """Percentile-bootstrap interval of the median of ``a`` (NaN with fewer than 2 values)."""
    if len(a) < 2:
        return math.nan, math.nan
    from scipy import stats

    batch = None if len(a) * n_resamples <= (1 << 24) else max(1, (1 << 24) // len(a))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.bootstrap(
            (a,),
            np.median,
            n_resamples=n_resamples,
            batch=batch,
            confidence_level=confidence,
            method="percentile",
            rng=np.random.default_rng(seed),
        )
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def _bootstrap_node(
    j: int,
    v: FloatArray,
    selfin: BoolArray,
    gc: IntArray,
    flat: FloatArray,
    gstart: IntArray,
    gn: IntArray,
    n_node: IntArray,
    min_group: int,
    confidence: float,
    n_resamples: int,
    seed: int,
    ci_lo: FloatArray,
    ci_hi: FloatArray,
) -> None:
    """Bootstrap intervals of the peer median at node ``j``, cached per distinct sample."""
    ok = n_node >= min_group  # (0 without a group)
    s = selfin & ~np.isnan(v) & ok
    cache: dict[tuple[int, float | None], tuple[float, float]] = {}
    for i in np.flatnonzero(ok).tolist():
        g = int(gc[i])
        own = float(v[i]) if s[i] else None
        key = (g, own)
        if key not in cache:
            a = flat[gstart[g] : gstart[g] + gn[g]]
            if own is not None:
                a = np.delete(a, int(np.searchsorted(a, own, side="left")))
            cache[key] = _bootstrap_ci(a, confidence, n_resamples, seed)
        ci_lo[j, i], ci_hi[j, i] = cache[key]


# --------------------------------------------------------------------------------------------
# Aggregate tables for publication
# --------------------------------------------------------------------------------------------

_DEFAULT_LEVELS = {"sector": 1, "region": 2, "size_class": 1}
_AGG_STATS = ("n", "mean", "q1", "median", "q3", "p90")


class AggregateTable(list[dict[str, Any]]):
    """Published peer statistics: one dict per (group, node), no individual rows.

    Each row has the ``by`` fields (a code, or ``None`` for the margin "all"), ``node``,
    ``n`` (companies with a score at the node), ``mean``, ``q1``, ``median``, ``q3`` and
    ``p90``. ``suppressed`` counts the (group, node) cells left out, ``suppressed_by`` per
    rule (``min_group``, ``nested``, ``complementary``); see ``docs/methodology-benchmark.md``.
    """

    by: tuple[str, ...]
    levels: dict[str, str]
    min_group: int
    nodes: tuple[str, ...]
    synthetic: bool
    suppressed: int
    suppressed_by: dict[str, int]

    def note(self) -> str:
        """A one-line note on suppressed cells, for the foot of a published table."""
        if not self.suppressed:
            return f"Every cell rests on at least {self.min_group} companies."
        parts = ", ".join(f"{k}: {v}" for k, v in self.suppressed_by.items() if v)
        return (
            f"{self.suppressed} cell(s) suppressed to protect individual companies "
            f"(at least {self.min_group} companies per cell; {parts})."
        )

    def to_json(self) -> str:
        """The table as JSON (``maturity/benchmark-aggregate@1``) with the suppression note."""
        doc = {
            "format": "maturity/benchmark-aggregate@1",
            "synthetic": self.synthetic,
            "min_group": self.min_group,
            "by": list(self.by),
            "levels": self.levels,
            "nodes": list(self.nodes),
            "suppressed": self.suppressed,
            "suppressed_by": self.suppressed_by,
            "note": self.note(),
            "rows": list(self),
        }
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"

    def to_csv(self) -> str:
        """The rows as CSV; an empty group cell means "all" (a margin)."""
        from maturity.scores import safe_cell

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([*self.by, "node", *_AGG_STATS])
        for row in self:
            w.writerow(
                [
                    *(safe_cell(row[f] or "") for f in self.by),
                    safe_cell(row["node"]),
                    str(row["n"]),
                    *("" if row[s] is None else repr(row[s]) for s in _AGG_STATS[1:]),
                ]
            )
        return buf.getvalue()


def _levels(by: Sequence[str], levels: Mapping[str, str | int] | None) -> dict[str, int]:
    out = {f: _DEFAULT_LEVELS[f] for f in by}
    for f, lv in (levels or {}).items():
        if f not in by:
            raise BenchmarkError(f"'levels' names {f!r}, which is not in 'by'")
        if isinstance(lv, bool):
            raise BenchmarkError(f"invalid level {lv!r} for {f}")
        if isinstance(lv, int):
            d = lv
        else:
            key = str(lv).lower().replace("-", "").replace(" ", "")
            if key not in _LEVEL_ALIASES[f]:
                raise BenchmarkError(
                    f"unknown level {lv!r} for {f} (levels: {', '.join(_LEVEL_ALIASES[f])})"
                )
            d = _LEVEL_ALIASES[f][key]
        if not 1 <= d <= _MAX_DEPTH[f]:
            raise BenchmarkError(f"level {lv!r} for {f} must be 1..{_MAX_DEPTH[f]}")
        out[f] = d
    return out


def _level_name(f: str, d: int) -> str:
    return next(k for k, v in _LEVEL_ALIASES[f].items() if v == d)


Cell: TypeAlias = tuple[str | None, ...]


def _ancestors(cell: Cell) -> list[Cell]:
    """Every coarser cell: some of the known fields set to "all"."""
    known = [i for i, v in enumerate(cell) if v is not None]
    out = []
    for mask in range(1, 1 << len(known)):
        c = list(cell)
        for b, i in enumerate(known):
            if mask >> b & 1:
                c[i] = None
        out.append(tuple(c))
    return out


def _disclose(cells: Mapping[Cell, int], min_group: int) -> tuple[set[Cell], dict[str, int]]:
    """The cells that may be published (see ``docs/methodology-benchmark.md``)."""
    reasons = {"min_group": 0, "nested": 0, "complementary": 0}
    pub = {c: n for c, n in cells.items() if n >= min_group}
    reasons["min_group"] = len(cells) - len(pub)
    children: dict[tuple[Cell, int], list[Cell]] = {}
    for c in cells:
        for i, val in enumerate(c):
            if val is not None:
                parent = (*c[:i], None, *c[i + 1 :])
                children.setdefault((parent, i), []).append(c)

    def order(c: Cell) -> tuple[int, tuple[str, ...]]:
        return (sum(v is None for v in c), tuple(v or "" for v in c))

    changed = True
    while changed:
        changed = False
        for a in sorted(pub, key=order):
            if a not in pub:
                continue
            for anc in _ancestors(a):
                if anc in pub and pub[anc] - pub[a] < min_group:
                    del pub[a]
                    reasons["nested"] += 1
                    changed = True
                    break
        for p in sorted(pub, key=order):
            for i, val in enumerate(p):
                if val is not None or p not in pub:
                    continue
                kids = [c for c in children.get((p, i), []) if c in pub]
                residual = pub[p] - sum(pub[c] for c in kids)
                if 0 < residual < min_group and kids:
                    smallest = min(kids, key=lambda c: (pub[c], order(c)))
                    del pub[smallest]
                    reasons["complementary"] += 1
                    changed = True
    return set(pub), reasons


def aggregate_table(
    peers: ScoresLike,
    *,
    by: Sequence[str] = DEFAULT_BY,
    levels: Mapping[str, str | int] | None = None,
    min_group: int = 5,
    keys: ProfileKeys | None = None,
) -> AggregateTable:
    """Peer statistics per group, safe to publish: no individual rows, small cells suppressed.

    Rows cover every combination of the ``by`` fields at the chosen ``levels`` (default:
    sector at NACE section, size class, region at NUTS-1; also ``"division"``, ``"nuts2"``,
    … or a depth), plus every margin where some fields are "all" (``None``). Per node:
    ``n``, ``mean``, ``q1``, ``median``, ``q3``, ``p90`` (peers without a score at the node
    are left out). Disclosure rules, applied per node until nothing changes:

    1. a cell with fewer than ``min_group`` companies is suppressed;
    2. of two published cells where one contains the other, the contained one is suppressed
       when they differ by fewer than ``min_group`` companies (else the difference would
       describe those few companies);
    3. when a margin and its published sub-cells along one field leave fewer than
       ``min_group`` (but more than zero) companies unaccounted for, the smallest published
       sub-cell is suppressed too (complementary suppression).

    Suppressed cells are left out; :attr:`AggregateTable.suppressed` counts them.
    """
    by_t = tuple(by)
    _check_fields(by_t, ())
    if isinstance(min_group, bool) or not isinstance(min_group, int) or min_group < 1:
        raise BenchmarkError(f"min_group must be an integer >= 1, not {min_group!r}")
    depth = _levels(by_t, levels)
    nodes = tuple(peers.nodes)
    score = np.asarray(peers.score, dtype=np.float64)
    n_p = len(peers.ids)
    if score.shape != (n_p, len(nodes)):
        raise BenchmarkError("score array does not match ids × nodes")
    pk = _keys_of(peers, by_t, keys, n_p)
    fields = [_encode(f, [pk[f]], [n_p]) for f in by_t]
    pprof, pleaf = _profiles(fields, 0, n_p)
    k_p = len(pleaf)
    # each profile's value at the chosen level of each field (None if unknown or coarser)
    pvals: list[Cell] = []
    for q in range(k_p):
        row: list[str | None] = []
        for i, f in enumerate(fields):
            code = int(f.anc[pleaf[q, i], depth[f.name]])
            row.append(f.values[depth[f.name]][code] if code >= 0 else None)
        pvals.append(tuple(row))
    cell_profiles: dict[Cell, list[int]] = {}
    for q, vals in enumerate(pvals):
        for c in (vals, *_ancestors(vals)):
            cell_profiles.setdefault(c, []).append(q)
    porder = np.argsort(pprof, kind="stable")
    bounds = np.zeros(k_p + 1, np.int64)
    bounds[1:] = np.cumsum(np.bincount(pprof, minlength=k_p))
    rows: dict[tuple[Cell, int], dict[str, Any]] = {}
    reasons_total = {"min_group": 0, "nested": 0, "complementary": 0}
    for j, node in enumerate(nodes):
        col = score[porder, j]
        blocks = []
        for q in range(k_p):
            b = col[bounds[q] : bounds[q + 1]]
            blocks.append(b[~np.isnan(b)])
        counts = {c: sum(len(blocks[q]) for q in qs) for c, qs in cell_profiles.items()}
        counts = {c: n for c, n in counts.items() if n > 0}
        keep, reasons = _disclose(counts, min_group)
        for r, cnt in reasons.items():
            reasons_total[r] += cnt
        for c in keep:
            a = np.sort(np.concatenate([blocks[q] for q in cell_profiles[c]]))
            rows[(c, j)] = {
                **dict(zip(by_t, c, strict=True)),
                "node": node,
                "n": len(a),
                "mean": _num(np.mean(a)),
                **{name: _num(_quantile(a, pct)) for name, pct in _QUANTILES},
            }
    table = AggregateTable(
        rows[key]
        for key in sorted(
            rows, key=lambda k: (sum(v is not None for v in k[0]), [v or "" for v in k[0]], k[1])
        )
    )
    table.by = by_t
    table.levels = {f: _level_name(f, d) for f, d in depth.items()}
    table.min_group = min_group
    table.nodes = nodes
    table.synthetic = bool(getattr(peers, "synthetic", False))
    table.suppressed = sum(reasons_total.values())
    table.suppressed_by = reasons_total
    return table


def write_aggregate(
    path: str | Path,
    peers: ScoresLike,
    *,
    by: Sequence[str] = DEFAULT_BY,
    levels: Mapping[str, str | int] | None = None,
    min_group: int = 5,
    keys: ProfileKeys | None = None,
    force: bool = False,
) -> AggregateTable:
    """Write :func:`aggregate_table` to ``path``: JSON (with the suppression note) for a
    ``.json`` name, CSV otherwise. An existing file is replaced only with ``force=True``.
    """
    table = aggregate_table(peers, by=by, levels=levels, min_group=min_group, keys=keys)
    text = table.to_json() if str(path).lower().endswith(".json") else table.to_csv()
    _write(path, text, force)
    return table
