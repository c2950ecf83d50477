"""Peer statistics on sorted scores: quantiles (numpy's "linear" method reproduced operation
for operation), leave-one-out statistics, percentile ranks and intervals of the median.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from maturity.benchmarking.common import _FEW, _QUANTILES, BoolArray, FloatArray, IntArray
from maturity.benchmarking.groups import _ranges, _small_int

__all__ = ["loo_quantile"]


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
