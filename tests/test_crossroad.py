"""Cross-road tests: every percentile, quartile and target reached through the command line and
files (``maturity score -o scores.json|csv`` → ``maturity benchmark`` / ``maturity gaps`` →
file) equals the one the Python API gives, on the shipped samples against the synthetic peers
and on generated populations with ties (hypothesis): equal to 1e-12 or identical.

These need scores files at full precision: a score rounded on the way through a file turns a
tie into "below" (company 3 among peers 1, 2, 3, 4 is at 62.5 through the API).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maturity.benchmarking import benchmark
from maturity.cli import main
from maturity.demo import sample_path
from maturity.gap_analysis import gaps
from maturity.io import read_responses
from maturity.model import load_model
from maturity.peers import load_peers
from maturity.responses import Profile
from maturity.scores import Scores
from maturity.scoring import score

STATS = ("percentile", "q1", "median", "q3", "p90", "mean", "sd", "z", "n")
QID = "i40-readiness"
MODELS = ("i40-readiness-weighted", "i40-readiness-weakest-link")


def same(a: float, b: float) -> bool:
    """Equal to 1e-12, or both missing."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 1e-12


def num(text: str) -> float:
    return float(text) if text not in ("", None) else math.nan


@functools.cache
def api_route(model_id: str) -> tuple[Scores, Scores]:
    model = load_model(model_id)
    scores = score(read_responses(sample_path(QID), model.questionnaire), model, by="company")
    return scores, load_peers("synthetic", model)


def run_cli(*argv: str) -> None:
    assert main(list(argv)) == 0


def benchmark_file_rows(path: Path) -> dict[tuple[str, str], dict[str, float]]:
    if path.suffix == ".json":
        doc = json.loads(path.read_text())
        return {
            (c["company"], node): {
                s: (math.nan if v[s] is None else float(v[s])) for s in (*STATS, "ci_low")
            }
            for c in doc["companies"]
            for node, v in c["nodes"].items()
        }
    rows = csv.DictReader(io.StringIO(path.read_text()))
    return {(r["company"], r["node"]): {s: num(r[s]) for s in (*STATS, "ci_low")} for r in rows}


@pytest.fixture(scope="module")
def score_files(tmp_path_factory):
    """``maturity score`` of the shipped sample, once per model and format."""
    tmp = tmp_path_factory.mktemp("crossroad")
    out = {}
    for model_id in MODELS:
        for ext in ("json", "csv"):
            path = tmp / f"{model_id}.{ext}"
            run_cli(
                "score",
                str(sample_path(QID)),
                "-q",
                QID,
                "-m",
                model_id,
                "--by-company",
                "-o",
                str(path),
            )
            out[(model_id, ext)] = path
    return out


@pytest.mark.parametrize(
    ("model_id", "scores_ext", "out_ext"),
    [
        (MODELS[0], "json", "json"),
        (MODELS[0], "json", "csv"),
        (MODELS[0], "csv", "json"),
        (MODELS[0], "csv", "csv"),
        (MODELS[1], "csv", "json"),
    ],
)
def test_benchmark_cli_equals_api(tmp_path, score_files, model_id, scores_ext, out_ext):
    scores, peers = api_route(model_id)
    expected = benchmark(scores, peers, interval=True)
    sfile = score_files[(model_id, scores_ext)]
    bfile = tmp_path / f"bench.{out_ext}"
    run_cli(
        "benchmark",
        str(sfile),
        "--peers",
        "synthetic",
        "-m",
        model_id,
        "--interval",
        "-o",
        str(bfile),
    )
    got = benchmark_file_rows(bfile)
    assert len(got) == len(expected.ids) * len(expected.nodes)
    bad = []
    for i, cid in enumerate(expected.ids):
        for j, node in enumerate(expected.nodes):
            for s in (*STATS, "ci_low"):
                want = float(getattr(expected, s)[i, j])
                if not same(got[(cid, node)][s], want):
                    bad.append((cid, node, s, got[(cid, node)][s], want))
    assert not bad, f"{len(bad)} figures differ, e.g. {bad[:5]}"


@pytest.mark.parametrize(
    ("scores_ext", "target"), [("json", "p50"), ("csv", "p75"), ("json", "p90")]
)
def test_gaps_cli_equals_api(tmp_path, score_files, scores_ext, target):
    model_id = MODELS[0]
    scores, peers = api_route(model_id)
    expected = gaps(scores, target, peers=peers)
    sfile = score_files[(model_id, scores_ext)]
    out = tmp_path / "gaps.csv"
    run_cli(
        "gaps",
        str(sfile),
        "-q",
        QID,
        "-m",
        model_id,
        "--target",
        target,
        "--peers",
        "synthetic",
        "-o",
        str(out),
    )
    rows = {(r["company"], r["node"]): r for r in csv.DictReader(io.StringIO(out.read_text()))}
    for i, cid in enumerate(expected.ids):
        for j, node in enumerate(expected.nodes):
            r = rows[(cid, node)]
            assert same(num(r["target"]), float(expected.target[i, j])), (cid, node)
            assert same(num(r["gap"]), float(expected.gap[i, j])), (cid, node)
            assert (r["note"] != "") == bool(expected.no_peer_target[i, j])


def test_gaps_from_answers_equal_api(tmp_path):
    """The same targets when ``maturity gaps`` scores the answers itself."""
    model_id = MODELS[0]
    scores, peers = api_route(model_id)
    expected = gaps(scores, "p75", peers=peers)
    out = tmp_path / "gaps.json"
    run_cli(
        "gaps",
        str(sample_path(QID)),
        "-q",
        QID,
        "-m",
        model_id,
        "--by-company",
        "--target",
        "p75",
        "--peers",
        "synthetic",
        "-o",
        str(out),
    )
    doc = json.loads(out.read_text())
    for i, row in enumerate(doc["rows"]):
        assert row["company"] == expected.ids[i]
        for j, node in enumerate(expected.nodes):
            t = row["nodes"][node]["target"]
            assert same(math.nan if t is None else t, float(expected.target[i, j]))


# --------------------------------------------------------------------------------------------
# Generated populations with ties
# --------------------------------------------------------------------------------------------

MODEL = load_model(MODELS[0])
# values with ties, and equal values computed two ways (different last bits)
TIED = [0.0, 1.0, 2.5, 5.0, 7 / 12 * 5, (1 / 3 + 1 / 4) * 5, 3.3, 3.3000000000000003]
SECTORS = ["28.41", "28.49", "25.11", None]
REGIONS = ["ITC4C", "ITC4B", "ITH35", None]


def make_scores(rows: list[tuple[int, int, int, list[float]]], prefix: str) -> Scores:
    nodes = tuple(MODEL.nodes)
    n = len(rows)
    arr = np.full((n, len(nodes)), np.nan)
    profiles = []
    for i, (sec, size, reg, vals) in enumerate(rows):
        for j in range(len(nodes)):
            arr[i, j] = vals[j % len(vals)]
        profiles.append(
            Profile(
                company=f"{prefix}{i}",
                sector=SECTORS[sec],
                employees=(5, 20, 100, 300)[size],
                region=REGIONS[reg],
            )
        )
    cov = np.where(np.isnan(arr), np.nan, 1.0)
    ids = tuple(f"{prefix}{i}" for i in range(n))
    return Scores(MODEL, ids, nodes, arr, cov, profiles=tuple(profiles))


row_strategy = st.tuples(
    st.integers(0, 3),
    st.integers(0, 3),
    st.integers(0, 3),
    st.lists(st.sampled_from(TIED), min_size=1, max_size=4),
)


def through_file(s: Scores, tmp: Path, ext: str) -> Scores:
    path = tmp / f"s-{id(s)}.{ext}"
    if path.exists():
        path.unlink()
    (s.to_json if ext == "json" else s.to_csv)(path)
    back = Scores.from_json(path, MODEL) if ext == "json" else Scores.from_csv(path, MODEL)
    return dataclasses.replace(back, synthetic=False)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(row_strategy, min_size=1, max_size=6),
    st.lists(row_strategy, min_size=1, max_size=40),
    st.sampled_from(["json", "csv"]),
    st.integers(1, 5),
)
def test_generated_populations_through_files(tmp_path, comp_rows, peer_rows, ext, min_group):
    comp = make_scores(comp_rows, "c")
    peers = make_scores(peer_rows, "p")
    api = benchmark(comp, peers, min_group=min_group)
    files = benchmark(
        through_file(comp, tmp_path, ext), through_file(peers, tmp_path, ext), min_group=min_group
    )
    for s in STATS:
        a, b = np.asarray(getattr(api, s), float), np.asarray(getattr(files, s), float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), s
        np.testing.assert_allclose(b[~np.isnan(b)], a[~np.isnan(a)], rtol=0, atol=1e-12, err_msg=s)
    # and the benchmark's own files keep every figure
    doc = json.loads(api.to_json())
    for i, c in enumerate(doc["companies"]):
        for j, node in enumerate(api.nodes):
            for s in STATS:
                v = c["nodes"][node][s]
                assert same(math.nan if v is None else float(v), float(getattr(api, s)[i, j]))


def test_company_three_among_one_to_four_through_files(tmp_path):
    """Issue 10's example: 62.5 through the API and through files."""
    peers = make_scores([(0, 0, 0, [v]) for v in (1.0, 2.0, 3.0, 4.0)], "p")
    comp = make_scores([(0, 0, 0, [3.0])], "c")
    api = benchmark(comp, peers, min_group=4)
    assert api.percentile[0, 0] == 62.5
    for ext in ("json", "csv"):
        back = benchmark(
            through_file(comp, tmp_path, ext), through_file(peers, tmp_path, ext), min_group=4
        )
        assert back.percentile[0, 0] == 62.5
    rows = list(csv.DictReader(io.StringIO(api.to_csv())))
    assert float(rows[0]["percentile"]) == 62.5


def test_a_tie_computed_two_ways_survives_the_files(tmp_path):
    a, b = 7 / 12 * 5, (1 / 3 + 1 / 4) * 5
    assert a != b
    peers = make_scores([(0, 0, 0, [v]) for v in (b, 1.0, 4.0, 0.5, 4.5)], "p")
    comp = make_scores([(0, 0, 0, [a])], "c")
    api = benchmark(comp, peers)
    assert api.percentile[0, 0] == 50.0  # two below, one tie, two above
    for ext in ("json", "csv"):
        back = benchmark(through_file(comp, tmp_path, ext), through_file(peers, tmp_path, ext))
        assert back.percentile[0, 0] == 50.0
