"""The same engine over Dask: answers, scores and benchmarks beyond one machine.

Needs ``pip install "maturity[dask]"`` (``dask[dataframe]`` and ``distributed``); nothing here
is imported by ``import maturity``.

- :func:`read_answers`: many CSV or Parquet answer files → a Dask DataFrame of answers, one
  partition per file, our checks (:func:`maturity.io.check.check_table`) applied per partition
  with the file and line of every problem;
- :func:`score`: a Dask DataFrame of answers (our columns, cells as in our CSV: option codes,
  numbers, ``yes``/``no``, ``n/a``, ``dont_know``), partitioned any way → a Dask DataFrame of
  scores, one row per respondent or per company (``by="company"`` shuffles by company first,
  keeping the answers' order inside each company, so the result equals
  :func:`maturity.score` on the whole file);
- :func:`benchmark`: scores against peers with exact statistics per peer group: rows are
  shuffled by a key that every member of a group shares, then each partition runs
  :func:`maturity.benchmarking.benchmark` (the same numpy code as in memory);
- :func:`scores_frame` / :func:`to_scores`: a :class:`~maturity.scores.Scores` as one pandas
  frame (the layout of a partition) and back.

Layout of a scores frame: ``id``, ``n_respondents``, the profile (``company``, ``sector``,
``size_class``, ``employees``, ``turnover``, ``balance_sheet``, ``region``, ``date`` as ISO
text), then per node ``score:<node>`` and ``coverage:<node>`` (and ``spread:<node>`` for
companies), and ``warnings`` (the merge warnings of a company, one per line); text columns
of pandas' ``string`` type and ``employees`` ``Int64``, which Dask writes (``to_parquet``)
from the types alone. See ``docs/dask.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    from maturity.model import ScoringModel
    from maturity.questionnaire import Questionnaire
    from maturity.responses import Responses
    from maturity.scores import Scores

__all__ = ["benchmark", "read_answers", "score", "scores_frame", "to_scores"]

#: Columns added by :func:`read_answers`: the file of each row, its line (CSV) or its record
#: number (Parquet, which has no lines), and its place in the whole input (partition, row),
#: which keeps the order of respondents through a shuffle.
FILE, LINE, RECORD, ORDER = "_file", "_line", "_record", "_order"
_WHERE = (FILE, LINE, RECORD, ORDER)
_PROFILE = ("company", "sector", "size_class", "employees", "turnover", "balance_sheet", "region")
#: The dtype of text columns in our frames: pandas' string type (missing: ``pd.NA``), which
#: Dask can write (to Parquet, say) without looking at the values; and of the numeric profile
#: fields (missing: ``pd.NA`` for the integer, NaN for the amounts).
_TEXT = "string"
_PROFILE_DTYPES = {"employees": "Int64", "turnover": "float64", "balance_sheet": "float64"}
_STATS = ("percentile", "q1", "median", "q3", "mean", "p90", "sd", "z")


def _dd() -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError('maturity.dask needs Dask: pip install "maturity[dask]"') from None
    return dd


# -- reading ----------------------------------------------------------------------------------


def read_answers(
    paths: str | Path | Sequence[str | Path],
    questionnaire: Questionnaire,
    *,
    format: Literal["auto", "csv", "parquet"] = "auto",
    check: bool = True,
) -> Any:
    """Answer files (CSV or Parquet; a glob, a path or a list) as a Dask DataFrame.

    One partition per file; cells are kept as read (text for CSV). Each partition is checked
    against ``questionnaire`` by :func:`maturity.io.check.check_table` when computed: a bad
    cell raises :class:`~maturity.errors.ResponseError` naming the file and the line and
    column (CSV) or the record and column (Parquet: ``[8].item``), as
    :func:`maturity.read_responses` does. CSV files are read as UTF-8 with a comma (our
    writers' dialect). Adds the columns ``_file``, ``_line`` (CSV) or ``_record`` (Parquet)
    and ``_order`` (see :data:`FILE`). :func:`score` checks every
    partition again as it builds the answers, with the same messages: ``check=False`` saves
    that work when the frame only feeds :func:`score`.
    """
    dd = _dd()
    import glob

    given = [str(p) for p in ([paths] if isinstance(paths, str | Path) else paths)]
    items = [f for p in given for f in (sorted(glob.glob(p)) if glob.has_magic(p) else [p])]
    if not items:
        raise FileNotFoundError(f"no answer files match {', '.join(given)}")
    kind = format
    if kind == "auto":
        kind = "parquet" if all(p.endswith((".parquet", ".pq")) for p in items) else "csv"
    if kind == "csv":
        ddf = dd.read_csv(
            items,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            blocksize=None,
            include_path_column=FILE,
        )
        ddf[FILE] = ddf[FILE].astype(_TEXT)
    elif kind == "parquet":
        ddf = dd.read_parquet(items, split_row_groups=False)
        ddf = ddf.map_partitions(_with_file, items, meta=_meta_with_file(ddf._meta))
    else:
        raise ValueError(f"unknown format '{format}' (formats: auto, csv, parquet)")
    records = kind == "parquet"
    ddf = ddf.map_partitions(
        _numbered, records=records, meta=_meta_numbered(ddf._meta, records=records)
    )
    if not check:
        return ddf
    return ddf.map_partitions(_checked, questionnaire, meta=ddf._meta)


def _with_file(pdf: Any, files: list[str], partition_info: Any = None) -> Any:
    import pandas as pd

    out = pdf.copy()
    k = partition_info["number"] if partition_info else 0
    name = files[k] if k < len(files) else "<parquet>"
    out[FILE] = pd.Series(name, index=out.index, dtype=_TEXT)
    return out


def _meta_with_file(meta: Any) -> Any:
    import pandas as pd

    out = meta.copy()
    out[FILE] = pd.Series([], index=out.index, dtype=_TEXT)
    return out


def _numbered(pdf: Any, partition_info: Any = None, records: bool = False) -> Any:
    import numpy as np

    out = pdf.copy()
    k = partition_info["number"] if partition_info else 0
    rows = np.arange(len(out), dtype=np.int64)
    if records:
        out[RECORD] = rows + 1  # one partition per file: the file's records from 1
    else:
        out[LINE] = rows + 2  # the header is line 1
    out[ORDER] = (np.int64(k) << np.int64(32)) + rows
    return out


def _meta_numbered(meta: Any, records: bool = False) -> Any:
    out = meta.copy()
    out[RECORD if records else LINE] = out.index.astype("int64")
    out[ORDER] = out.index.astype("int64")
    return out


def _checked(pdf: Any, q: Questionnaire) -> Any:
    _responses(pdf, q)  # raises ResponseError on a bad cell
    return pdf


def _responses(pdf: Any, q: Questionnaire) -> Responses:
    """The answers of one partition, checked; in ``_order`` when it is there. Rows from
    several files (after a shuffle) are checked file by file, so errors name the right file.
    """
    from maturity.io.check import check_table
    from maturity.io.table import RawTable
    from maturity.responses import Respondent, Responses

    if ORDER in pdf.columns:
        pdf = pdf.sort_values(ORDER, kind="stable")
    columns = tuple(c for c in pdf.columns if c not in _WHERE)
    files = pdf[FILE].tolist() if FILE in pdf.columns else ["<dask>"] * len(pdf)
    lines = pdf[LINE].tolist() if LINE in pdf.columns else None
    records = pdf[RECORD].tolist() if RECORD in pdf.columns else None
    cells = {c: [_cell(v) for v in pdf[c].tolist()] for c in columns}
    people: list[Respondent] = []
    start = 0
    for end in [*(i for i in range(1, len(files)) if files[i] != files[i - 1]), len(files)]:
        table = RawTable(
            files[start] if files else "<dask>",
            columns,
            {c: v[start:end] for c, v in cells.items()},
            end - start,
            lines=None if lines is None else lines[start:end],
            positions={c: k + 1 for k, c in enumerate(columns)},
            record_numbers=None if records is None else records[start:end],
        )
        people.extend(check_table(table, q).respondents)
        start = end
    return Responses(q, tuple(people), q.id, q.version, files[0] if files else "<dask>")


def _missing(v: Any) -> bool:
    """Whether ``v`` is a missing value of Python or pandas (``None``, NaN, ``pd.NA``,
    ``NaT``).
    """
    import pandas as pd

    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v)


def _cell(v: Any) -> Any:
    """A cell of a pandas frame as :class:`~maturity.io.table.RawTable` takes it: a missing
    value (:func:`_missing`) as an empty cell.
    """
    if _missing(v):
        return None
    if hasattr(v, "item") and not isinstance(v, str | bytes):
        return v.item()  # numpy scalar → Python
    return v


# -- scoring ----------------------------------------------------------------------------------


def scores_frame(scores: Scores) -> Any:
    """A :class:`~maturity.scores.Scores` as one pandas DataFrame (the module's layout)."""
    import numpy as np
    import pandas as pd

    n = len(scores.ids)
    cols: dict[str, Any] = {"id": pd.Series(list(scores.ids), dtype=_TEXT)}
    counts = scores.n_respondents if scores.n_respondents is not None else np.ones(n, np.int64)
    cols["n_respondents"] = np.asarray(counts, dtype=np.int64)
    profiles = scores.profiles or ()
    for name in _PROFILE:
        values = [getattr(p, name) for p in profiles] if profiles else [None] * n
        cols[name] = pd.Series(values, dtype=_PROFILE_DTYPES.get(name, _TEXT))
    cols["date"] = pd.Series(
        [p.date.isoformat() if p.date else None for p in profiles] if profiles else [None] * n,
        dtype=_TEXT,
    )
    for j, node in enumerate(scores.nodes):
        cols[f"score:{node}"] = scores.score[:, j]
        cols[f"coverage:{node}"] = scores.coverage[:, j]
        if scores.spread is not None:
            cols[f"spread:{node}"] = scores.spread[:, j]
    by_company: dict[str, list[str]] = {}
    for w in scores.warnings:
        company = w.message.split("'")[1] if "'" in w.message else ""
        by_company.setdefault(company, []).append(str(w))
    cols["warnings"] = pd.Series(
        ["\n".join(by_company.get(i, [])) for i in scores.ids], dtype=_TEXT
    )
    return pd.DataFrame(cols)


def to_scores(frame: Any, model: ScoringModel) -> Scores:
    """A pandas frame in the layout of :func:`scores_frame` (a computed Dask result, say) as
    :class:`~maturity.scores.Scores` (without answers: no :meth:`~Scores.explain`).
    """
    import datetime as _dt

    import numpy as np

    from maturity.responses import Profile
    from maturity.scores import Scores

    nodes = tuple(c.split(":", 1)[1] for c in frame.columns if c.startswith("score:"))

    def block(prefix: str) -> Any:
        return np.column_stack([frame[f"{prefix}:{n}"].to_numpy(dtype=float) for n in nodes])

    def val(v: Any) -> Any:
        return None if _missing(v) else v

    profiles = tuple(
        Profile(
            company=val(r["company"]),
            sector=val(r["sector"]),
            employees=None if val(r["employees"]) is None else int(r["employees"]),
            turnover=None if val(r["turnover"]) is None else float(r["turnover"]),
            balance_sheet=None if val(r["balance_sheet"]) is None else float(r["balance_sheet"]),
            region=val(r["region"]),
            date=_dt.date.fromisoformat(r["date"]) if val(r["date"]) else None,
        )
        for r in frame.to_dict("records")
    )
    has_spread = bool(nodes) and f"spread:{nodes[0]}" in frame.columns
    return Scores(
        model,
        tuple(str(x) for x in frame["id"]),
        nodes,
        block("score").reshape(len(frame), len(nodes)),
        block("coverage").reshape(len(frame), len(nodes)),
        profiles=profiles,
        spread=block("spread").reshape(len(frame), len(nodes)) if has_spread else None,
        n_respondents=frame["n_respondents"].to_numpy(dtype=np.int64),
    )


def _score_partition(
    pdf: Any,
    q: Questionnaire,
    model: ScoringModel,
    by: str,
    combine: str | None,
    engine: str | None,
) -> Any:
    from maturity.scoring import score as score_all

    responses = _responses(pdf, q)
    s = score_all(responses, model, by=by, combine=combine, engine=engine)  # type: ignore[arg-type]
    return scores_frame(s)


def _meta_scores(model: ScoringModel, by: str) -> Any:
    import numpy as np

    from maturity.scores import Scores

    k = len(model.nodes)
    empty = Scores(
        model,
        (),
        model.nodes,
        np.empty((0, k)),
        np.empty((0, k)),
        spread=np.empty((0, k)) if by == "company" else None,
        n_respondents=np.empty(0, dtype=np.int64),
    )
    return scores_frame(empty)


def _company_key(pdf: Any) -> Any:
    company = pdf["company"] if "company" in pdf.columns else None
    key = pdf["respondent_id"].astype(str)
    if company is not None:
        c = company.where(company.notna(), "").astype(str)
        key = c.where(c != "", key)
    return key


def score(
    answers: Any,
    model: ScoringModel,
    *,
    by: Literal["respondent", "company"] = "respondent",
    combine: Literal["mean", "median"] | None = None,
    engine: str | None = None,
    shuffle: str | None = None,
) -> Any:
    """Score a Dask DataFrame of answers: a Dask DataFrame of scores (layout: module doc).

    ``answers`` has our columns (``respondent_id``, profile fields, item ids), cells as in
    our CSV, partitioned any way (from :func:`read_answers`, or ``dd.from_pandas``).
    ``by="company"`` first shuffles the answers by company (the ``company`` column, else the
    respondent id) so that every company's respondents meet in one partition, in their
    original order; each partition is then scored by :func:`maturity.score`. ``shuffle`` is
    Dask's shuffle method (``"p2p"``, ``"tasks"``, ``"disk"``; default: Dask's choice).
    Lazy: nothing runs until computed.
    """
    if by not in ("respondent", "company"):
        raise ValueError("by must be 'respondent' or 'company'")
    q = model.questionnaire
    ddf = answers
    if ORDER not in ddf.columns:
        ddf = ddf.map_partitions(_numbered, meta=_meta_numbered(ddf._meta))
    if by == "company":
        meta = ddf._meta.copy()
        meta["_company"] = meta["respondent_id"].astype(str)
        ddf = ddf.map_partitions(lambda p: p.assign(_company=_company_key(p)), meta=meta)
        ddf = ddf.shuffle(on="_company", method=shuffle).map_partitions(
            lambda p: p.drop(columns="_company"), meta=ddf._meta.drop(columns="_company")
        )
    return ddf.map_partitions(
        _score_partition, q, model, by, combine, engine, meta=_meta_scores(model, by)
    )


# -- benchmarking -----------------------------------------------------------------------------

_PARTITION_FIELDS = ("sector", "region", "size_class")


def _group_key(pdf: Any, by: Sequence[str]) -> Any:
    """A key that every member of a peer group shares: the NACE section, the country and the
    size class of the ``by`` fields ("?" where a field is unknown).
    """
    import pandas as pd

    from maturity.classify import nace_ancestors

    def part(name: str, v: Any) -> str:
        if _missing(v) or v == "":
            return "?"
        s = str(v)
        if name == "sector":
            try:
                return nace_ancestors(s)[-1]
            except ValueError:
                return "?"
        if name == "region":
            return s[:2]
        return s

    rows = zip(*(pdf[f].tolist() for f in by), strict=True) if by else iter([()] * len(pdf))
    return pd.Series(
        ["|".join(part(f, v) for f, v in zip(by, r, strict=True)) for r in rows],
        index=pdf.index,
        dtype=object,
    )


def _bench_partition(
    pdf: Any, model: ScoringModel, by: tuple[str, ...], min_group: int, synthetic: bool
) -> Any:
    from maturity.benchmarking import benchmark as bench

    companies = pdf[pdf["_role"] == "company"].drop(columns=["_role", "_key"])
    peers = pdf[pdf["_role"] == "peer"].drop(columns=["_role", "_key"])
    if companies.empty:
        return _meta_bench(model)
    s = to_scores(companies.reset_index(drop=True), model)
    p = to_scores(peers.reset_index(drop=True), model)
    if synthetic:
        import dataclasses

        p = dataclasses.replace(p, synthetic=True)
    result = bench(s, p, by=by, widen=(), min_group=min_group)
    return _bench_frame(result)


def _bench_frame(result: Any) -> Any:
    import numpy as np
    import pandas as pd

    cols: dict[str, Any] = {"id": pd.Series(list(result.ids), dtype=_TEXT)}
    cols["group"] = pd.Series([g.describe() for g in result.groups], dtype=_TEXT)
    cols["group_size"] = np.array([g.size for g in result.groups], dtype=np.int64)
    cols["sufficient"] = np.array([g.sufficient for g in result.groups], dtype=bool)
    for j, node in enumerate(result.nodes):
        for stat in _STATS:
            cols[f"{stat}:{node}"] = np.asarray(getattr(result, stat))[:, j].astype(float)
        cols[f"n:{node}"] = np.asarray(result.n)[:, j].astype(np.int64)
    return pd.DataFrame(cols)


def _meta_bench(model: ScoringModel) -> Any:
    import numpy as np
    import pandas as pd

    cols: dict[str, Any] = {
        "id": pd.Series([], dtype=_TEXT),
        "group": pd.Series([], dtype=_TEXT),
        "group_size": np.empty(0, np.int64),
        "sufficient": np.empty(0, bool),
    }
    for node in model.nodes:
        for stat in _STATS:
            cols[f"{stat}:{node}"] = np.empty(0, float)
        cols[f"n:{node}"] = np.empty(0, np.int64)
    return pd.DataFrame(cols)


def benchmark(
    scores: Any,
    model: ScoringModel,
    *,
    peers: Any = None,
    by: Sequence[str] = ("sector", "size_class", "region"),
    min_group: int = 5,
    synthetic_peers: bool = False,
    shuffle: str | None = None,
) -> Any:
    """Every company of ``scores`` against its peer group in ``peers`` (default: ``scores``
    itself, each company left out of its own group), as a Dask DataFrame: ``id``, ``group``
    (its description), ``group_size``, ``sufficient``, and per node the statistics of
    :class:`~maturity.benchmarking.Benchmark` (``percentile:<node>``, ``median:<node>``, …,
    ``n:<node>``).

    Peer groups are the exact cells of the ``by`` fields (no widening): the statistics equal
    those of ``maturity.benchmark(..., widen=())`` in memory. Companies and peers are
    shuffled by a key every member of a group shares (NACE section, country, size class);
    rows whose key is unknown for a field (a company that starts at "all" for it) are
    grouped in one extra partition per pattern of unknown fields with every peer. ``scores``
    and ``peers`` are Dask DataFrames in the layout of :func:`score`; ``shuffle`` is Dask's
    shuffle method (default: Dask's choice).
    """
    dd = _dd()
    by = tuple(by)
    bad = [f for f in by if f not in _PARTITION_FIELDS]
    if bad:
        raise ValueError(
            f"maturity.dask.benchmark groups by {', '.join(_PARTITION_FIELDS)} only, not "
            f"{', '.join(bad)}"
        )
    peer_ddf = scores if peers is None else peers
    meta = scores._meta.assign(_role="company", _key="")

    def keyed(frame: Any, role: str, fields: tuple[str, ...]) -> Any:
        return frame.map_partitions(
            lambda p: p.assign(_role=role, _key=_group_key(p, fields)), meta=meta
        )

    companies = keyed(scores, "company", by)
    patterns = companies["_key"].map_partitions(
        lambda s: s.map(lambda k: "".join("1" if x == "?" else "0" for x in k.split("|"))),
        meta=("_key", object),
    )
    found = sorted(set(patterns.unique().compute().tolist()))
    parts = []
    for pattern in found:
        known = tuple(f for f, unknown in zip(by, pattern, strict=False) if unknown == "0")
        mine = companies[patterns == pattern] if len(found) > 1 else companies
        both = dd.concat([keyed(mine, "company", known), keyed(peer_ddf, "peer", known)])
        shuffled = both.shuffle(on="_key", method=shuffle)
        parts.append(
            shuffled.map_partitions(
                _bench_partition, model, by, min_group, synthetic_peers, meta=_meta_bench(model)
            )
        )
    return parts[0] if len(parts) == 1 else dd.concat(parts)
