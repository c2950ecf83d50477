"""Peer benchmarking: statistics against scipy/numpy, widening, self-exclusion, disclosure."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maturity.benchmarking import (
    DEFAULT_WIDEN,
    BenchmarkError,
    aggregate_table,
    benchmark,
    loo_quantile,
    profile_keys,
    write_aggregate,
)
from maturity.classify import widen_chain
from maturity.errors import MaturityError
from maturity.io import OutputExistsError
from maturity.responses import Profile

# --------------------------------------------------------------------------------------------
# A stand-in for Scores, and an independent, slow reference implementation
# --------------------------------------------------------------------------------------------

EMPLOYEES = {"micro": 5, "small": 20, "medium": 100, "large": 300, None: None}
MAX_DEPTH = {"sector": 4, "region": 4, "size_class": 1}
QS = (25, 50, 75, 90)


@dataclass
class FakeScores:
    ids: tuple[str, ...]
    nodes: tuple[str, ...]
    score: np.ndarray
    profiles: tuple[Profile, ...]
    synthetic: bool = False


def pop(rows, nodes=("root",), prefix="c"):
    """rows: (sector, size, region, scores...) or (id, sector, size, region, scores)."""
    ids, profs, sc = [], [], []
    for i, r in enumerate(rows):
        if isinstance(r[0], str) and r[0].startswith("#"):
            cid, r = r[0][1:], r[1:]
        else:
            cid = f"{prefix}{i}"
        sector, size, region, *vals = r
        ids.append(cid)
        profs.append(Profile(company=cid, sector=sector, employees=EMPLOYEES[size], region=region))
        sc.append([np.nan if v is None else float(v) for v in vals])
    return FakeScores(tuple(ids), tuple(nodes), np.array(sc, dtype=float), tuple(profs))


def chain_at(field, value, depth):
    """The filter value of ``value`` at ``depth`` (0 = all), or '' if ``value`` is coarser."""
    if depth == 0:
        return None
    ch = [c for c in widen_chain(field, value) if c is not None]
    if field == "sector" and len(ch) == 5:
        ch = ch[1:]
    ch = ch[::-1]  # general first
    return ch[depth - 1] if depth <= len(ch) else ""


def own_depth(field, value):
    if value is None:
        return 0
    ch = [c for c in widen_chain(field, value) if c is not None]
    return min(len(ch), MAX_DEPTH[field])


def value_of(profile, field):
    return profile.size_class if field == "size_class" else getattr(profile, field)


def matches(profile, filters):
    for f, want in filters.items():
        if want is None:
            continue
        have = value_of(profile, f)
        if have is None or want not in widen_chain(f, have):
            return False
    return True


def reference(scores, peers, by=("sector", "size_class", "region"), widen=None, min_group=5):
    """A plain per-company implementation of the documented rules."""
    widen = tuple(f for f in DEFAULT_WIDEN if f in by) if widen is None else widen
    schedule, used = [], dict.fromkeys(by, 0)
    while True:
        added = False
        for f in widen:
            if used[f] < MAX_DEPTH[f]:
                used[f] += 1
                schedule.append((f, MAX_DEPTH[f] - used[f]))
                added = True
        if not added:
            break
    root = scores.nodes.index("root") if "root" in scores.nodes else 0
    proot = peers.nodes.index(scores.nodes[root])
    out = []
    for i, cid in enumerate(scores.ids):
        prof = scores.profiles[i]
        depth = {f: own_depth(f, value_of(prof, f)) for f in by}

        def filters(depth=depth, prof=prof):
            return {f: chain_at(f, value_of(prof, f), d) for f, d in depth.items()}

        def members(flt, cid=cid):
            return [
                q
                for q in range(len(peers.ids))
                if peers.ids[q] != cid and matches(peers.profiles[q], flt)
            ]

        def size(flt):
            return sum(not np.isnan(peers.score[q, proot]) for q in members(flt))

        steps = 0
        n = size(filters())
        for f, cap in schedule:
            if n >= min_group:
                break
            if depth[f] > cap:
                depth[f] = cap
                steps += 1
                n = size(filters())
        flt = filters()
        out.append((flt, n, steps, n >= min_group, members(flt)))
    return out


def published(v, digits=2):
    """The documented rounding of a published statistic: half away from zero, a value within
    1e-6 of a last-digit unit from a half counting as the half."""
    if math.isnan(v):
        return math.nan
    y = Decimal(repr(abs(v))) * (Decimal(10) ** digits)
    r = int((y + Decimal("0.5") + Decimal("1e-6")).to_integral_value(rounding="ROUND_FLOOR"))
    return math.copysign(r / 10**digits, v) if r else 0.0


def block_bounds(n, k):
    """The documented blocks: floor(n / k) blocks of consecutive order statistics with
    boundaries floor(i n / q)."""
    q = n // k
    return [(i * n // q, (i + 1) * n // q) for i in range(q)]


def block_mean(a, pct, k):
    """Mean (summed left to right) of the block holding the order statistic nearest to
    numpy's position h = (n - 1) pct / 100, halves rounded up."""
    n = len(a)
    idx = math.floor(Fraction(n - 1) * pct / 100 + Fraction(1, 2))
    s, e = next(b for b in block_bounds(n, k) if b[0] <= idx < b[1])
    total = 0.0
    for t in range(s, e):
        total += float(a[t])
    return total / (e - s)


def expected_stats(x, a, min_group):
    """Statistics of one company (score x) among peer scores a (NaN dropped), as documented:
    nothing below min_group peers; quantiles from 2 * min_group peers as means of blocks of
    order statistics; published values rounded to 2 decimals."""
    a = np.sort(a[~np.isnan(a)])
    n = len(a)
    if n < min_group or n == 0:
        return dict.fromkeys(
            ("percentile", "q1", "median", "q3", "p90", "mean", "sd", "z"), math.nan
        ), n
    if n >= 2 * min_group:
        q1, med, q3, p90 = (published(block_mean(a, q, min_group)) for q in QS)
    else:
        q1 = med = q3 = p90 = math.nan
    mean = published(float(np.mean(a)))
    sd = float(np.std(a, ddof=1)) if n > 1 else math.nan
    if n > 1 and a.min() == a.max():
        sd = 0.0
    sd = published(sd)
    pct = math.nan if math.isnan(x) else float(scipy.stats.percentileofscore(a, x, kind="mean"))
    z = (x - mean) / sd if sd > 0 and not math.isnan(x) else math.nan
    return {
        "percentile": pct,
        "q1": q1,
        "median": med,
        "q3": q3,
        "p90": p90,
        "mean": mean,
        "sd": sd,
        "z": z,
    }, n


def check_against_reference(scores, peers, b, ref, min_group, atol=1e-9):
    pnode = [peers.nodes.index(nd) for nd in b.nodes]
    snode = [scores.nodes.index(nd) for nd in b.nodes]
    for i in range(len(scores.ids)):
        flt, size, steps, ok, mem = ref[i]
        g = b.groups[i]
        assert dict(g.filters) == flt, (i, g, flt)
        assert (g.size, g.steps, g.sufficient) == (size, steps, ok), (i, g, ref[i][:4])
        for j in range(len(b.nodes)):
            if not ok:
                assert b.n[i, j] == 0
                assert all(
                    math.isnan(getattr(b, s)[i, j]) for s in ("percentile", "median", "mean", "z")
                )
                continue
            a = peers.score[mem, pnode[j]]
            exp, n = expected_stats(scores.score[i, snode[j]], a, min_group)
            assert b.n[i, j] == n
            for s, e in exp.items():
                got = getattr(b, s)[i, j]
                assert (math.isnan(e) and math.isnan(got)) or abs(got - e) <= atol * max(
                    1, abs(e)
                ), (
                    i,
                    b.nodes[j],
                    s,
                    got,
                    e,
                )


SECTORS = ["28.41", "28.49", "28.41.00", "28.1", "28", "25.11", "10.11", "C", None]
REGIONS = ["ITC4C", "ITC4B", "ITC11", "ITC4", "ITH35", "ITF33", "IT", None]
SIZES = ["micro", "small", "medium", "large", None]


def random_pop(rng, n, nodes=("root", "d1", "d2"), prefix="c", nan=0.1, decimals=1):
    rows = []
    for _ in range(n):
        vals = np.round(rng.random(len(nodes)) * 5, decimals)
        vals[rng.random(len(nodes)) < nan] = np.nan
        rows.append(
            (
                SECTORS[rng.integers(len(SECTORS))],
                SIZES[rng.integers(len(SIZES))],
                REGIONS[rng.integers(len(REGIONS))],
                *vals,
            )
        )
    return pop(rows, nodes, prefix)


# --------------------------------------------------------------------------------------------
# Statistics against scipy and numpy
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("min_group", [1, 3, 5])
def test_same_population_matches_reference(seed, min_group):
    rng = np.random.default_rng(seed)
    s = random_pop(rng, 120)
    b = benchmark(s, s, min_group=min_group)
    check_against_reference(s, s, b, reference(s, s, min_group=min_group), min_group)


@pytest.mark.parametrize("seed", [3, 4])
def test_separate_populations_with_shared_ids(seed):
    """Companies that are also peers, with a different score there: that score is removed."""
    rng = np.random.default_rng(seed)
    peers = random_pop(rng, 150, prefix="p")
    comp = random_pop(rng, 60, prefix="x")
    # a third of the companies are peers too (same id, maybe another profile and score)
    ids = list(comp.ids)
    for i in range(0, 60, 3):
        ids[i] = peers.ids[int(rng.integers(150))]
    ids = list(dict.fromkeys(ids))  # unique
    comp = FakeScores(tuple(ids), comp.nodes, comp.score[: len(ids)], comp.profiles[: len(ids)])
    b = benchmark(comp, peers)
    check_against_reference(comp, peers, b, reference(comp, peers), 5)


@pytest.mark.parametrize("seed", [6, 7])
def test_paths_for_large_key_spaces_agree(monkeypatch, seed):
    """Above _BINCOUNT_LIMIT, profiles are compacted by np.unique instead: same result."""
    import maturity.benchmarking.groups as mg

    rng = np.random.default_rng(seed)
    s = random_pop(rng, 150)
    peers = random_pop(rng, 200, prefix="p")
    small = [benchmark(s, s), benchmark(s, peers, min_group=3)]
    monkeypatch.setattr(mg, "_BINCOUNT_LIMIT", 0)
    large = [benchmark(s, s), benchmark(s, peers, min_group=3)]
    for b1, b2 in zip(small, large, strict=True):
        for stat in ("percentile", "q1", "median", "q3", "mean", "p90", "sd", "z", "n"):
            np.testing.assert_array_equal(getattr(b1, stat), getattr(b2, stat))
        assert b1.groups == b2.groups
    check_against_reference(s, peers, large[1], reference(s, peers, min_group=3), 3)


def test_nodes_in_common_and_order():
    rng = np.random.default_rng(5)
    peers = random_pop(rng, 80, nodes=("d2", "root", "extra"))
    comp = random_pop(rng, 30, nodes=("root", "d1", "d2"), prefix="x")
    b = benchmark(comp, peers)
    assert b.nodes == ("root", "d2")
    check_against_reference(comp, peers, b, reference(comp, peers), 5)


def test_hand_computed_percentile_with_ties():
    rows = [("28.41", "small", "ITC4C", v) for v in (1, 2, 2, 2, 3, 4)]
    s = pop(rows)
    b = benchmark(s, s, by=(), min_group=3)
    # company c1 (score 2) among 1, 2, 2, 3, 4: strict 1/5, weak 3/5, mean 40 %
    assert b.percentile[1, 0] == pytest.approx(40.0)
    assert b.n[1, 0] == 5
    assert b.mean[1, 0] == 2.4  # 12 / 5
    # 5 peers: quantiles need 2 × 3 = 6, so none is published
    assert math.isnan(b.median[1, 0]) and math.isnan(b.p90[5, 0])
    # company c5 (score 4) among 1, 2, 2, 2, 3: strictly above everyone
    assert b.percentile[5, 0] == 100.0
    b2 = benchmark(s, s, by=(), min_group=2)
    # blocks of at least 2 over 5 peers: [a0, a1] and [a2, a3, a4]
    # median of 1, 2, 2, 3, 4: nearest rank 2 is in the second block: (2 + 3 + 4) / 3
    assert b2.median[1, 0] == 3.0
    # p90 of 1, 2, 2, 2, 3: nearest rank round(3.6) = 4, second block: (2 + 2 + 3) / 3
    assert b2.p90[5, 0] == 2.33
    # q1: nearest rank 1, first block: (1 + 2) / 2
    assert b2.q1[5, 0] == 1.5


def test_group_of_exactly_min_group_publishes_no_order_statistic():
    """The attack of issue 11: with 5 peers, q1..p90 were the 2nd..5th values and 5 × mean
    minus them the 1st. Now only n and the rounded mean are published."""
    vals = (1.17, 2.43, 3.05, 3.61, 4.88)
    rows = [("#me", "28.41", "small", "ITC4C", 2.0)] + [
        ("28.41", "small", "ITC4C", v) for v in vals
    ]
    s = pop(rows)
    b = benchmark(s, s)
    assert b.n[0, 0] == 5
    for stat in ("q1", "median", "q3", "p90"):
        assert math.isnan(getattr(b, stat)[0, 0])
    assert b.mean[0, 0] == 3.03  # 15.14 / 5 = 3.028, rounded to the displayed precision
    assert b.sd[0, 0] == round(float(np.std(vals, ddof=1)), 2)
    published_now = [b.mean[0, 0], b.sd[0, 0]]
    assert not set(vals) & {float(v) for v in published_now}


def test_scores_equal_within_tolerance_tie():
    """7/12 as a mean of twelve answers and of three means differs in its last bit: a tie."""
    a = 7 / 12  # seven of twelve items fully adopted
    c = 1 / 3 + 1 / 4  # the same share as the sum of two sub-dimension shares
    assert a != c and abs(a - c) < 1e-15
    peers = pop([("28.41", "small", "ITC4C", v) for v in (c, 0.1, 0.2, 0.9, 1.0)], prefix="p")
    comp = pop([("28.41", "small", "ITC4C", a)], prefix="x")
    got = benchmark(comp, peers).percentile[0, 0]
    # one below... two below (0.1, 0.2), one tie (c), two above: (2 + 3) / 2 / 5 = 50 %
    assert got == 50.0


def test_company_three_among_one_to_four():
    """Company 3 against peers 1, 2, 3, 4: (2 + 3) / 2 / 4 = 62.5 %, the issue's example."""
    peers = pop([("28.41", "small", "ITC4C", v) for v in (1, 2, 3, 4)], prefix="p")
    comp = pop([("28.41", "small", "ITC4C", 3)], prefix="x")
    b = benchmark(comp, peers, min_group=4)
    assert b.percentile[0, 0] == 62.5 == scipy.stats.percentileofscore([1, 2, 3, 4], 3, kind="mean")


def test_nan_company_score_keeps_peer_statistics():
    rows = [("28.41", "small", "ITC4C", v) for v in (None, 1, 2, 3, 4, 5)]
    s = pop(rows)
    b = benchmark(s, s, by=(), min_group=2)
    assert math.isnan(b.percentile[0, 0]) and math.isnan(b.z[0, 0])
    # median of 1..5 in blocks [1, 2] and [3, 4, 5]: rank 2 is in the second
    assert b.median[0, 0] == 4.0 and b.mean[0, 0] == 3.0 and b.n[0, 0] == 5


def test_flat_peers_give_zero_sd_and_no_z():
    rows = [("28.41", "small", "ITC4C", v) for v in (0.1, 0.1, 0.1, 0.1, 0.1, 0.7)]
    s = pop(rows)
    b = benchmark(s, s, by=())
    assert b.sd[5, 0] == 0.0 and math.isnan(b.z[5, 0])  # peers of c5 are all 0.1
    assert b.sd[0, 0] > 0 and not math.isnan(b.z[0, 0])


def test_node_with_too_few_scores_is_not_reported():
    rows = [("28.41", "small", "ITC4C", 1, 1 if i < 3 else None) for i in range(8)]
    s = pop(rows, nodes=("root", "d1"))
    b = benchmark(s, s, by=())
    assert b.groups[0].sufficient and b.n[0, 1] == 2
    assert math.isnan(b.mean[0, 1]) and math.isnan(b.percentile[0, 1])
    assert b.mean[0, 0] == 1 and math.isnan(b.median[0, 0])  # 7 peers: no quantile


# --------------------------------------------------------------------------------------------
# Widening
# --------------------------------------------------------------------------------------------


def test_class_too_small_division_used():
    rows = [("#me", "28.41", "small", "ITC4C", 3)]
    rows += [("28.41", "small", "ITC4C", 1)] * 3  # same class: 3
    rows += [("28.92", "small", "ITC4C", 2)] * 6  # same division, other group: 6
    rows += [("25.11", "small", "ITC4C", 2)] * 20  # other division
    s = pop(rows)
    b = benchmark(s, s, by=("sector",))
    g = b.groups[0]
    assert dict(g.filters) == {"sector": "28"}
    assert (g.size, g.steps, g.sufficient) == (9, 2, True)
    assert g.describe() == "sector 28 (division): 9 companies"
    assert g.describe("it") == "settore 28 (divisione): 9 imprese"
    # the members of the class, which see "me" plus 2 others in the class, also widen
    assert b.groups[1].filters["sector"] == "28"


def test_region_nuts3_to_nuts2():
    rows = [("#me", "28.41", "small", "ITC4C", 3)]
    rows += [("28.41", "small", "ITC4C", 1)] * 2
    rows += [("28.41", "small", "ITC4B", 2)] * 4  # Bergamo, also Lombardia (ITC4)
    rows += [("28.41", "small", "ITH35", 2)] * 9
    s = pop(rows)
    b = benchmark(s, s)
    g = b.groups[0]
    assert dict(g.filters) == {"sector": "28.41", "size_class": "small", "region": "ITC4"}
    assert (g.size, g.steps) == (6, 1)
    assert g.describe() == (
        "sector 28.41 (class), size class small, region ITC4 (Lombardia): 6 companies"
    )


def test_default_order_region_then_size_then_sector():
    me = ("#me", "28.41", "small", "ITC4C", 3)
    # nothing in Italy with the same class and size; 5 of another size; 20 of another class
    rows = [me, *[("28.41", "medium", "ITH35", 1)] * 5, *[("28.49", "small", "ITC4C", 1)] * 20]
    s = pop(rows)
    g = benchmark(s, s).groups[0]
    assert dict(g.filters) == {"sector": "28.41", "size_class": None, "region": "IT"}
    assert g.steps == 4  # NUTS-2, NUTS-1, country, size class
    assert g.describe() == (
        "sector 28.41 (class), all size classes, region IT (Italia): 5 companies"
    )
    # a custom order widens the sector first instead
    g = benchmark(s, s, widen=("sector", "sector", "region")).groups[0]
    assert dict(g.filters) == {"sector": "28.4", "size_class": "small", "region": "ITC4C"}
    assert g.steps == 1


def test_fields_not_in_widen_stay_fixed():
    rows = [("#me", "28.41", "small", "ITC4C", 3), *[("25.11", "micro", "ITC4C", 1)] * 10]
    s = pop(rows)
    b = benchmark(s, s, widen=("sector", "region"))
    assert not b.groups[0].sufficient  # the size class never widens
    assert b.groups[0].filters["size_class"] == "small"
    b = benchmark(s, s, widen=("sector", "region", "size_class"))
    assert b.groups[0].sufficient and b.groups[0].filters["size_class"] is None


def test_round_robin_widen_repeats():
    rows = [("#me", "28.41", "small", "ITC4C", 3), *[("25.11", "micro", "ITH35", 1)] * 10]
    s = pop(rows)
    g = benchmark(s, s, by=("sector", "region"), widen=("region", "sector")).groups[0]
    # region and sector alternate one level at a time: both reach C / IT after 6 steps
    assert g.sufficient
    assert dict(g.filters) == {"sector": "C", "region": "IT"}
    assert g.steps == 6


def test_unknown_value_starts_at_all_and_coarse_values_skip_steps():
    rows = [
        ("#me", None, "small", "IT", 3),
        *[("28.41", "small", "ITC4C", 1)] * 5,
    ]
    s = pop(rows)
    g = benchmark(s, s).groups[0]
    assert dict(g.filters) == {"sector": None, "size_class": "small", "region": "IT"}
    assert g.steps == 0 and g.size == 5


def test_ateco_code_groups_with_its_nace_class():
    rows = [("#me", "28.41.00", "small", "ITC4C", 3), *[("28.41", "small", "ITC4C", 1)] * 5]
    s = pop(rows)
    g = benchmark(s, s).groups[0]
    assert g.filters["sector"] == "28.41" and g.steps == 0


def test_insufficient_peers():
    rows = [("#me", "28.41", "small", "ITC4C", 3), *[("25.11", "micro", "ITH35", 1)] * 3]
    s = pop(rows)
    b = benchmark(s, s)
    g = b.groups[0]
    assert not g.sufficient and g.size == 3
    assert all(v is None for v in g.filters.values())
    assert g.describe() == "insufficient peers"
    assert g.describe("it") == "imprese di confronto insufficienti"
    for stat in ("percentile", "q1", "median", "q3", "mean", "p90", "sd", "z"):
        assert np.isnan(getattr(b, stat)).all()
    assert (b.n == 0).all()
    assert "0 with sufficient peers" in repr(b)


def test_self_is_excluded_by_id():
    rows = [("#me", "28.41", "small", "ITC4C", 5)] + [("28.41", "small", "ITC4C", 1)] * 5
    s = pop(rows)
    b = benchmark(s, s)
    assert b.groups[0].size == 5 and b.n[0, 0] == 5
    assert b.percentile[0, 0] == 100.0 and b.mean[0, 0] == 1.0
    # a copy of the population (another object, same ids): the same result
    s2 = FakeScores(s.ids, s.nodes, s.score.copy(), s.profiles)
    b2 = benchmark(s2, s)
    assert np.array_equal(b.percentile, b2.percentile)
    assert b2.groups[0].size == 5


def test_only_ids_decide_self_exclusion():
    """A company that is not a peer, with the same score and profile as peers, counts them all."""
    peers = pop([("28.41", "small", "ITC4C", 1)] * 5, prefix="p")
    comp = pop([("28.41", "small", "ITC4C", 1)], prefix="x")
    b = benchmark(comp, peers)
    assert b.groups[0].size == 5 and b.percentile[0, 0] == 50.0


# --------------------------------------------------------------------------------------------
# Leave-one-out quantiles and the bootstrap
# --------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 8), min_size=2, max_size=30),
    st.integers(0, 100),
    st.sampled_from([0, 10, 25, 50, 75, 90, 100]),
)
def test_loo_quantile_equals_brute_force(values, r, pct):
    a = np.sort(np.array(values, dtype=float) / 4)
    r = r % len(a)
    assert loo_quantile(a, r, pct) == np.percentile(np.delete(a, r), pct)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99, 1 - 2 / 2**6])
def test_median_interval_ranks_against_scipy_binom(confidence):
    """l is the largest rank with P(B <= l - 1) <= (1 - confidence) / 2, B ~ Bin(m, 1/2)."""
    from maturity.benchmarking.statistics import median_interval_ranks

    ms = np.arange(1, 121)
    lo, up = median_interval_ranks(ms, confidence)
    half = (1 - confidence) / 2
    for m, l_, u_ in zip(ms.tolist(), lo.tolist(), up.tolist(), strict=True):
        # brute force with exact binomial sums (integers), then scipy agrees
        total = 2**m
        cdf = list(itertools.accumulate(math.comb(m, i) for i in range(m + 1)))
        alpha = Fraction(1 - confidence)  # the double's exact value
        ok = [ell for ell in range(1, m + 1) if cdf[ell - 1] * 2 <= alpha * total]
        want = max(ok) if ok else 0
        if Fraction(cdf[want] if want < m else 0, total) * 2 != alpha:
            assert l_ == want, (m, confidence)
            assert scipy.stats.binom.cdf(l_ - 1, m, 0.5) <= half
        if l_:
            assert u_ == m + 1 - l_
            coverage = 1 - 2 * scipy.stats.binom.cdf(l_ - 1, m, 0.5)
            assert coverage >= confidence - 1e-12
        else:
            assert u_ == 0 and 2 * 0.5**m > (1 - confidence) - 1e-12


def test_median_interval_coverage_by_simulation():
    """Coverage of [x(l), x(u)] for samples of a continuous distribution: at least the level
    (up to the Monte Carlo error), and equal to the exact binomial coverage."""
    from maturity.benchmarking.statistics import median_interval_ranks

    rng = np.random.default_rng(3)
    reps = 4000
    for m in (7, 12, 25, 60):
        (lo,), (up,) = median_interval_ranks(np.array([m]), 0.95)
        x = np.sort(rng.lognormal(size=(reps, m)), axis=1)
        true_median = 1.0  # of the standard lognormal
        hit = (x[:, lo - 1] <= true_median) & (true_median <= x[:, up - 1])
        exact = 1 - 2 * scipy.stats.binom.cdf(lo - 1, m, 0.5)
        se = math.sqrt(exact * (1 - exact) / reps)
        assert exact >= 0.95
        assert abs(hit.mean() - exact) < 4 * se + 1e-9, (m, hit.mean(), exact)


def test_interval_against_independent_computation():
    from maturity.benchmarking.statistics import median_interval_ranks

    rng = np.random.default_rng(7)
    s = random_pop(rng, 90, nan=0.0, decimals=2)
    b = benchmark(s, s, by=("size_class",), interval=True, min_group=3)
    assert b.confidence == 0.95
    ref = reference(s, s, by=("size_class",), min_group=3)
    checked = 0
    for i in range(len(s.ids)):
        mem = ref[i][4]
        for j in range(len(s.nodes)):
            a = np.sort(s.score[mem, j])
            m = len(a)
            (lo,), (up,) = median_interval_ranks(np.array([m]), 0.95)
            k = 3
            below = [b for b in block_bounds(m, k) if b[1] <= lo] if m >= 6 else []
            above = [b for b in block_bounds(m, k) if b[0] >= up - 1] if m >= 6 else []
            if m < 6 or not lo or not below or not above:
                assert math.isnan(b.ci_low[i, j]) and math.isnan(b.ci_high[i, j])
                continue
            (s0, e0), (s1, e1) = below[-1], above[0]
            low = sum(float(v) for v in a[s0:e0]) / (e0 - s0)
            high = sum(float(v) for v in a[s1:e1]) / (e1 - s1)
            # rounded outwards to 2 decimals (within 1e-6 of a unit of a grid point: on it)
            assert b.ci_low[i, j] == math.floor(low * 100 + 1e-6) / 100
            assert b.ci_high[i, j] == math.ceil(high * 100 - 1e-6) / 100
            # the published interval contains the exact order-statistic interval
            assert b.ci_low[i, j] <= a[lo - 1] + 1e-8 and a[up - 1] - 1e-8 <= b.ci_high[i, j]
            checked += 1
    assert checked > 50
    plain = benchmark(s, s, by=("size_class",), min_group=3)
    assert np.isnan(plain.ci_low).all() and plain.confidence is None
    np.testing.assert_array_equal(plain.median, b.median)


def test_bootstrap_is_deprecated_and_gives_the_interval():
    rng = np.random.default_rng(8)
    s = random_pop(rng, 60, nan=0.0, decimals=2)
    with pytest.warns(FutureWarning, match="interval=True"):
        old = benchmark(s, s, by=("size_class",), bootstrap=True, n_resamples=199, seed=11)
    new = benchmark(s, s, by=("size_class",), interval=True)
    np.testing.assert_array_equal(old.ci_low, new.ci_low)
    np.testing.assert_array_equal(old.ci_high, new.ci_high)
    with pytest.raises(BenchmarkError, match="confidence"):
        benchmark(s, s, interval=True, confidence=1.5)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

profile_rows = st.tuples(
    st.sampled_from(SECTORS),
    st.sampled_from(SIZES),
    st.sampled_from(REGIONS),
    st.one_of(st.none(), st.integers(0, 10).map(lambda v: v / 2)),
    st.one_of(st.none(), st.integers(0, 10).map(lambda v: v / 2)),
)
populations = st.lists(profile_rows, min_size=1, max_size=30)


@pytest.mark.parametrize("m", [3, 7, 22, 49, 97])
def test_top_company_is_exactly_the_100th_percentile(m):
    """Ahead of all m peers: 100, not 100.00000000000001 (found by hypothesis with m = 22)."""
    rows = [("28.41", "micro", "ITC4C", 1.0)] * m + [("28.41", "micro", "ITC4C", 4.0)]
    b = benchmark(pop(rows), pop(rows), min_group=1)
    assert b.percentile[m, 0] == 100.0
    # a low company: none below, m - 1 ties, one above: (0 + ½ (m − 1)) / m
    assert b.percentile[0, 0] == pytest.approx(50.0 * (m - 1) / m, rel=1e-15)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(populations, st.integers(1, 6))
def test_property_reference_bounds_and_self(rows, min_group):
    s = pop(rows, nodes=("root", "d1"))
    b = benchmark(s, s, min_group=min_group)
    ref = reference(s, s, min_group=min_group)
    check_against_reference(s, s, b, ref, min_group)
    pct = b.percentile[~np.isnan(b.percentile)]
    assert ((pct >= 0) & (pct <= 100)).all()
    for i, g in enumerate(b.groups):
        if g.sufficient:
            assert g.size >= min_group
        assert s.ids[i] not in [s.ids[q] for q in ref[i][4]]  # never in its own group
    reported = ~np.isnan(b.median)
    assert (b.n[reported] >= min_group).all()


@settings(max_examples=60, deadline=None)
@given(populations, st.integers(0, 10), st.integers(0, 29))
def test_property_lower_peer_never_lowers_percentile(rows, below, who):
    s = pop(rows, nodes=("root", "d1"))
    i = who % len(rows)
    x = s.score[i, 0]
    if math.isnan(x):
        return
    b = benchmark(s, s, by=(), min_group=1)
    new = (*rows[i][:3], x - 0.25 - below / 4, None)  # strictly below the company
    s2 = pop([*rows, new], nodes=("root", "d1"))
    b2 = benchmark(s2, s2, by=(), min_group=1)
    before, after = b.percentile[i, 0], b2.percentile[i, 0]
    if not math.isnan(before):
        assert after >= before - 1e-9


@settings(max_examples=40, deadline=None)
@given(populations, st.randoms(use_true_random=False))
def test_property_order_of_rows_does_not_matter(rows, rnd):
    s = pop(rows, nodes=("root", "d1"))
    b = benchmark(s, s, min_group=2)
    perm_p = list(range(len(rows)))
    perm_c = list(range(len(rows)))
    rnd.shuffle(perm_p)
    rnd.shuffle(perm_c)

    def take(p):
        return FakeScores(
            tuple(s.ids[k] for k in p), s.nodes, s.score[p], tuple(s.profiles[k] for k in p)
        )

    peers, comp = take(perm_p), take(perm_c)
    b2 = benchmark(comp, peers, min_group=2)
    for stat in ("percentile", "q1", "median", "q3", "mean", "p90", "sd", "z", "n"):
        np.testing.assert_allclose(
            getattr(b2, stat), getattr(b, stat)[perm_c], rtol=1e-12, atol=1e-12
        )
    assert b2.groups == tuple(b.groups[k] for k in perm_c)


# --------------------------------------------------------------------------------------------
# Inputs, outputs
# --------------------------------------------------------------------------------------------


def test_profile_keys_give_the_same_result():
    rng = np.random.default_rng(9)
    s = random_pop(rng, 80)
    b = benchmark(s, s)
    keys = profile_keys(s.profiles)
    bare = FakeScores(s.ids, s.nodes, s.score, ())
    b2 = benchmark(bare, bare, keys=keys, peer_keys=keys)
    np.testing.assert_array_equal(b.median, b2.median)
    assert b.groups == b2.groups

    @dataclass
    class Keyed:
        ids: tuple
        nodes: tuple
        score: np.ndarray
        profile_keys: dict
        profiles: tuple = ()

    k = Keyed(s.ids, s.nodes, s.score, keys)
    b3 = benchmark(k, k)
    np.testing.assert_array_equal(b.percentile, b3.percentile)


def test_bad_arguments():
    s = pop([("28.41", "small", "ITC4C", 1)] * 6)
    with pytest.raises(BenchmarkError, match="unknown peer-group field"):
        benchmark(s, s, by=("country",))
    with pytest.raises(BenchmarkError, match="not in 'by'"):
        benchmark(s, s, by=("sector",), widen=("region",))
    with pytest.raises(BenchmarkError, match="min_group"):
        benchmark(s, s, min_group=0)
    other = FakeScores(s.ids, ("x",), s.score, s.profiles)
    with pytest.raises(MaturityError, match="no node in common"):
        benchmark(s, other)
    bad = FakeScores(("a", "a"), s.nodes, s.score[:2], s.profiles[:2])
    with pytest.raises(BenchmarkError, match="not unique"):
        benchmark(pop([("28.41", "small", "ITC4C", 1)], prefix="a"), bad)
    with pytest.raises(BenchmarkError, match="invalid sector"):
        benchmark(
            s,
            s,
            keys={
                "sector": (np.zeros(6, int), ("99.99",)),
                "size_class": (np.zeros(6, int), ("small",)),
                "region": (np.zeros(6, int), ("ITC4C",)),
            },
        )


def test_exports():
    rows = [("#=evil()", "28.41", "small", "ITC4C", 3)] + [("28.41", "small", "ITC4C", 1)] * 5
    s = pop(rows, nodes=("root",))
    s.synthetic = True
    b = benchmark(s, s)
    assert b.synthetic
    text = b.to_csv()
    recs = list(csv.DictReader(io.StringIO(text)))
    assert recs[0]["company"] == "'=evil()"
    assert recs[0]["group_sector"] == "28.41" and recs[0]["group_size"] == "5"
    assert float(recs[0]["percentile"]) == 100.0
    assert recs[0]["ci_low"] == ""
    doc = json.loads(b.to_json())
    assert doc["format"] == "maturity/benchmark@1" and doc["synthetic"] is True
    assert doc["companies"][0]["nodes"]["root"]["mean"] == 1.0
    assert doc["companies"][0]["nodes"]["root"]["ci_low"] is None
    row = b.row("=evil()")
    assert row["group"]["size"] == 5 and row["nodes"]["root"]["n"] == 5
    with pytest.raises(KeyError):
        b.row("nobody")
    assert "synthetic peers" in repr(b)
    with pytest.raises(ValueError):
        b.median[0, 0] = 1.0  # read-only


def test_export_files(tmp_path):
    s = pop([("28.41", "small", "ITC4C", 1)] * 6)
    b = benchmark(s, s)
    p = tmp_path / "b.csv"
    b.to_csv(p)
    with pytest.raises(OutputExistsError):
        b.to_csv(p)
    b.to_csv(p, force=True)
    b.to_json(tmp_path / "b.json")
    assert json.loads((tmp_path / "b.json").read_text())["nodes"] == ["root"]


# --------------------------------------------------------------------------------------------
# Aggregate tables for publication
# --------------------------------------------------------------------------------------------


def cell_members(s, row, by, levels):
    out = []
    for q, p in enumerate(s.profiles):
        ok = True
        for f in by:
            want = row[f]
            if want is None:
                continue
            have = value_of(p, f)
            if have is None or chain_at(f, have, levels[f]) != want:
                ok = False
        if ok:
            out.append(q)
    return out


def check_disclosure(table, min_group):
    by = table.by
    cells = {}
    for r in table:
        cells[(tuple(r[f] for f in by), r["node"])] = r["n"]
    for (key, node), n in cells.items():
        assert n >= min_group
        for k in range(1, len(by) + 1):
            for idx in itertools.combinations([i for i, v in enumerate(key) if v is not None], k):
                anc = tuple(None if i in idx else v for i, v in enumerate(key))
                if (anc, node) in cells:
                    assert cells[(anc, node)] - n >= min_group, (key, anc, node)
    return cells


def check_complementary(table, cells, s, min_group):
    """A margin minus its published sub-cells along one field leaves 0 or >= min_group."""
    by = table.by
    for (key, node), n in cells.items():
        for i, v in enumerate(key):
            if v is not None:
                continue
            kids = [
                m
                for (k2, nd2), m in cells.items()
                if nd2 == node
                and k2[i] is not None
                and all(k2[t] == key[t] for t in range(len(by)) if t != i)
            ]
            residual = n - sum(kids)
            assert residual == 0 or residual >= min_group, (key, node, residual)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_aggregate_table_rules_and_values(seed):
    rng = np.random.default_rng(seed)
    s = random_pop(rng, 400)
    t = aggregate_table(s, min_group=5)
    assert (
        t
        and t.suppressed > 0
        and t.levels == {"sector": "section", "size_class": "class", "region": "nuts1"}
    )
    cells = check_disclosure(t, 5)
    check_complementary(t, cells, s, 5)
    depth = {"sector": 1, "size_class": 1, "region": 2}
    for r in t:
        mem = cell_members(s, r, t.by, depth)
        a = s.score[mem, s.nodes.index(r["node"])]
        a = a[~np.isnan(a)]
        assert r["n"] == len(a)
        assert r["mean"] == published(float(np.mean(a)))
        a = np.sort(a)
        for name, q in zip(("q1", "median", "q3", "p90"), QS, strict=True):
            expected = published(block_mean(a, q, 5)) if len(a) >= 10 else None
            assert r[name] == expected
    total = [r for r in t if all(r[f] is None for f in t.by) and r["node"] == "root"]
    assert total and total[0]["n"] == int((~np.isnan(s.score[:, 0])).sum())
    assert "suppressed" in t.note()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(profile_rows, min_size=0, max_size=60), st.integers(2, 6))
def test_property_aggregate_disclosure(rows, min_group):
    s = (
        pop(rows, nodes=("root", "d1"))
        if rows
        else FakeScores((), ("root", "d1"), np.empty((0, 2)), ())
    )
    t = aggregate_table(
        s,
        by=("sector", "region"),
        levels={"sector": "division", "region": "nuts2"},
        min_group=min_group,
    )
    cells = check_disclosure(t, min_group)
    check_complementary(t, cells, s, min_group)


def test_aggregate_nested_difference_is_suppressed():
    # 7 companies in C/ITC, 1 more elsewhere in ITC: the ITC margin and C/ITC differ by one
    rows = [("28.41", "small", "ITC4C", 1)] * 7 + [("62.01", "small", "ITC4C", 5)]
    s = pop(rows)
    t = aggregate_table(s, by=("sector", "region"), min_group=5)
    keys = {(r["sector"], r["region"]) for r in t}
    assert (None, None) in keys
    assert ("C", "ITC") not in keys and ("C", None) not in keys
    assert t.suppressed_by["nested"] >= 1


def test_write_aggregate(tmp_path):
    rng = np.random.default_rng(4)
    s = random_pop(rng, 200)
    s.synthetic = True
    t = write_aggregate(tmp_path / "agg.json", s, levels={"sector": "section"})
    doc = json.loads((tmp_path / "agg.json").read_text())
    assert doc["synthetic"] is True and doc["suppressed"] == t.suppressed
    assert len(doc["rows"]) == len(t)
    write_aggregate(tmp_path / "agg.csv", s)
    recs = list(csv.DictReader(io.StringIO((tmp_path / "agg.csv").read_text())))
    assert len(recs) == len(t) and set(recs[0]) == {
        "sector",
        "size_class",
        "region",
        "node",
        "n",
        "mean",
        "q1",
        "median",
        "q3",
        "p90",
    }
    with pytest.raises(OutputExistsError):
        write_aggregate(tmp_path / "agg.csv", s)
    with pytest.raises(BenchmarkError, match="unknown level"):
        aggregate_table(s, levels={"sector": "subclass"})
