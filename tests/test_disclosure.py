"""Attacks on what benchmarking publishes: order statistics, linear programming on tables,
differencing of successive runs. Each attack is written here from the published outputs alone
(scipy.optimize.linprog), independently of the library's own audit, and fails the test if it
recovers a single company's score.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from maturity.benchmarking import aggregate_table, benchmark
from maturity.benchmarking.disclosure import _disclose, protect_counts, protect_table
from maturity.benchmarking.release import Release
from maturity.responses import Profile
from tests.test_benchmark import FakeScores, cell_members, chain_at, pop, random_pop

LO, HI = 0.0, 5.0

# --------------------------------------------------------------------------------------------
# One group: order statistics, mean, interval
# --------------------------------------------------------------------------------------------


def block_bounds(n, pct, k):
    """The documented block of a quantile: the sorted group split into floor(n / k) blocks
    with boundaries floor(i n / q); the one holding the order statistic nearest to numpy's
    position (halves up)."""
    q = n // k
    idx = math.floor((n - 1) * pct / 100 + 0.5 + 1e-12)
    for i in range(q):
        s, e = i * n // q, (i + 1) * n // q
        if s <= idx < e:
            return s, e
    raise AssertionError


def order_statistic_intervals(n, published, k, digits=2):
    """The attacker's LP: n sorted unknowns in [LO, HI], each published mean (of all values or
    of a window) within half a last digit of its published value; interval of every rank."""
    half = 0.5 * 10**-digits + 1e-9
    a_ub, b_ub = [], []
    for i in range(n - 1):  # a_i <= a_{i+1}
        row = np.zeros(n)
        row[i], row[i + 1] = 1, -1
        a_ub.append(row)
        b_ub.append(0.0)
    for (lo_i, hi_i), value in published:
        row = np.zeros(n)
        row[lo_i:hi_i] = 1 / (hi_i - lo_i)
        a_ub.append(row)
        b_ub.append(value + half)
        a_ub.append(-row)
        b_ub.append(-(value - half))
    out = []
    for i in range(n):
        c = np.zeros(n)
        c[i] = 1
        ends = []
        for sign in (1, -1):
            res = linprog(sign * c, A_ub=np.array(a_ub), b_ub=b_ub, bounds=[(LO, HI)] * n)
            assert res.status == 0
            ends.append(sign * res.fun)
        out.append((ends[0], ends[1]))
    return out


def published_of_group(values, min_group):
    """Benchmark one outside company against ``values``: what it is told about the group."""
    peers = pop([("28.41", "small", "ITC4C", v) for v in values], prefix="p")
    me = pop([("28.41", "small", "ITC4C", 2.5)], prefix="x")
    b = benchmark(me, peers, min_group=min_group, interval=True)
    n = int(b.n[0, 0])
    out = [((0, n), b.mean[0, 0])]
    k = min_group
    for name, pct in (("q1", 25), ("median", 50), ("q3", 75), ("p90", 90)):
        v = b.__getattribute__(name)[0, 0]
        if not math.isnan(v):
            out.append((block_bounds(n, pct, k), v))
    return n, out, b


def test_five_peers_cannot_be_recovered():
    """Issue 11: a group of exactly min_group = 5 published every member's score."""
    values = [1.17, 2.43, 3.05, 3.61, 4.88]
    n, published, _ = published_of_group(values, 5)
    assert n == 5 and len(published) == 1  # n and the rounded mean only
    iv = order_statistic_intervals(n, published, 5)
    for (lo, hi), true in zip(iv, sorted(values), strict=True):
        assert lo <= true + 1e-9 and true - 1e-9 <= hi
        assert hi - lo > 1.0, (lo, hi)


group_values = st.lists(st.integers(0, 500).map(lambda v: v / 100), min_size=5, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(group_values, st.sampled_from([3, 5]))
def test_order_statistics_never_single_out_a_company(values, min_group):
    """Whatever the group, the published statistics pin no company's score alone: where the
    attacker's LP narrows a rank to under w = 0.1, at least min_group ranks are pinned with it
    to a band min_group × w wider (a block mean near an end of the range bounds all the
    block's companies: "three companies scored 4.73 or more", never one apart)."""
    n, published, _ = published_of_group(values, min_group)
    if n < min_group:
        return
    iv = order_statistic_intervals(n, published, min_group)
    width = 0.1
    band = min_group * width
    for i, (lo, hi) in enumerate(iv):
        if hi - lo >= width:
            continue
        sharing = [j for j, (lo2, hi2) in enumerate(iv) if lo2 >= lo - band and hi2 <= hi + band]
        assert len(sharing) >= min_group, (i, lo, hi, sorted(values))


def test_quantiles_are_block_means_not_order_statistics():
    values = [1.0, 1.3, 1.35, 2.0, 2.2, 2.9, 3.05, 3.1, 3.7, 4.0, 4.6, 4.95]
    _, published, _ = published_of_group(values, 5)
    assert len(published) == 5  # the mean and four quantiles (12 >= 2 × 5)
    assert {se for se, _ in published[1:]} == {(0, 6), (6, 12)}  # two blocks of six
    for (s, e), v in published[1:]:
        assert v == pytest.approx(sum(values[s:e]) / (e - s), abs=0.005 + 1e-12)
        assert v not in values


# --------------------------------------------------------------------------------------------
# Tables: the LP attack on suppressed cells
# --------------------------------------------------------------------------------------------


def table_attack(table, s, by, depth, node="root", protection=0.2):
    """Independent LP attack on one node of a published table.

    Unknowns: the total score of every cell of the full table (every combination of values at
    the table's level, ``?`` for unknown, and every margin). Known: the cell counts (the
    attacker is assumed to know them all), the published cells' totals (n × mean, with the
    rounding band), additivity of margins, and each company between LO and HI. Returns the
    suppressed cells with 1..4 companies whose total the LP pins to under protection × n × 5.
    """
    j = s.nodes.index(node)
    leaf = {}
    for q, p in enumerate(s.profiles):
        if math.isnan(s.score[q, j]):
            continue
        vals = []
        for f in by:
            have = p.size_class if f == "size_class" else getattr(p, f)
            v = chain_at(f, have, depth[f]) if have is not None else ""
            vals.append(v or "?")
        leaf.setdefault(tuple(vals), []).append(float(s.score[q, j]))
    cells = {}
    for lv, scores in leaf.items():
        for mask in itertools.product([0, 1], repeat=len(by)):
            c = tuple(None if m else v for v, m in zip(lv, mask, strict=True))
            n0, t0 = cells.get(c, (0, 0.0))
            cells[c] = (n0 + len(scores), t0 + sum(scores))
    keys = sorted(cells, key=lambda c: tuple((v is None, v or "") for v in c))
    idx = {c: i for i, c in enumerate(keys)}
    a_eq, b_eq = [], []
    for c in keys:  # margins: sum of children along each field
        for i, v in enumerate(c):
            if v is not None:
                continue
            kids = [
                d
                for d in keys
                if d[i] is not None and all(d[t] == c[t] for t in range(len(c)) if t != i)
            ]
            row = np.zeros(len(keys))
            row[idx[c]] = 1
            for d in kids:
                row[idx[d]] -= 1
            a_eq.append(row)
            b_eq.append(0.0)
    pub = {tuple(r[f] for f in by): (r["n"], r["mean"]) for r in table if r["node"] == node}
    bounds = []
    for c in keys:
        n, _ = cells[c]
        if c in pub:
            pn, mean = pub[c]
            assert pn == n
            half = 0.005 * n + 1e-9
            bounds.append((n * mean - half, n * mean + half))
        else:
            bounds.append((n * LO, n * HI))
    leaks = []
    for c in keys:
        n, _ = cells[c]
        if c in pub or not 0 < n < 5:
            continue
        cost = np.zeros(len(keys))
        cost[idx[c]] = 1
        lo = linprog(cost, A_eq=np.array(a_eq), b_eq=b_eq, bounds=bounds)
        hi = linprog(-cost, A_eq=np.array(a_eq), b_eq=b_eq, bounds=bounds)
        assert lo.status == 0 and hi.status == 0
        if -hi.fun - lo.fun < protection * n * (HI - LO) - 1e-6:
            leaks.append((c, n, lo.fun, -hi.fun))
    return leaks


def _table_population(seed, n=60):
    rng = np.random.default_rng(seed)
    return random_pop(rng, n, nodes=("root",), nan=0.0, decimals=2)


@pytest.mark.parametrize("seed", range(8))
def test_table_lp_attack_finds_nothing(seed):
    s = _table_population(seed)
    by = ("sector", "region")
    depth = {"sector": 1, "region": 2}
    t = aggregate_table(s, by=by, min_group=5, score_range=(LO, HI))
    assert table_attack(t, s, by, depth) == []


def test_one_margin_at_a_time_was_not_enough():
    """The rules of the first version (threshold, nested, complementary one field at a time)
    leave tables that the LP solves for a small cell; the audit closes every one of them."""
    by = ("sector", "region")
    depth = {"sector": 1, "region": 2}
    found_before = 0
    for seed in range(40):
        s = _table_population(seed)
        t = aggregate_table(s, by=by, min_group=5, score_range=(LO, HI))
        assert table_attack(t, s, by, depth) == []
        # the same table with the old rules only
        cells = {}
        for r in aggregate_table(s, by=by, min_group=1, score_range=(LO, HI)):
            cells[tuple(r[f] for f in by)] = r["n"]
        keep, _ = _disclose(cells, 5, {c for c in cells})
        old = [
            dict(r)
            for r in aggregate_table(s, by=by, min_group=1, score_range=(LO, HI))
            if tuple(r[f] for f in by) in keep
        ]
        if table_attack(old, s, by, depth):
            found_before += 1
    assert found_before > 0


def test_protect_counts_audits_counts():
    """A 2 × 2 table with margins where one suppressed count follows from the others."""
    cells = {
        ("a", "x"): 3,
        ("a", "y"): 10,
        ("b", "x"): 12,
        ("b", "y"): 11,
        ("a", None): 13,
        ("b", None): 23,
        (None, "x"): 15,
        (None, "y"): 21,
        (None, None): 36,
    }
    keep, reasons = protect_counts(cells, 5)
    assert ("a", "x") not in keep
    # the attacker's LP on counts: every suppressed small count stays uncertain by 4
    keys = list(cells)
    for target in keys:
        if target in keep or not 0 < cells[target] < 5:
            continue
        a_eq, b_eq = [], []
        for c in keys:
            for i, v in enumerate(c):
                if v is None:
                    kids = [
                        d
                        for d in keys
                        if d[i] is not None and all(d[t] == c[t] for t in range(2) if t != i)
                    ]
                    row = np.zeros(len(keys))
                    row[keys.index(c)] = 1
                    for d in kids:
                        row[keys.index(d)] -= 1
                    a_eq.append(row)
                    b_eq.append(0)
        bounds = [(cells[c], cells[c]) if c in keep else (0, None) for c in keys]
        cost = np.zeros(len(keys))
        cost[keys.index(target)] = 1
        lo = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds).fun
        hi = -linprog(-cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds).fun
        assert hi - lo >= 4 - 1e-9  # min_group - 1: the whole range of a small count
    assert set(reasons) >= {"min_group", "nested", "complementary", "audit"}


def test_protect_table_keeps_the_signature_and_totals_audit():
    cells = {("a",): 4, ("b",): 30, (None,): 34}
    # "a" is small; "b" differs from the margin by 4 (nested): only the margin stays
    keep, reasons = protect_counts(cells, 5)
    assert keep == {(None,)} and reasons["min_group"] == 1 and reasons["nested"] == 1
    totals = {("a",): 8.0, ("b",): 60.0, (None,): 68.0}
    keep, _ = protect_table(cells, 5, totals=totals, score_range=(0, 5))
    assert keep == {(None,)}  # a's total can be anything in [0, 20]: wide enough
    # everyone at the top of the range: the margin's total pins a's (4 × 5): it goes too
    top = {("a",): 20.0, ("b",): 150.0, (None,): 170.0}
    keep, reasons = protect_table(cells, 5, totals=top, score_range=(0, 5))
    assert keep == set() and reasons["audit"] == 1


# --------------------------------------------------------------------------------------------
# Successive runs: differencing
# --------------------------------------------------------------------------------------------

BASE = [1.0, 2.0, 2.5, 3.0, 3.5, 4.0]


def _peers(values, extra=()):
    rows = [("28.41", "small", "ITC4C", v) for v in values]
    return pop(rows + [("#" + cid, "28.41", "small", "ITC4C", v) for cid, v in extra], prefix="p")


def test_differencing_two_runs_recovers_a_newcomer_without_a_release():
    me = pop([("28.41", "small", "ITC4C", 2.2)], prefix="x")
    b1 = benchmark(me, _peers(BASE))
    b2 = benchmark(me, _peers(BASE, [("newbie", 4.9)]))
    guess = b2.n[0, 0] * b2.mean[0, 0] - b1.n[0, 0] * b1.mean[0, 0]
    assert abs(guess - 4.9) < 0.07  # rounding alone does not protect


def test_release_stops_the_differencing_attack():
    me = pop([("28.41", "small", "ITC4C", 2.2)], prefix="x")
    b1 = benchmark(me, _peers(BASE))
    rel = Release.from_json(b1.release("january").to_json())
    b2 = benchmark(me, _peers(BASE, [("newbie", 4.9)]), since=rel)
    for stat in ("mean", "sd", "percentile", "n"):
        np.testing.assert_array_equal(getattr(b2, stat), getattr(b1, stat))
    # four more newcomers: five in all, they enter together
    more = [("newbie", 4.9), ("n2", 1.5), ("n3", 2.1), ("n4", 3.3), ("n5", 4.1)]
    b3 = benchmark(me, _peers(BASE, more), since=b2.release())
    assert b3.n[0, 0] == 11
    # the difference now describes five companies, not one
    total_new = b3.n[0, 0] * b3.mean[0, 0] - b1.n[0, 0] * b1.mean[0, 0]
    assert total_new == pytest.approx(4.9 + 1.5 + 2.1 + 3.3 + 4.1, abs=0.1)


def test_release_withholds_a_group_that_lost_one_member():
    me = pop([("28.41", "small", "ITC4C", 2.2)], prefix="x")
    full = [*BASE, 3.9]
    b1 = benchmark(me, _peers(full))
    b2 = benchmark(me, _peers(full[:-1]), since=b1.release())
    assert math.isnan(b2.mean[0, 0]) and b2.n[0, 0] == 0
    # the withheld group keeps its last published membership in the next release
    b3 = benchmark(me, _peers(full[:-1]), since=b2.release())
    assert math.isnan(b3.mean[0, 0])


def test_release_of_an_aggregate_table_hides_a_newcomer():
    rng = np.random.default_rng(5)
    s1 = random_pop(rng, 300, nan=0.0)
    by = ("sector", "region")
    t1 = aggregate_table(s1, by=by)
    rel = Release.from_json(t1.release().to_json())
    newbie = Profile(company="newbie", sector="28.41", employees=20, region="ITC4C")
    s2 = FakeScores(
        (*s1.ids, "newbie"),
        s1.nodes,
        np.vstack([s1.score, [[4.4, 1.0, 2.0]]]),
        (*s1.profiles, newbie),
    )
    t2 = aggregate_table(s2, by=by, since=rel)
    before = {(r["sector"], r["region"], r["node"]): (r["n"], r["mean"]) for r in t1}
    for r in t2:
        key = (r["sector"], r["region"], r["node"])
        if key in before:
            assert before[key] == (r["n"], r["mean"])  # nothing that moved is published
    assert t2.suppressed_by["release"] > 0
    depth = {"sector": 1, "region": 2}
    for r in t2:
        mem = cell_members(s2, r, by, depth)
        assert "newbie" not in [s2.ids[q] for q in mem] or r["n"] >= 5


newcomer_rows = st.lists(
    st.tuples(
        st.sampled_from(["28.41", "28.49", "25.11", None]),
        st.sampled_from(["small", "medium", None]),
        st.sampled_from(["ITC4C", "ITH35", None]),
        st.integers(0, 10).map(lambda v: v / 2),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(newcomer_rows.map(lambda r: r[0]), min_size=8, max_size=40), newcomer_rows)
def test_property_fewer_than_k_newcomers_change_no_published_group(base, newcomers):
    """Fewer than k = min_group newcomers: every company whose peer group is the same group
    as before sees exactly the statistics it saw before (nothing to difference)."""
    me = pop([("28.41", "small", "ITC4C", 2.2), (None, "medium", "ITH35", 3.1)], prefix="x")
    peers1 = pop(base, prefix="p")
    b1 = benchmark(me, peers1, min_group=3)
    extra = [("#n" + str(i), *row) for i, row in enumerate(newcomers)]
    peers2 = pop([*base, *extra], prefix="p")
    b2 = benchmark(me, peers2, min_group=3, since=b1.release(), release_k=len(newcomers) + 1)
    for i in range(len(me.ids)):
        if dict(b1.groups[i].filters) != dict(b2.groups[i].filters):
            continue  # another group (the newcomers made a narrower one large enough)
        for stat in ("mean", "sd", "q1", "median", "q3", "p90", "n", "percentile"):
            np.testing.assert_array_equal(getattr(b2, stat)[i], getattr(b1, stat)[i], err_msg=stat)


def test_release_files_are_checked():
    from maturity.benchmarking import BenchmarkError

    with pytest.raises(BenchmarkError, match=r"r\.json: not a release file"):
        Release.from_json("{}", name="r.json")
    with pytest.raises(BenchmarkError, match=r"r\.json: not a release file"):
        Release.from_json("not json", name="r.json")
    with pytest.raises(BenchmarkError, match="malformed"):
        Release.from_json('{"format": "maturity/release@1", "kind": "benchmark"}', name="r.json")
    me = pop([("28.41", "small", "ITC4C", 2.2)], prefix="x")
    table_release = aggregate_table(_peers(BASE), by=("sector",)).release()
    with pytest.raises(BenchmarkError, match="release of a aggregate"):
        benchmark(me, _peers(BASE), since=table_release)
    bench_release = benchmark(me, _peers(BASE)).release()
    with pytest.raises(BenchmarkError, match="grouped by"):
        benchmark(me, _peers(BASE), by=("sector",), since=bench_release)
    text = bench_release.to_json()
    assert "2.2" not in text and "4.0" not in text  # fingerprints, never scores
    assert Release.from_json(text).to_json() == text  # reads back what it wrote
