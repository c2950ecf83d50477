"""Disclosure control: the one module of rules that decide what a published peer statistic may
show. Every output that shows peers' scores (a company's benchmark, its report, every cell of an
aggregate table, demand tables for actions) goes through these rules.

The threat model and the guarantees are in ``docs/methodology-benchmark.md``; in short:

1. **Threshold.** No statistic rests on fewer than ``min_group`` companies.
2. **Order statistics.** Quantiles (q1, median, q3, p90) and the ends of the interval of the
   median are published only over at least :func:`quantile_min` companies, and each is the
   mean of a *block* of the sorted group: the group is split into ``⌊n / k⌋`` blocks of ``k``
   to ``2k − 1`` consecutive order statistics (``k`` = :func:`quantile_block`), fixed-size
   microaggregation. The blocks never overlap, so no two published values differ by one
   company, and what the published blocks leave out is itself a union of whole blocks.
3. **Rounding.** Published means, standard deviations and quantiles are rounded to the
   displayed precision (:data:`PUBLISHED_DIGITS` decimals); interval ends outwards.
4. **Tables.** Cells below the threshold are suppressed, then the whole table is audited by
   linear programming (:func:`protect_table`): for every suppressed cell the feasible interval
   of its count, and of its total score, given every published cell, must be at least a
   protection width; suppression is added until it is.
5. **Successive releases.** See :mod:`maturity.benchmarking.release`: a group or cell is
   published again only when its membership changed by none or by at least ``k`` companies.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

from maturity.benchmarking.common import BoolArray, FloatArray, IntArray

__all__ = [
    "PROTECTION",
    "PUBLISHED_DIGITS",
    "Cell",
    "block_of",
    "protect_counts",
    "protect_table",
    "quantile_block",
    "quantile_blocks",
    "quantile_min",
]


Cell: TypeAlias = tuple[str | None, ...]
"""One cell of a table: one value per field, ``None`` for the margin "all"."""


PUBLISHED_DIGITS = 2
"""Decimals of published peer statistics: the precision reports display scores with."""


PROTECTION = 0.2
"""Protection width of a suppressed cell's total score, as a share of its largest possible
width ``n × (range high − range low)``: its mean cannot be pinned to better than a fifth of the
model's range (one level on a 0–5 scale)."""


def quantile_min(min_group: int) -> int:
    """The fewest companies a quantile (or the interval of the median) is published over:
    twice the threshold, so that the sorted group splits into at least two blocks of
    :func:`quantile_block` companies.
    """
    return 2 * min_group


def quantile_block(min_group: int) -> int:
    """The smallest block of consecutive order statistics a published quantile averages:
    ``min_group``, so that a quantile rests on as many companies as a published mean does.
    """
    return max(1, min_group)


def blocks(m: IntArray, k: int) -> IntArray:
    """How many blocks ``m`` sorted values split into: ``⌊m / k⌋`` (at least 1)."""
    out: IntArray = np.maximum(np.asarray(m, dtype=np.int64) // k, 1)
    return out


def block_of(m: IntArray, idx: IntArray, k: int) -> tuple[IntArray, IntArray]:
    """The block ``[start, end)`` that holds order statistic ``idx`` (0-based) of ``m`` sorted
    values split into ``q = ⌊m / k⌋`` consecutive blocks with boundaries ``⌊i·m / q⌋``
    (sizes ``k`` to ``2k − 1``): fixed-size microaggregation of the order statistics.
    """
    m = np.asarray(m, dtype=np.int64)
    q = blocks(m, k)
    i = ((np.asarray(idx, dtype=np.int64) + 1) * q - 1) // m
    return (i * m) // q, ((i + 1) * m) // q


def nearest_rank(m: IntArray, pct: int) -> IntArray:
    """The order statistic (0-based) nearest to numpy's position ``h = (m − 1)·pct/100``,
    halves rounded up: ``⌊((m − 1)·pct + 50) / 100⌋``.
    """
    out: IntArray = ((np.asarray(m, dtype=np.int64) - 1) * int(pct) + 50) // 100
    return out


def quantile_blocks(m: IntArray, pct: int, k: int) -> tuple[IntArray, IntArray]:
    """The block whose mean is published as the ``pct`` quantile of ``m`` sorted values."""
    return block_of(m, nearest_rank(m, pct), k)


def block_below(m: IntArray, idx: IntArray, k: int) -> tuple[IntArray, IntArray, BoolArray]:
    """The last block that ends at or before order statistic ``idx`` (all its values are at
    most ``x₍idx₎``), and whether there is one.
    """
    m = np.asarray(m, dtype=np.int64)
    q = blocks(m, k)
    nxt = ((np.asarray(idx, dtype=np.int64) + 2) * q - 1) // m  # block holding idx + 1
    i = nxt - 1
    ok = i >= 0
    i = np.maximum(i, 0)
    return (i * m) // q, ((i + 1) * m) // q, ok


def block_above(m: IntArray, idx: IntArray, k: int) -> tuple[IntArray, IntArray, BoolArray]:
    """The first block that starts at or after order statistic ``idx`` (all its values are at
    least ``x₍idx₎``), and whether there is one.
    """
    m = np.asarray(m, dtype=np.int64)
    q = blocks(m, k)
    idx = np.asarray(idx, dtype=np.int64)
    i = ((idx + 1) * q - 1) // m
    start = (i * m) // q
    i = np.where(start == idx, i, i + 1)
    ok = i < q
    i = np.minimum(i, q - 1)
    return (i * m) // q, ((i + 1) * m) // q, ok


# --------------------------------------------------------------------------------------------
# Rounding to the displayed precision
# --------------------------------------------------------------------------------------------


#: A value this close to a half-way point (in units of the last published digit) counts as the
#: half: the same mean summed in another order rounds the same way.
HALF_TOLERANCE = 1e-6


def round_published_array(x: FloatArray, digits: int | None) -> FloatArray:
    """``x`` rounded half away from zero to ``digits`` decimals, element-wise: the published
    value of a peer statistic. A value within :data:`HALF_TOLERANCE` of a last-digit unit from
    a half-way point counts as the half (``2.1249999999999996`` → ``2.13``), so the result does
    not depend on the order in which a mean was summed. ``None``: returned as is.
    """
    x = np.asarray(x, dtype=np.float64)
    if digits is None:
        return x.copy()
    scale = 10.0**digits
    out: FloatArray = np.abs(x)
    with np.errstate(invalid="ignore"):
        out *= scale
        out += 0.5 + HALF_TOLERANCE
        np.floor(out, out=out)
        out /= scale
        np.copysign(out, x, out=out)
        out += 0.0  # -0.0 becomes 0.0
    return out


def round_outward_array(x: FloatArray, digits: int | None, *, down: bool) -> FloatArray:
    """The largest value of the grid of ``digits`` decimals at or below ``x`` (``down``), or
    the smallest at or above it: interval ends rounded so that the interval only grows. A value
    within :data:`HALF_TOLERANCE` of a last-digit unit from a grid point counts as on it (a
    block mean of 4.25, 4.26, 4.27 summed to 4.260000000000001 gives 4.26, not 4.27).
    """
    x = np.asarray(x, dtype=np.float64)
    if digits is None:
        return x.copy()
    scale = 10.0**digits
    with np.errstate(invalid="ignore"):
        y = x * scale
        r = np.floor(y + HALF_TOLERANCE) if down else np.ceil(y - HALF_TOLERANCE)
    out: FloatArray = np.where(r == 0, 0.0, r / scale)
    return out


# --------------------------------------------------------------------------------------------
# Tables: threshold, nested and complementary rules, then the audit by linear programming
# --------------------------------------------------------------------------------------------


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


@functools.lru_cache(maxsize=1 << 16)
def _order(c: Cell) -> tuple[int, tuple[str, ...]]:
    return (sum(v is None for v in c), tuple(v or "" for v in c))


def _children_map(cells: Iterable[Cell]) -> dict[tuple[Cell, int], list[Cell]]:
    children: dict[tuple[Cell, int], list[Cell]] = {}
    for c in cells:
        for i, val in enumerate(c):
            if val is not None:
                parent = (*c[:i], None, *c[i + 1 :])
                children.setdefault((parent, i), []).append(c)
    return children


def _disclose(
    cells: Mapping[Cell, int], min_group: int, publishable: set[Cell] | None = None
) -> tuple[dict[Cell, int], dict[str, int]]:
    """Threshold, nested and (one field at a time) complementary suppression."""
    reasons = {"min_group": 0, "nested": 0, "complementary": 0}
    pub = {c: n for c, n in cells.items() if n >= min_group}
    reasons["min_group"] = sum(1 for c, n in cells.items() if 0 < n < min_group)
    if publishable is not None:
        pub = {c: n for c, n in pub.items() if c in publishable}
    children = _children_map(cells)
    changed = True
    while changed:
        changed = False
        for a in sorted(pub, key=_order):
            if a not in pub:
                continue
            for anc in _ancestors(a):
                if anc in pub and pub[anc] - pub[a] < min_group:
                    del pub[a]
                    reasons["nested"] += 1
                    changed = True
                    break
        for p in sorted(pub, key=_order):
            for i, val in enumerate(p):
                if val is not None or p not in pub:
                    continue
                kids = [c for c in children.get((p, i), []) if c in pub]
                residual = pub[p] - sum(pub[c] for c in kids)
                if 0 < residual < min_group and kids:
                    smallest = min(kids, key=lambda c: (pub[c], _order(c)))
                    del pub[smallest]
                    reasons["complementary"] += 1
                    changed = True
    return pub, reasons


@dataclass
class _System:
    """The additive structure of a table: every margin is the sum of its children along each
    field, plus a residual (the companies whose value of that field is unknown or coarser)
    when the children given do not add up to it.
    """

    cells: list[Cell]
    index: dict[Cell, int]
    relations: list[tuple[int, list[int], int]]  # (margin, children, residual variable or -1)
    n_vars: int  # cells + residuals
    ancestors: list[list[int]]  # per cell: the indices of the cells that contain it
    partners: list[list[int]] | None = None  # per variable, filled on first use
    by_var: list[list[tuple[int, list[int], int]]] | None = None  # equations per variable


def _system(cells: Mapping[Cell, int]) -> _System:
    keys = sorted(cells, key=_order)
    index = {c: i for i, c in enumerate(keys)}
    children = _children_map(keys)
    relations: list[tuple[int, list[int], int]] = []
    n_vars = len(keys)
    for (parent, _), kids in sorted(children.items(), key=lambda t: (_order(t[0][0]), t[0][1])):
        if parent not in index:
            continue
        residual = cells[parent] - sum(cells[c] for c in kids)
        rv = -1
        if residual != 0:
            rv = n_vars
            n_vars += 1
        relations.append((index[parent], [index[c] for c in kids], rv))
    ancestors = [[index[a] for a in _ancestors(c) if a in index] for c in keys]
    return _System(keys, index, relations, n_vars, ancestors)


@dataclass
class _Need:
    """One audit of a table (counts, totals, or the changes between two releases).

    ``value`` holds every variable's true value, ``lo``/``hi`` what an attacker knows bounds
    it, ``count`` the companies (or changes) it rests on. A suppressed cell resting on
    ``0 < count < threshold`` must keep a feasible interval at least ``width(count)`` wide;
    so must a suppressed cell whose difference with a published cell containing it rests on
    ``0 < d < threshold`` companies (with ``width(d)``), since that difference is then as
    narrow. ``width(d) = constant`` when given, else ``per_unit × d``. ``known`` (default:
    every cell) limits which published cells the attacker knows in this audit.
    """

    value: FloatArray
    lo: FloatArray
    hi: FloatArray
    count: FloatArray
    threshold: float
    per_unit: float = 0.0
    constant: float | None = None
    known: np.ndarray | None = None
    uniform: np.ndarray | None = None  # cells whose companies all have the same score

    def width(self, d: float) -> float:
        return self.constant if self.constant is not None else self.per_unit * d


def _requirements(sysm: _System, known: np.ndarray, need: _Need) -> dict[int, float]:
    """The width each unknown cell must keep (cells without a requirement left out)."""
    out: dict[int, float] = {}
    for i in range(len(sysm.cells)):
        if known[i]:
            continue
        n = float(need.count[i])
        if n <= 0:
            continue
        if need.uniform is not None and any(
            known[a] and need.uniform[a] for a in sysm.ancestors[i]
        ):
            # a published cell around it says every one of its companies has the same score
            # (all at an end of the range, say): no suppression inside it can hide that
            continue
        w = 0.0
        if n < need.threshold:
            w = need.width(n)
        for a in sysm.ancestors[i]:
            if known[a]:
                d = float(need.count[a]) - n
                if 0 < d < need.threshold:
                    w = max(w, need.width(d))
        if w > 0:
            out[i] = w
    return out


def _rows(
    sysm: _System, known: np.ndarray, value: FloatArray
) -> list[tuple[dict[int, float], float]]:
    """The relations as equations over the unknown variables (known ones moved right)."""
    rows: list[tuple[dict[int, float], float]] = []
    for margin, kids, rv in sysm.relations:
        coef: dict[int, float] = {}
        const = 0.0
        terms = [(margin, 1.0)] + [(c, -1.0) for c in kids] + ([(rv, -1.0)] if rv >= 0 else [])
        for var, sgn in terms:
            if known[var]:
                const -= sgn * value[var]
            else:
                coef[var] = coef.get(var, 0.0) + sgn
        coef = {k: c for k, c in coef.items() if c != 0.0}
        if coef:
            rows.append((coef, const))
    return rows


def _components(n: int, rows: list[tuple[dict[int, float], float]]) -> list[int]:
    """Union-find root of every variable, variables linked when they share an equation."""
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for coef, _ in rows:
        it = iter(coef)
        first = find(next(it))
        for other in it:
            r = find(other)
            if r != first:
                parent[r] = first
    return [find(i) for i in range(n)]


_STACK = 40_000  # variables per stacked linear program (copies × component size)
_PRESOLVE = False  # small programs: presolve costs more than it saves


def _stacked_ends(
    a_eq: FloatArray, b_eq: FloatArray, bounds: list[tuple[float, float]], targets: list[int]
) -> tuple[FloatArray, FloatArray]:
    """The minimum and the maximum of each target variable over the polytope
    ``a_eq x = b_eq``, ``bounds``: one linear program per direction for many targets at once,
    made of one independent copy of the polytope per target (block-diagonal), so that the
    solver's fixed cost is paid once, not per target.
    """
    from scipy import sparse
    from scipy.optimize import linprog

    n = a_eq.shape[1]
    lo = np.empty(len(targets))
    hi = np.empty(len(targets))
    per = max(1, _STACK // max(n, 1))
    block = sparse.csr_matrix(a_eq)
    for b0 in range(0, len(targets), per):
        chunk = targets[b0 : b0 + per]
        k = len(chunk)
        a_big = sparse.block_diag([block] * k, format="csr")
        b_big = np.tile(b_eq, k)
        c = np.zeros(k * n)
        c[np.arange(k) * n + np.array(chunk)] = 1.0
        for sign, out in ((1.0, lo), (-1.0, hi)):
            res = linprog(
                sign * c,
                A_eq=a_big,
                b_eq=b_big,
                bounds=bounds * k,
                method="highs-ds",
                options={"presolve": _PRESOLVE},
            )
            if res.status != 0:  # pragma: no cover - the true values are feasible, bounded
                raise RuntimeError(f"disclosure audit: the linear program failed: {res.message}")
            out[b0 : b0 + k] = res.x[np.arange(k) * n + np.array(chunk)]
    return lo, hi


def _narrow(
    sysm: _System, known: np.ndarray, need: _Need, required: dict[int, float]
) -> dict[int, set[int]]:
    """The cells of ``required`` whose feasible interval is narrower than required, each with
    the known cells that enter the equations of its component (the ones whose suppression can
    widen it).

    Per connected component of unknown variables (cells linked by an equation), the exact
    minimum and maximum of every target by linear programming (:func:`_stacked_ends`).
    """
    if not required:
        return {}
    rows = _rows(sysm, known, need.value)
    row_known = _row_known(sysm, known)
    root = _components(sysm.n_vars, rows)
    comp_rows: dict[int, list[int]] = {}
    for ri, (coef, _) in enumerate(rows):
        comp_rows.setdefault(root[next(iter(coef))], []).append(ri)
    by_comp: dict[int, list[int]] = {}
    for t in required:
        by_comp.setdefault(root[t], []).append(t)
    tol = 1e-9
    out: dict[int, set[int]] = {}
    for r0, ts in sorted(by_comp.items()):
        rr = comp_rows.get(r0, [])
        if not rr:  # no equation: the bounds alone
            for t in ts:
                if need.hi[t] - need.lo[t] < required[t] - tol:
                    out[t] = set()
            continue
        near = {k for ri in rr for k in row_known[ri]}
        members = sorted({v for ri in rr for v in rows[ri][0]})
        pos = {v: i for i, v in enumerate(members)}
        a_eq = np.zeros((len(rr), len(members)))
        b_eq = np.zeros(len(rr))
        for r_i, ri in enumerate(rr):
            coef, const = rows[ri]
            for v, cv in coef.items():
                a_eq[r_i, pos[v]] = cv
            b_eq[r_i] = const
        bounds = [(float(need.lo[v]), float(need.hi[v])) for v in members]
        pinned = {next(iter(rows[ri][0])) for ri in rr if len(rows[ri][0]) == 1}
        failing = [t for t in ts if t in pinned]
        todo = [t for t in ts if t not in pinned]
        if todo:
            lo, hi = _stacked_ends(a_eq, b_eq, bounds, [pos[t] for t in todo])
            failing += [
                t for t, a, b in zip(todo, lo, hi, strict=True) if b - a < required[t] - tol
            ]
        for t in failing:
            out[t] = near
    return out


def _row_known(sysm: _System, known: np.ndarray) -> list[list[int]]:
    """Per equation of :func:`_rows` (same order): the known cells in it."""
    out: list[list[int]] = []
    for margin, kids, rv in sysm.relations:
        terms = [margin, *kids] + ([rv] if rv >= 0 else [])
        if any(not known[v] for v in terms):
            out.append([v for v in terms if known[v]])
    return out


def _relations_of(sysm: _System, var: int) -> list[tuple[int, list[int], int]]:
    """The equations ``var`` enters (as the margin or as a sub-cell)."""
    if sysm.by_var is None:
        table: list[list[tuple[int, list[int], int]]] = [[] for _ in range(sysm.n_vars)]
        for rel in sysm.relations:
            for v in (rel[0], *rel[1]):
                table[v].append(rel)
        sysm.by_var = table
    return sysm.by_var[var]


def _partners(sysm: _System, var: int) -> list[int]:
    """Cells that share a relation with ``var`` (its margins, siblings and children)."""
    if sysm.partners is None:
        table: list[set[int]] = [set() for _ in range(sysm.n_vars)]
        for margin, kids, _ in sysm.relations:
            group = [margin, *kids]
            for v in group:
                table[v].update(group)
        sysm.partners = [sorted(t - {v}) for v, t in enumerate(table)]
    return sysm.partners[var]


def protect_table(
    counts: Mapping[Cell, int],
    min_group: int,
    *,
    totals: Mapping[Cell, float] | None = None,
    score_range: tuple[float, float] | None = None,
    protection: float = PROTECTION,
    publishable: set[Cell] | None = None,
    changes: Mapping[Cell, tuple[int, int]] | None = None,
    before: Mapping[Cell, float] | None = None,
    release_k: int | None = None,
    memo: dict[Any, Any] | None = None,
    uniform: set[Cell] | None = None,
) -> tuple[set[Cell], dict[str, int]]:
    """The cells of a table that may be published, audited by linear programming.

    ``counts`` maps every cell (margins included) to its number of companies; ``totals``
    (with ``score_range``) to the sum of their scores. Rules, in order:

    1. threshold: a cell with 1 to ``min_group − 1`` companies is suppressed;
    2. nested and complementary rules (a cheap first pass, see :func:`protect_counts`);
    3. audit by linear programming (``scipy.optimize.linprog``, HiGHS): every suppressed cell
       with 1 to ``min_group − 1`` companies, and every suppressed cell whose difference with
       a published cell containing it is 1 to ``min_group − 1`` companies, must keep a
       feasible interval, given every published cell and the table's additivity, at least

       - ``min_group − 1`` wide for its count (counts ``≥ 0``): as wide as the whole range a
         suppressed small count can have (0 to ``min_group − 1``), and
       - with ``totals``: ``protection × d × (high − low)`` wide for its total score (each
         company's score between the range's ends), ``d`` the companies it rests on.

       Published values are taken as exact and every cell's count as known to the attacker
       (so the audit is conservative: rounding only widens the intervals). While some cell
       fails, the published cell with the fewest companies sharing a relation with it is
       suppressed too (all failing cells at once, then audited again).

    Successive releases (:mod:`maturity.benchmarking.release`): ``changes`` maps each cell to
    the companies that joined and left it since the earlier release, ``before`` each cell
    published then to its total then. A cell with 1 to ``release_k − 1`` changes is
    suppressed (rule ``release``), and the table of changes (total now minus total then, known
    for the cells published in both) is audited like the table, with ``release_k`` for
    ``min_group`` and each change between the range's ends (joined) or their negatives (left).

    ``uniform`` names the cells whose companies all have the same score: a published one
    already tells every member's score (a group disclosure that the threshold allows), so the
    cells inside it need no width for their totals. ``publishable`` (default: every cell)
    limits what may be published at all; ``memo`` (a dict kept between calls) reuses the
    audit of counts for tables with the same counts.
    Returns the publishable cells and the number suppressed per rule (``min_group``,
    ``nested``, ``complementary``, ``audit``, and ``release`` with ``changes``).
    """
    held: set[Cell] = set()
    if changes is not None:
        k_rel = release_k or min_group
        held = {c for c, (a, r) in changes.items() if 0 < a + r < k_rel}
        if publishable is None:
            publishable = set(counts)
        publishable = publishable - held
    pub, reasons = _disclose(counts, min_group, publishable)
    if changes is not None:
        reasons["release"] = sum(1 for c in held if counts.get(c, 0) >= min_group)
    reasons["audit"] = 0
    cells = dict(counts)
    sysm = _system(cells)
    nv = sysm.n_vars
    nn = np.zeros(nv)
    for c, i in sysm.index.items():
        nn[i] = cells[c]
    for margin, kids, rv in sysm.relations:
        if rv >= 0:
            nn[rv] = nn[margin] - sum(nn[k] for k in kids)
    # counts are bounded by the whole table's (a tighter bound than the attacker may know
    # makes the audit stricter, never looser)
    everyone = float(max(cells.values(), default=0))
    needs: list[_Need] = [
        _Need(
            nn,
            np.zeros(nv),
            np.full(nv, everyone),
            nn,
            float(min_group),
            constant=float(min_group - 1),
        )
    ]
    if totals is not None:
        if score_range is None:
            raise ValueError("protect_table: totals need the score range")
        low, high = score_range
        tv = np.zeros(nv)
        for c, i in sysm.index.items():
            tv[i] = totals.get(c, 0.0)
        for margin, kids, rv in sysm.relations:
            if rv >= 0:
                tv[rv] = tv[margin] - sum(tv[k] for k in kids)
        flat = np.zeros(nv, bool)
        for c in uniform or ():
            if c in sysm.index:
                flat[sysm.index[c]] = True
        needs.append(
            _Need(
                tv,
                nn * low,
                nn * high,
                nn,
                float(min_group),
                per_unit=protection * (high - low),
                uniform=flat,
            )
        )
    if changes is not None:
        if score_range is None:
            raise ValueError("protect_table: changes need the score range")
        low, high = score_range
        k_rel = release_k or min_group
        add = np.zeros(nv)
        rem = np.zeros(nv)
        dv = np.full(nv, np.nan)
        was = np.zeros(nv, bool)
        for c, i in sysm.index.items():
            a, r = changes.get(c, (0, 0))
            add[i], rem[i] = a, r
            if before is not None and c in before:
                was[i] = True
                dv[i] = (totals or {}).get(c, 0.0) - before[c]
        needs.append(
            _Need(
                dv,
                add * low - rem * high,
                add * high - rem * low,
                add + rem,
                float(k_rel),
                per_unit=protection * (high - low),
                known=was,
            )
        )
    published = set(pub)
    # suppressing a cell only relaxes the attacker's constraints (a constant becomes unknown),
    # so a cell that passed stays passing: after the first round only the cells that failed
    # and the cells just suppressed are audited again
    check: set[int] | None = None
    while True:
        failing: dict[int, set[int]] = {}
        for ni, need in enumerate(needs):
            known = np.zeros(nv, bool)
            for c in published:
                known[sysm.index[c]] = True
            if need.known is not None:
                known &= need.known
            required = _requirements(sysm, known, need)
            if check is not None:
                required = {t: w for t, w in required.items() if t in check}
            memo_key = None
            if ni == 0 and memo is not None:  # counts: the same for every node with them
                memo_key = (
                    tuple(sorted(cells.items(), key=lambda t: _order(t[0]))),
                    frozenset(published),
                    frozenset(required),
                )
                if memo_key in memo:
                    for t, near in memo[memo_key].items():
                        failing.setdefault(t, set()).update(near)
                    continue
            found = _narrow(sysm, known, need, required)
            if memo_key is not None and memo is not None:
                memo[memo_key] = found
            for t, near in found.items():
                failing.setdefault(t, set()).update(near)
        if not failing:
            break
        picks: set[Cell] = set()

        def smallest(cs: Iterable[Cell]) -> Cell:
            return min(cs, key=lambda cell: (cells[cell], _order(cell)))

        for f, near in sorted(failing.items()):
            # every equation in which it is the only unknown cell needs a second one: the
            # classic complementary suppression, one per field at once
            alone = False
            for margin, kids, rv in _relations_of(sysm, f):
                group = [margin, *kids]
                if rv < 0 and all(sysm.cells[v] in published for v in group if v != f):
                    alone = True
                    others = [sysm.cells[v] for v in group if v != f]
                    if others:
                        picks.add(smallest(others))
            if alone:
                continue
            cand = [sysm.cells[p] for p in _partners(sysm, f) if sysm.cells[p] in published]
            if not cand:  # pinned through other equations: a known cell of its component
                cand = [sysm.cells[p] for p in near if sysm.cells[p] in published]
            if not cand:  # pinned by the bounds alone: the cells that contain it go
                cand = [sysm.cells[a] for a in sysm.ancestors[f] if sysm.cells[a] in published]
            if cand:
                picks.add(smallest(cand))
        if not picks:
            break
        published -= picks
        reasons["audit"] += len(picks)
        check = set(failing) | {sysm.index[c] for c in picks}
    return published, reasons


def protect_counts(cells: Mapping[Cell, int], min_group: int) -> tuple[set[Cell], dict[str, int]]:
    """The cells of a table of counts (or of statistics over companies) that may be published.

    ``cells`` maps a cell (one value per field, ``None`` for the margin "all") to the number of
    companies in it. Returns the publishable cells and how many were suppressed per rule:
    ``min_group`` (threshold), ``nested`` (a published cell inside another that differs from
    it by fewer than ``min_group``), ``complementary`` (a margin whose published sub-cells
    along one field leave 1 to ``min_group − 1`` companies unaccounted for), ``audit`` (added
    by the linear-programming audit of :func:`protect_table`: no count resting on fewer than
    ``min_group`` companies can be narrowed to an interval under ``min_group − 1`` wide from
    the published ones). This is the one entry point for every published table (peer statistics,
    demand for actions).
    """
    return protect_table(cells, min_group)
