"""Peer statistics on sorted scores, for every company at once.

Per node, the peers' scores of every peer group are sorted with **one** sort: each score is
replaced by its rank among the node's distinct scores, and ``group × R + rank`` (``R`` the
number of distinct scores plus one) is an integer key whose sorted order is "by group, then by
score". Every group is then a run of that sorted array (its *segment*), and

- a company's weak and strict counts are two ``np.searchsorted`` calls for all companies at
  once (its score, shifted by :data:`~maturity.numbers.SCORE_TOLERANCE` down and up, turned into
  a key of its own group);
- order statistics are gathers at ``segment start + index``;
- sums and sums of squared deviations are ``np.add.reduceat`` over the segments.

There is no loop over groups or companies in Python. The published quantiles and the interval
of the median follow the disclosure rules of :mod:`maturity.benchmarking.disclosure`: means
over blocks of order statistics, rounded to the displayed precision.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from maturity.benchmarking.common import _QUANTILES, BoolArray, FloatArray, IntArray
from maturity.benchmarking.disclosure import (
    block_above,
    block_below,
    quantile_block,
    quantile_blocks,
    quantile_min,
    round_outward_array,
    round_published_array,
)
from maturity.numbers import SCORE_TOLERANCE

__all__ = ["block_quantile", "loo_quantile", "median_interval_ranks"]

_FEW_DISTINCT = 1 << 16  # up to this many distinct scores, search them unsorted (cached)


def _tie_ranks(distinct: FloatArray, x: FloatArray) -> tuple[IntArray, IntArray, IntArray]:
    """Per score ``x``: how many of the sorted ``distinct`` scores are below ``x``, below
    ``x − SCORE_TOLERANCE`` and at most ``x + SCORE_TOLERANCE``.

    One search for ``x`` itself; the few scores with a distinct score within the tolerance
    (other than ``x`` itself) are searched again.
    """
    nd = len(distinct)
    if nd > _FEW_DISTINCT:  # many distinct scores: sorted queries walk the array once
        ox = np.argsort(x)
        r0 = np.empty(len(x), np.int64)
        r0[ox] = np.searchsorted(distinct, x[ox], side="left")
    else:
        r0 = np.searchsorted(distinct, x, side="left")
    ext = np.concatenate([[-np.inf], distinct, [np.inf]])
    below = ext[r0]  # the largest distinct score < x
    at = ext[r0 + 1]  # the smallest distinct score >= x
    equal = at == x
    r1 = r0 + equal  # how many are <= x
    above = ext[r1 + 1]  # the smallest distinct score > x
    lo = r0.copy()
    hi = r1.copy()
    near_lo = np.flatnonzero(below >= x - SCORE_TOLERANCE)
    if len(near_lo):
        lo[near_lo] = np.searchsorted(distinct, x[near_lo] - SCORE_TOLERANCE, side="left")
    near_hi = np.flatnonzero(
        (above <= x + SCORE_TOLERANCE) | (~equal & (at <= x + SCORE_TOLERANCE))
    )
    if len(near_hi):
        hi[near_hi] = np.searchsorted(distinct, x[near_hi] + SCORE_TOLERANCE, side="right")
    return r0, lo, hi


def _lerp(a: float, b: float, t: float) -> float:
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def _split(m: int, pct: float) -> tuple[int, int, float]:
    """The neighbouring indices and weight of percentile ``pct`` of ``m`` sorted values."""
    h = (m - 1) * (pct / 100)
    if h >= m - 1:
        return m - 1, m - 1, 0.0
    lo = math.floor(h)
    return lo, lo + 1, h - lo


def loo_quantile(a: FloatArray, r: int, pct: float) -> float:
    """Percentile ``pct`` (numpy's linear method) of the sorted array ``a`` without ``a[r]``.

    The order statistics of the shorter array ``b`` are ``b[i] = a[i]`` for ``i < r`` and
    ``a[i + 1]`` otherwise, so nothing is copied. Equal to
    ``np.percentile(np.delete(a, r), pct)``. (The published quantiles are
    :func:`block_quantile`, see ``docs/methodology-benchmark.md``.)
    """
    m = len(a) - 1
    lo, hi, t = _split(m, pct)
    return _lerp(float(a[lo + (lo >= r)]), float(a[hi + (hi >= r)]), t)


def block_quantile(a: FloatArray, pct: int, k: int) -> float:
    """The published ``pct`` quantile of the sorted values ``a``: the mean (summed left to
    right) of the block of order statistics that holds the one nearest to numpy's position
    (:func:`~maturity.benchmarking.disclosure.quantile_blocks`). NaN below ``k`` values; not
    rounded.
    """
    n = len(a)
    if n < k or k < 1:
        return math.nan
    s, e = (int(v[0]) for v in quantile_blocks(np.array([n]), pct, k))
    total = 0.0
    for t in range(s, e):
        total += float(a[t])
    return total / (e - s)


def median_interval_ranks(m: IntArray, confidence: float) -> tuple[IntArray, IntArray]:
    """Ranks ``(l, u)`` (1-based) of the distribution-free confidence interval of a median.

    For ``m`` values from any continuous distribution, the number ``B`` of them below the
    population median is Binomial(m, ½), so ``[x₍ₗ₎, x₍ᵤ₎]`` with ``u = m + 1 − l`` covers the
    median with probability ``1 − 2·P(B ≤ l − 1)``. ``l`` is the largest rank with
    ``P(B ≤ l − 1) ≤ (1 − confidence) / 2``, so the coverage is the level or more, exactly
    (David and Nagaraja, *Order Statistics*, 2003, §7.1; Conover, *Practical Nonparametric
    Statistics*, 1999, §3.2). ``l = 0`` (and ``u = 0``) where no rank reaches the level:
    ``m`` too small (fewer than 6 values at 95 %).

    One vectorised call of ``scipy.stats.binom`` per distinct ``m``, not per group.
    """
    from scipy import special

    m = np.asarray(m, dtype=np.int64)
    lo = np.zeros(m.shape, np.int64)
    if m.size == 0:
        return lo, lo.copy()
    half = (1.0 - confidence) / 2.0
    sizes, inv = np.unique(m, return_inverse=True)
    mm = sizes

    def cdf(j: IntArray) -> FloatArray:  # P(B <= j), B ~ Binomial(mm, 1/2); 0 for j < 0
        out: FloatArray = np.where(j < 0, 0.0, special.bdtr(np.maximum(j, 0), mm, 0.5))
        return out

    # j = l − 1: the largest j in −1 .. m with P(B <= j) <= half; start from the inverse
    with np.errstate(invalid="ignore"):
        guess = special.bdtrik(half, mm.astype(np.float64), 0.5)
    j = np.clip(np.nan_to_num(np.floor(guess), nan=-1.0), -1, mm).astype(np.int64)
    for _ in range(64):  # a step or two in practice
        up = (j + 1 <= sizes) & (cdf(j + 1) <= half)
        down = (j >= 0) & (cdf(j) > half)
        if not (up.any() or down.any()):
            break
        j = j + up - down
    ranks = np.where(sizes > 0, j + 1, 0)
    lo = ranks[inv.reshape(m.shape)]
    up_r = np.where(lo > 0, m + 1 - lo, 0)
    return lo, up_r


@dataclass
class _Node:
    """One node's peer scores, sorted by group then score (see the module docstring)."""

    flat: FloatArray  # the scores, one segment per group
    key: IntArray  # group * width + rank, sorted
    width: int  # R
    start: IntArray  # per group (+ one empty "no group" at the end)
    n: IntArray  # per group (+ 0)
    distinct: FloatArray  # the node's distinct peer scores, sorted
    rank: IntArray  # per peer: rank of its score in ``distinct`` (-1 for NaN)


def _sort_node(col: FloatArray, elem_peer: IntArray, elem_group: IntArray, n_groups: int) -> _Node:
    """The scores of every group at one node, with one integer sort."""
    valid = ~np.isnan(col)
    distinct, inv = np.unique(col[valid], return_inverse=True)
    rank = np.full(len(col), -1, np.int64)
    rank[valid] = inv.reshape(-1)
    width = len(distinct) + 1
    er = rank[elem_peer]
    keep = er >= 0
    if not keep.all():
        er = er[keep]
        eg = elem_group[keep]
    else:
        eg = elem_group
    key = eg * width + er
    key.sort()
    n = np.bincount(eg, minlength=n_groups + 1).astype(np.int64)
    n[n_groups] = 0
    start = np.cumsum(n) - n
    flat = distinct[key - (key // width) * width] if len(key) else np.zeros(0)
    return _Node(flat, key, width, start, n, distinct, rank)


def _gather_block(
    flat: FloatArray, base: IntArray, s: IntArray, e: IntArray, r: IntArray
) -> FloatArray:
    """Left-to-right sums of ``b[s .. e − 1]`` where ``b`` is the segment starting at ``base``
    with its element ``r`` removed (``r`` past the end: nothing removed).
    """
    total = np.zeros(len(base))
    if len(base) == 0:
        return total
    for t in range(int((e - s).max())):
        i = s + t
        inside = i < e
        total += np.where(inside, flat[np.where(inside, base + i + (i >= r), 0)], 0.0)
    return total


class _Blocks:
    """Block sums of one node: per group for the whole group (``m = n``) and for the group
    without one of its members (``m = n − 1``); per company one of three cases (the left-out
    member below, inside or above the block), only the middle one summed per company.

    Built for the companies ``gc`` (groups), ``s`` (left out of their group) and ``own``
    (their rank there), all with ``m >= q_min``.
    """

    def __init__(
        self, nd: _Node, n_groups: int, q_min: int, gc: IntArray, s: BoolArray, own: IntArray
    ) -> None:
        self.nd = nd
        n = nd.n[:n_groups]
        self.whole = np.flatnonzero(n >= q_min)
        self.less = np.flatnonzero(n - 1 >= q_min)
        self.n_c = len(gc)
        self.si = np.flatnonzero(s)
        self.ni = np.flatnonzero(~s) if len(self.si) < len(gc) else np.zeros(0, np.int64)
        self.g_s = gc[self.si]
        self.g_n = gc[self.ni]
        self.r = own[self.si]

    def sums(
        self, block_for: Callable[[IntArray], tuple[IntArray, IntArray]]
    ) -> tuple[FloatArray, IntArray]:
        """The sum and size of the block ``block_for(m)`` for each company."""
        nd = self.nd
        g_all = len(nd.n)
        none = np.full(1, np.iinfo(np.int64).max // 4)
        total = np.empty(self.n_c)
        size = np.empty(self.n_c, np.int64)
        if len(self.ni):
            sum_whole = np.zeros(g_all)
            len_whole = np.zeros(g_all, np.int64)
            if len(self.whole):
                g = self.whole
                bs, be = block_for(nd.n[g])
                sum_whole[g] = _gather_block(nd.flat, nd.start[g], bs, be, none)
                len_whole[g] = be - bs
            total[self.ni] = sum_whole[self.g_n]
            size[self.ni] = len_whole[self.g_n]
        if len(self.si):
            s_less = np.zeros(g_all, np.int64)
            e_less = np.zeros(g_all, np.int64)
            sum_less0 = np.zeros(g_all)
            sum_less1 = np.zeros(g_all)
            if len(self.less):
                g = self.less
                bs, be = block_for(nd.n[g] - 1)
                s_less[g], e_less[g] = bs, be
                sum_less0[g] = _gather_block(nd.flat, nd.start[g], bs, be, none)
                sum_less1[g] = _gather_block(nd.flat, nd.start[g], bs + 1, be + 1, none)
            g = self.g_s
            bs, be = s_less[g], e_less[g]
            vals = np.where(self.r < bs, sum_less1[g], sum_less0[g])
            mid = np.flatnonzero((self.r >= bs) & (self.r < be))
            if len(mid):
                vals[mid] = _gather_block(nd.flat, nd.start[g[mid]], bs[mid], be[mid], self.r[mid])
            total[self.si] = vals
            size[self.si] = be - bs
        return total, size


def _node(
    j: int,
    x: FloatArray,
    v: FloatArray,
    selfin: BoolArray,
    gc: IntArray,
    corder: IntArray,
    nd: _Node,
    n_groups: int,
    min_group: int,
    digits: int | None,
    confidence: float | None,
    out: Mapping[str, FloatArray],
    n_out: IntArray,
    ci: tuple[FloatArray, FloatArray] | None,
) -> None:
    """Statistics of node ``j`` for every company (row ``j`` of the outputs).

    ``gc`` is each company's group (``n_groups`` for none), ``corder`` the companies ordered
    by group, ``v`` its own score among the peers and ``selfin`` whether its own peer row is
    in its group (then it is left out).
    """
    n_c = len(x)
    ng = nd.n[gc]
    s = selfin & ~np.isnan(v)  # the company is one of its peers at this node: leave it out
    m = ng - s
    ok = m >= min_group  # (m is 0 without a group)
    n_out[j] = m

    # percentile rank: ties within SCORE_TOLERANCE count half
    pct = np.full(n_c, np.nan)
    valid = ok & ~np.isnan(x)
    qi = corder[valid[corder]]  # in group order: the searches below stay within a segment
    below = np.zeros(0, np.int64)
    exact_below = np.zeros(0, bool)
    if len(qi):
        xq, gq = x[qi], gc[qi]
        r0, lo_r, hi_r = _tie_ranks(nd.distinct, xq)
        base = gq * nd.width
        below = np.searchsorted(nd.key, base + lo_r, side="left") - nd.start[gq]
        exact_below = lo_r == r0  # no other score within the tolerance below x
        sw = below + np.searchsorted(nd.key, base + hi_r, side="left") - nd.start[gq]
        sq, vq = s[qi], v[qi]
        with np.errstate(invalid="ignore"):
            sw -= sq & (vq < xq - SCORE_TOLERANCE)
            sw -= sq & (vq <= xq + SCORE_TOLERANCE)
        pct[qi] = sw * 50.0 / m[qi]  # 50·sw exact, one rounding: 100 % is exactly 100
    out["percentile"][j] = pct

    # the company's own rank among its group (only where it is a member): when its own score
    # is the one it is ranked by (companies as their own peers), the count below it is known
    own = np.full(n_c, np.iinfo(np.int64).max // 4, np.int64)
    so = s & ok
    todo = corder[so[corder]]
    if len(todo) and v is x:
        at = np.full(n_c, -1, np.int64)
        at[qi] = np.arange(len(qi))
        p = at[todo]
        reuse = exact_below[p]
        own[todo[reuse]] = below[p[reuse]]
        todo = todo[~reuse]
    if len(todo):
        vr = np.searchsorted(nd.distinct, v[todo])  # v is a peer score: exact
        g = gc[todo]
        own[todo] = np.searchsorted(nd.key, g * nd.width + vr, side="left") - nd.start[g]

    # mean and standard deviation, leaving the company out by a one-element downdate
    g_ne = np.flatnonzero(nd.n[:n_groups] > 0)
    total = np.zeros(n_groups + 1)
    m2g = np.zeros(n_groups + 1)
    mug = np.full(n_groups + 1, np.nan)
    eveng = np.zeros(n_groups + 1, bool)
    if len(g_ne):
        st, cnt = nd.start[g_ne], nd.n[g_ne]
        tot = np.add.reduceat(nd.flat, st)
        mu = tot / cnt
        dev = nd.flat - np.repeat(mu, cnt)
        total[g_ne], mug[g_ne] = tot, mu
        m2g[g_ne] = np.add.reduceat(dev * dev, st)
        eveng[g_ne] = nd.flat[st] == nd.flat[st + cnt - 1]
    # the whole group (companies that are not its members), published per group
    with np.errstate(divide="ignore", invalid="ignore"):
        n_all = nd.n.astype(np.float64)
        g_mean = round_published_array(total / n_all, digits)
        g_sd = np.sqrt(m2g / (n_all - 1))
        g_sd[eveng] = 0.0
        g_sd[nd.n < 2] = np.nan
        g_sd = round_published_array(g_sd, digits)
    mean_p = g_mean[gc]
    sd_p = g_sd[gc]
    # the group without the company (its members): a one-element downdate per company
    si = np.flatnonzero(s)
    if len(si):
        gs, vs, ms = gc[si], v[si], m[si]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = (total[gs] - vs) / ms
            m2 = m2g[gs] - (vs - mug[gs]) * (vs - mean)
            np.maximum(m2, 0.0, out=m2)
            sd = np.sqrt(m2 / (ms - 1))
            even = eveng[gs]
            sd[even] = 0.0
            sd[ms < 2] = np.nan
            # downdating loses precision when the company carried nearly all the spread:
            # recompute those few exactly
            shaky = np.flatnonzero(~even & (ms >= 2) & (m2 <= 1e-8 * m2g[gs]))
        for q in shaky.tolist():
            gp = int(gs[q])
            a = nd.flat[nd.start[gp] : nd.start[gp] + nd.n[gp]]
            b = np.delete(a, int(np.searchsorted(a, vs[q], side="left")))
            mean[q] = float(np.mean(b))
            sd[q] = 0.0 if b[0] == b[-1] else float(np.std(b, ddof=1))
        mean_p[si] = round_published_array(mean, digits)
        sd_p[si] = round_published_array(sd, digits)
    mean_p[~ok] = np.nan
    sd_p[~ok] = np.nan

    # quantiles: means of blocks of order statistics, only for large enough groups
    k = quantile_block(min_group)
    q_min = quantile_min(min_group)
    wi = np.flatnonzero(m >= q_min)
    blk = _Blocks(nd, n_groups, q_min, gc[wi], s[wi], own[wi])
    for name, pct_q in _QUANTILES:
        col = np.full(n_c, np.nan)
        if len(wi):

            def block_for(mm: IntArray, pct_q: int = pct_q) -> tuple[IntArray, IntArray]:
                return quantile_blocks(mm, pct_q, k)

            total, size = blk.sums(block_for)
            col[wi] = total / size
        out[name][j] = col

    # the interval of the median: ranks from the binomial, ends widened to whole blocks
    if ci is not None and confidence is not None:
        lo_out, hi_out = ci
        lo_c = np.full(n_c, np.nan)
        hi_c = np.full(n_c, np.nan)
        if len(wi):
            conf = confidence

            def lower(mm: IntArray) -> tuple[IntArray, IntArray]:
                lr, _ = median_interval_ranks(mm, conf)
                bs, be, _ = block_below(mm, np.maximum(lr - 1, 0), k)
                return bs, be

            def upper(mm: IntArray) -> tuple[IntArray, IntArray]:
                _, ur = median_interval_ranks(mm, conf)
                bs, be, _ = block_above(mm, np.maximum(ur - 1, 0), k)
                return bs, be

            mw = m[wi]
            lr_c, ur_c = median_interval_ranks(mw, conf)
            ok_w = (lr_c > 0) & block_below(mw, np.maximum(lr_c - 1, 0), k)[2]
            ok_w &= block_above(mw, np.maximum(ur_c - 1, 0), k)[2]
            lsum, lsize = blk.sums(lower)
            usum, usize = blk.sums(upper)
            lo_c[wi] = np.where(ok_w, round_outward_array(lsum / lsize, digits, down=True), np.nan)
            hi_c[wi] = np.where(ok_w, round_outward_array(usum / usize, digits, down=False), np.nan)
        lo_out[j], hi_out[j] = lo_c, hi_c

    # publish: rounded to the displayed precision; z from the published mean and sd
    for name, _ in _QUANTILES:
        out[name][j] = round_published_array(out[name][j], digits)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - mean_p) / sd_p
    z[~(sd_p > 0)] = np.nan
    out["mean"][j] = mean_p
    out["sd"][j] = sd_p
    out["z"][j] = z
