"""Gaps, priorities and progress against hand-worked numbers."""

import numpy as np
import pytest

from maturity.gap_analysis import gaps, global_weights, progress
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


def test_explicit_profile_and_number_targets(tmp_path):
    s = scored(tmp_path, "r1,d,d,yes,95,d\n")  # every score is 5
    g = gaps(s, {"x": 4, "y": 5})
    np.testing.assert_allclose(g.gap[0], [0, 0])
    assert g.progress[0] == 1.0 and g.priorities[0] == ()
    g2 = gaps(s, 6.0)
    np.testing.assert_allclose(g2.gap[0], [1, 1])
    with pytest.raises(ValueError, match="unknown node"):
        gaps(s, {"zz": 1})


def test_peer_quantile_target(tmp_path):
    s = scored(tmp_path, "r1,a,a,no,5,a\n")
    peers = scored(
        tmp_path, "p1,a,a,no,5,a\np2,b,b,no,5,b\np3,c,c,yes,55,c\np4,d,d,yes,95,d\n", "p.csv"
    )
    g = gaps(s, "p75", peers=peers)
    expected = np.percentile(
        peers.score[:, [peers.nodes.index("x"), peers.nodes.index("y")]], 75, axis=0
    )
    np.testing.assert_allclose(g.target[0], expected)
    with pytest.raises(ValueError, match="needs peers"):
        gaps(s, "p75")


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
