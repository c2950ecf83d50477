"""Gaps, priorities and progress against hand-worked numbers."""

import csv
import io
import json
import math

import numpy as np
import pytest

from maturity.gap_analysis import NO_PEER_TARGET, GapsError, gaps, global_weights, progress
from maturity.io import read_responses
from maturity.scoring import score
from tests.test_scoring import Q, model


def scored(tmp_path, rows, name="a.csv"):
    p = tmp_path / name
    p.write_text("respondent_id,x1,x2,x3,y1,y2\n" + rows)
    return score(read_responses(p, Q), model())


def test_global_weights_multiply_down_the_tree():
    gw = global_weights(model())
    # root: x 3/4, y 1/4; x: x1 2/4, x2 1/4, x3 1/4; y: equal halves
    assert gw["x"] == pytest.approx(0.75) and gw["y"] == pytest.approx(0.25)
    assert gw["x1"] == pytest.approx(0.75 * 0.5) and gw["y2"] == pytest.approx(0.125)


def test_next_level_gap_and_progress(tmp_path):
    s = scored(tmp_path, "r1,b,b,no,5,a\n")
    # x = 5 * (2*0.25 + 0.25 + 0) / 4 = 0.9375 -> level l0 (next: l1 at 1)
    # y = 5 * (0 + 0) / 2 = 0 -> next level l1 at 1
    g = gaps(s)
    assert g.nodes == ("x", "y")
    x, y = s.get("r1", "x"), s.get("r1", "y")
    assert x == pytest.approx(0.9375) and y == 0.0
    np.testing.assert_allclose(g.gap[0], [1 - 0.9375, 1.0])
    # progress = 1 - Σ gap / Σ target = 1 - (0.0625 + 1) / (1 + 1)
    assert g.progress[0] == pytest.approx(1 - 1.0625 / 2)
    # priority = gap x global weight x importance: x 0.0625*0.75, y 1*0.25 -> y first
    assert [p.node for p in g.priorities[0]] == ["y", "x"]
    assert g.priorities[0][0].priority == pytest.approx(0.25)
    assert [it for it, _ in g.priorities[0][0].weakest_items] == ["y1", "y2"]


def test_weakest_items_from_a_scores_file_are_unknown_not_none(tmp_path):
    """Scores read back from a file carry no answers: the same gaps and priorities, and the
    weakest items are unknown (null), not an empty list that reads "no weak item"."""
    from maturity.scores import Scores

    s = scored(tmp_path, "r1,b,b,no,5,a\n")
    s.to_json(tmp_path / "s.json")
    back = Scores.from_json(tmp_path / "s.json", model())
    direct, from_file = gaps(s).row("r1"), gaps(back).row("r1")
    assert direct["priorities"][0]["weakest_items"][0]["item"] == "y1"
    assert all(p["weakest_items"] is None for p in from_file["priorities"])
    for a, b in zip(direct["priorities"], from_file["priorities"], strict=True):
        assert {k: v for k, v in a.items() if k != "weakest_items"} == {
            k: v for k, v in b.items() if k != "weakest_items"
        }


def test_explicit_profile_and_number_targets(tmp_path):
    s = scored(tmp_path, "r1,d,d,yes,95,d\n")  # every score is 5
    g = gaps(s, {"x": 4, "y": 5})
    np.testing.assert_allclose(g.gap[0], [0, 0])
    assert g.progress[0] == 1.0 and g.priorities[0] == ()
    g2 = gaps(s, 4.5)
    np.testing.assert_allclose(g2.gap[0], [0, 0])
    with pytest.raises(ValueError, match="unknown node"):
        gaps(s, {"zz": 1})


@pytest.mark.parametrize("bad", [6.0, -0.5, math.nan, math.inf, -math.inf, 99])
def test_target_outside_the_range_is_a_typed_error(tmp_path, bad):
    s = scored(tmp_path, "r1,d,d,yes,95,d\n")
    with pytest.raises(GapsError, match=r"range of model 'm' \(0–5\)"):
        gaps(s, bad)
    with pytest.raises(GapsError, match=r"target of 'x'.*\(0–5\)"):
        gaps(s, {"x": bad, "y": 4})
    with pytest.raises(GapsError, match="not a number"):
        gaps(s, {"x": "high"})


def test_target_reached_within_the_tolerance_has_no_gap(tmp_path):
    s = scored(tmp_path, "r1,c,c,yes,55,b\n")
    x = s.get("r1", "x")
    g = gaps(s, {"x": x + 1e-12, "y": 0})
    assert g.gap[0, 0] == 0.0 and g.priorities[0] == ()


def test_progress_leaves_dimensions_without_a_score_out(tmp_path):
    # x: (2 * 2/4 + 2/4 + 1) / 4 * 5 = 3.125; y: no answer at all -> no score
    s = scored(tmp_path, "r1,c,c,yes,,\n")
    assert s.get("r1", "x") == pytest.approx(3.125) and math.isnan(s.get("r1", "y"))
    g = gaps(s, {"x": 4, "y": 4})
    # only x counts: 1 - 0.875 / 4, not 1 - 0.875 / 8
    assert g.progress[0] == pytest.approx(1 - 0.875 / 4)
    assert math.isnan(g.gap[0, 1])


PEER_ROWS = "".join(
    f"p{i},{x1},{x2},{x3},{y1},{y2}\n"
    for i, (x1, x2, x3, y1, y2) in enumerate(
        [
            ("a", "a", "no", 5, "a"),
            ("b", "b", "no", 5, "b"),
            ("c", "c", "yes", 55, "c"),
            ("d", "d", "yes", 95, "d"),
            ("a", "b", "yes", 20, "c"),
            ("b", "c", "no", 60, "d"),
            ("c", "d", "no", 15, "a"),
            ("d", "a", "yes", 70, "b"),
            ("a", "c", "no", 40, "b"),
            ("b", "d", "yes", 92, "c"),
            ("c", "a", "yes", 30, "d"),
            ("d", "b", "no", 11, "a"),
        ]
    )
)


def block_quantile_ref(values, pct, k):
    """The published quantile as documented: the sorted peers in floor(n / k) blocks with
    boundaries floor(i n / q); the mean of the block holding the nearest rank, rounded."""
    from tests.test_benchmark import block_mean, published

    return published(block_mean(np.sort(values), pct, k))


def test_peer_quantile_target_is_the_own_group_quantile(tmp_path):
    s = scored(tmp_path, "r1,a,a,no,5,a\n")
    peers = scored(tmp_path, PEER_ROWS, "p.csv")
    g = gaps(s, "p75", peers=peers)
    cols = [peers.nodes.index("x"), peers.nodes.index("y")]
    expected = [block_quantile_ref(peers.score[:, c], 75, 5) for c in cols]
    np.testing.assert_array_equal(g.target[0], expected)
    assert g.benchmark is not None and not g.no_peer_target.any()
    # the same through a Benchmark made first: one code path
    from maturity.benchmarking import benchmark

    g2 = gaps(s, "p75", peers=benchmark(s, peers))
    np.testing.assert_array_equal(g2.target, g.target)
    with pytest.raises(ValueError, match="needs peers"):
        gaps(s, "p75")


def test_too_few_peers_give_no_peer_target(tmp_path):
    """With one peer in the file, the old code printed that peer's exact score as the target
    and the report said every target was met."""
    s = scored(tmp_path, "r1,a,a,no,5,a\n")
    one = scored(tmp_path, "p1,d,d,yes,95,d\n", "p.csv")
    g = gaps(s, "p75", peers=one)
    assert np.isnan(g.target).all() and g.no_peer_target.all()
    assert g.priorities[0] == () and math.isnan(g.progress[0])
    rows = list(csv.DictReader(io.StringIO(g.to_csv())))
    assert {r["note"] for r in rows} == {NO_PEER_TARGET} and {r["target"] for r in rows} == {""}
    doc = json.loads(g.to_json())
    assert doc["rows"][0]["nodes"]["x"]["note"] == NO_PEER_TARGET
    assert doc["rows"][0]["nodes"]["x"]["target"] is None
    # 9 peers: a group, but quantiles need 2 × 5 = 10: still no target
    nine = scored(tmp_path, "".join(PEER_ROWS.splitlines(keepends=True)[:9]), "p9.csv")
    assert gaps(s, "p50", peers=nine).no_peer_target.all()
    # min_group=3: quantiles from 6 peers
    assert not gaps(s, "p50", peers=nine, min_group=3).no_peer_target.any()


def test_progress_between_two_assessments(tmp_path):
    before = scored(tmp_path, "r1,a,a,no,5,a\n", "b.csv")
    after = scored(tmp_path, "r1,d,c,yes,5,a\n", "a.csv")
    pr = progress(before, after)
    j = pr.nodes.index("x")
    assert pr.delta[0, j] == pytest.approx(after.get("r1", "x") - before.get("r1", "x"))
    moved = dict((n, (b, a)) for n, b, a in pr.moved("r1"))
    assert moved["x"] == ("l0", "l2")
    assert "y" not in moved


def test_exports(tmp_path):
    s = scored(tmp_path, "=evil,b,b,no,5,a\n")
    g = gaps(s)
    assert "'=evil" in g.to_csv()
    assert '"progress_to_target"' in g.to_json()


def test_exports_keep_full_precision(tmp_path):
    s = scored(tmp_path, "r1,b,c,no,33,b\n")
    g = gaps(s, {"x": 3.3333333333333335, "y": 2.7182818284590455})
    rows = list(csv.DictReader(io.StringIO(g.to_csv())))
    for r in rows:
        j = g.nodes.index(r["node"])
        assert float(r["score"]) == s.get("r1", r["node"])
        assert float(r["target"]) == g.target[0, j]
        assert float(r["gap"]) == g.gap[0, j]
    doc = json.loads(g.to_json())
    assert doc["rows"][0]["nodes"]["y"]["target"] == 2.7182818284590455
    assert doc["rows"][0]["progress_to_target"] == g.progress[0]


def test_scores_round_trip_through_csv_and_json_with_profiles(tmp_path):
    from maturity.peers import load_peers
    from maturity.scores import Scores

    s = scored(tmp_path, "r1,b,b,no,5,a\n=r2,d,c,yes,55,b\n")
    s.to_csv(tmp_path / "s.csv")
    s.to_json(tmp_path / "s.json")
    for back in (
        Scores.from_csv(tmp_path / "s.csv", s.model),
        load_peers(tmp_path / "s.csv", s.model),
        load_peers(tmp_path / "s.json", s.model),
    ):
        assert back.ids == s.ids and back.nodes == s.nodes
        np.testing.assert_allclose(back.score, s.score, atol=1e-6)
        assert back.profiles == s.profiles


def test_scores_to_frame():
    pd = pytest.importorskip("pandas", reason="pandas not installed (the pandas extra)")
    s = score(read_responses(_csv(), Q), model())
    df = s.to_frame()
    assert isinstance(df, pd.DataFrame)
    assert len(df) == len(s.ids) * len(s.nodes)
    assert df.loc[df.node == "root", "score"].iloc[0] == pytest.approx(s.get("r1"))


def _csv():
    import tempfile
    from pathlib import Path

    p = Path(tempfile.mkdtemp()) / "a.csv"
    p.write_text("respondent_id,x1,x2,x3,y1,y2\nr1,b,c,yes,55,d\n")
    return p
