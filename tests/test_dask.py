"""maturity.dask on a distributed.LocalCluster with two workers: equal to the in-memory road."""

from __future__ import annotations

import dataclasses
import importlib.util

import numpy as np
import pytest

import maturity as mt
from maturity import synthetic
from maturity.errors import ResponseError
from maturity.io import read_responses, write_responses
from maturity.responses import Responses

pytestmark = [
    pytest.mark.skipif(
        importlib.util.find_spec("dask") is None or importlib.util.find_spec("distributed") is None,
        reason="Dask is not installed (pip install 'maturity[dask]')",
    ),
    # Dask's own Parquet code calls reset_index/set_index(inplace=True), deprecated in pandas 3.1
    pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame:Warning"),
]
needs_numba = pytest.mark.skipif(
    importlib.util.find_spec("numba") is None,
    reason="numba is not installed (pip install 'maturity[fast]')",
)


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """150 synthetic respondents of 60 companies (several with conflicting profiles), in
    three CSV files and three Parquet files, and the same answers in memory.
    """
    import pandas as pd

    d = tmp_path_factory.mktemp("dask")
    q = mt.load_questionnaire("i40-readiness")
    model = mt.load_model("i40-readiness-weighted", q)
    write_responses(synthetic.generate(q, 150, seed=1), d / "all.csv")
    df = pd.read_csv(d / "all.csv", dtype=str, keep_default_na=False)
    rng = np.random.default_rng(0)
    df["company"] = [f"c{x:03d}" for x in rng.integers(0, 60, len(df))]
    df.loc[rng.random(len(df)) < 0.1, "region"] = ""  # some unknown regions
    csvs, pqs = [], []
    for k in range(3):
        part = df.iloc[k * 50 : (k + 1) * 50]
        part.to_csv(d / f"a{k}.csv", index=False)
        part.to_parquet(d / f"a{k}.parquet", index=False)
        csvs.append(str(d / f"a{k}.csv"))
        pqs.append(str(d / f"a{k}.parquet"))
    parts = [read_responses(p, q) for p in csvs]
    everyone = Responses(q, tuple(r for part in parts for r in part.respondents))
    return {"q": q, "model": model, "df": df, "csv": csvs, "parquet": pqs, "all": everyone}


def _in_order(frame, ids, model):
    from maturity.dask import to_scores

    assert sorted(frame["id"]) == sorted(ids)
    return to_scores(frame.set_index("id").loc[list(ids)].reset_index(), model)


def _same(got, want, exact):
    assert got.ids == want.ids and got.nodes == want.nodes
    assert np.array_equal(np.isnan(got.score), np.isnan(want.score))
    assert np.array_equal(np.isnan(got.coverage), np.isnan(want.coverage))
    if exact:
        assert np.array_equal(got.score, want.score, equal_nan=True)
        assert np.array_equal(got.coverage, want.coverage, equal_nan=True)
    else:  # the numpy kernel's matrix products may round the last bit by block size
        np.testing.assert_allclose(got.score, want.score, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got.coverage, want.coverage, rtol=0, atol=1e-12)
    assert got.profiles == want.profiles
    assert np.array_equal(got.n_respondents, want.n_respondents)


@pytest.mark.parametrize("source", ["csv", "parquet"])
def test_score_by_respondent_from_many_files(client, data, source):
    import maturity.dask as mdask

    ddf = mdask.read_answers(data[source], data["q"])
    assert ddf.npartitions == 3
    got = mdask.score(ddf, data["model"]).compute()
    want = mt.score(data["all"], data["model"])
    _same(_in_order(got, want.ids, data["model"]), want, exact=False)


@needs_numba
def test_score_by_company_any_partitioning_is_identical(client, data):
    import dask.dataframe as dd

    import maturity.dask as mdask

    want = mt.score(data["all"], data["model"], by="company", engine="numba")
    assert len(want.ids) < len(data["all"]) and want.warnings  # merged, with conflicts
    for ddf in (dd.from_pandas(data["df"], npartitions=7),):  # read_answers: tests below
        got = mdask.score(
            ddf, data["model"], by="company", engine="numba", shuffle="tasks"
        ).compute()
        g = _in_order(got, want.ids, data["model"])
        _same(g, want, exact=True)
        assert np.array_equal(g.spread, want.spread, equal_nan=True)
        warned = got.set_index("id")["warnings"]
        for w in want.warnings:
            company = w.message.split("'")[1]
            assert str(w).split(": ", 1)[1] in warned[company]


def test_score_by_company_default_engine(client, data):
    import maturity.dask as mdask

    ddf = mdask.read_answers(data["csv"], data["q"])
    got = mdask.score(ddf, data["model"], by="company", combine="median", shuffle="tasks").compute()
    want = mt.score(data["all"], data["model"], by="company", combine="median")
    g = _in_order(got, want.ids, data["model"])
    _same(g, want, exact=False)
    np.testing.assert_allclose(g.spread, want.spread, rtol=0, atol=1e-12)


def test_a_bad_cell_names_its_file_and_line(client, data, tmp_path):
    import maturity.dask as mdask

    bad = data["df"].iloc[:5].copy()
    item = next(i.id for i in data["q"].items if i.kind == "scale")
    bad.iloc[2, bad.columns.get_loc(item)] = "bogus"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    ddf = mdask.read_answers([data["csv"][0], str(tmp_path / "bad.csv")], data["q"])
    with pytest.raises(ResponseError) as info:
        mdask.score(ddf, data["model"], by="company").compute()
    text = str(info.value)
    assert f"bad.csv:4:{list(bad.columns).index(item) + 1}: {item}: 'bogus'" in text
    with pytest.raises(ResponseError):
        ddf.compute()  # reading checks every partition too


def _problems(call):
    with pytest.raises(ResponseError) as info:
        call()
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("by", ["respondent", "company"])
def test_a_bad_parquet_file_gets_the_in_memory_readers_problems(client, data, tmp_path, by):
    # a Parquet file has records, not lines: Dask names them as read_responses does, also
    # after the shuffle by company
    import maturity.dask as mdask

    bad = data["df"].iloc[:12].copy()
    item = next(i.id for i in data["q"].items if i.kind == "scale")
    bad.iloc[7, bad.columns.get_loc(item)] = "bogus"
    bad.iloc[10, bad.columns.get_loc("respondent_id")] = bad.iloc[3]["respondent_id"]
    path = tmp_path / "bad.parquet"
    bad.to_parquet(path, index=False)
    want = _problems(lambda: read_responses(path, data["q"]))
    assert [w.split(": ")[1] for w in want] == [f"[8].{item}", "[11].respondent_id"]
    ddf = mdask.read_answers([data["parquet"][0], str(path)], data["q"])
    assert _problems(lambda: mdask.score(ddf, data["model"], by=by).compute()) == want
    # unchecked when read, the cells are checked where they are scored: after the shuffle
    # by company the rows of a file are apart, and keep their record numbers (a repeated id
    # in another company's partition is not seen: docs/dask.md)
    unchecked = mdask.read_answers([data["parquet"][0], str(path)], data["q"], check=False)
    got = _problems(lambda: mdask.score(unchecked, data["model"], by=by).compute())
    assert got == (want if by == "respondent" else want[:1])


@pytest.mark.parametrize("missing", ["none", "pd.NA", "nan"])
def test_a_missing_respondent_id_is_refused_as_in_memory(client, data, tmp_path, missing):
    import dask.dataframe as dd
    import pandas as pd

    import maturity.dask as mdask

    df = data["df"].iloc[:6].copy()
    ids = df["respondent_id"].astype(object)
    ids.iloc[4] = {"none": None, "pd.NA": pd.NA, "nan": float("nan")}[missing]
    df["respondent_id"] = ids
    path = tmp_path / "ids.parquet"
    df.to_parquet(path, index=False)
    want = _problems(lambda: read_responses(path, data["q"]))
    assert want == [f"{path}: [5].respondent_id: missing respondent_id [R007]"]
    got = _problems(lambda: mdask.read_answers([str(path)], data["q"]).compute())
    assert got == want
    # a frame made in memory has no file: the same problem, by line
    frame = dd.from_pandas(df, npartitions=2)
    (p,) = _problems(lambda: mdask.score(frame, data["model"]).compute())
    assert p.endswith("respondent_id: missing respondent_id [R007]")


def test_scores_and_benchmarks_are_written_to_parquet_as_the_docs_show(client, data, tmp_path):
    # docs/dask.md: mdask.score(...).to_parquet("scores/"); Dask writes from the frames'
    # types alone, so text columns must not be of pandas' object type
    import pandas as pd

    import maturity.dask as mdask

    model = data["model"]
    answers = mdask.read_answers(data["parquet"], data["q"])
    answers.to_parquet(tmp_path / "answers")  # the answers as read, with their file names
    read = pd.read_parquet(tmp_path / "answers")
    assert len(read) == len(data["all"]) and set(read["_file"]) == set(data["parquet"])
    scores = mdask.score(answers, model, by="company")
    scores.to_parquet(tmp_path / "scores")
    want = mt.score(data["all"], model, by="company")
    _same(_in_order(pd.read_parquet(tmp_path / "scores"), want.ids, model), want, exact=False)
    bench = mdask.benchmark(scores, model, by=("size_class",), min_group=3)
    bench.to_parquet(tmp_path / "bench")
    got = pd.read_parquet(tmp_path / "bench")
    assert sorted(got["id"]) == sorted(want.ids) and got["group"].notna().all()


@pytest.mark.parametrize("by", [("size_class", "region")])  # some regions are unknown
def test_benchmark_equals_the_in_memory_benchmark_without_widening(client, data, by):
    import maturity.dask as mdask

    model = data["model"]
    scores = mdask.score(mdask.read_answers(data["csv"], data["q"]), model).persist()
    got = mdask.benchmark(scores, model, by=by, min_group=3, shuffle="tasks").compute()
    # the peers are the companies' own scores as Dask computed them
    s = _in_order(scores.compute(), data["all"].ids, model)
    want = mt.benchmark(s, s, by=by, widen=(), min_group=3)
    g = got.set_index("id").loc[list(want.ids)]
    assert g["group_size"].tolist() == [grp.size for grp in want.groups]
    assert g["sufficient"].tolist() == [grp.sufficient for grp in want.groups]
    assert g["sufficient"].any()
    for stat in ("percentile", "q1", "median", "q3", "mean", "p90", "sd", "z", "n"):
        arr = np.column_stack([g[f"{stat}:{n}"].to_numpy(float) for n in want.nodes])
        assert np.array_equal(arr, getattr(want, stat), equal_nan=True), stat


def test_scores_frame_round_trip(data):
    from maturity.dask import scores_frame, to_scores

    s = mt.score(data["all"], data["model"], by="company")
    back = to_scores(scores_frame(s), data["model"])
    _same(back, s, exact=True)
    assert np.array_equal(back.spread, s.spread, equal_nan=True)
    r = dataclasses.replace(s, spread=None)
    assert to_scores(scores_frame(r), data["model"]).spread is None
