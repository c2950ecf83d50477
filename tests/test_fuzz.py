"""Fuzzing every reader: random bytes and mutated shipped files give a located error or a result.

Every reader of a file that comes from outside is fed random bytes and mutations of the files
that ship with the package (a byte range cut, replaced or repeated; a number replaced by a
401-digit integer, ``1e999``, ``.nan``; a line doubled; the text cut short; and so on). The
outcome must be a result, or a :class:`~maturity.errors.MaturityError` that names the file
and prints as one line per problem; any other exception (``OverflowError``, ``KeyError``,
``RecursionError``, ...) fails the test. Where the error points is the registry's to say:
a file read as text (``AnswersFormat.reads_text``: CSV, JSON, a tool's CSV export; and every
YAML, scores and peers file) must name a line when it has more than one; a binary file
(Parquet, Arrow IPC, a spreadsheet) has no lines, and names the file (``file[sheet]`` for a
sheet).

The readers are found, not listed: every answers format registered in
``maturity.io.registry.ANSWERS`` (so formats added later are fuzzed too), each fed the files
our writers write and its own kind of file (the collection tools' exports in
``tests/data/formats``, a filled interview workbook), mutated as bytes and, for binary and
JSON files, as structures (a workbook's cells and sheets, a Parquet or Arrow table's columns
and types, a JSON tree: a byte changed inside a compressed file only breaks the container);
the questionnaire, scoring-model, target-profile and mapping loaders and every shipped action
catalogue; peer and scores files.

The normal run is short and reproducible (``derandomize``); ``MATURITY_FUZZ=long`` (used by
``.ci/run``) explores many more random examples.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import maturity as mt
from maturity.demo import sample_path
from maturity.errors import MaturityError, ResponseError, SpecError
from maturity.io import format_for_reading
from maturity.io.registry import ANSWERS

LONG = os.environ.get("MATURITY_FUZZ", "") == "long"
ROOT = Path(__file__).resolve().parent.parent

FUZZ = settings(
    max_examples=400 if LONG else 20,
    deadline=None,
    derandomize=not LONG,
    database=None,
    # the short run reports a failing input as found; the long one also shrinks it
    phases=list(Phase) if LONG else [Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

Q = mt.load_questionnaire("i40-readiness")
MODEL = mt.load_model("i40-readiness-weighted")

# --------------------------------------------------------------------------------------
# the inputs: shipped files and their mutations


def _shipped_answers() -> list[bytes]:
    """The shipped sample answers as a file, and as written by every registered writer."""
    answers = mt.read_responses(sample_path("i40-readiness"), Q)
    out = [sample_path("i40-readiness").read_bytes()]
    out += [f.write(answers, {}) for f in ANSWERS if f.write is not None]
    return out


ANSWER_FILES = _shipped_answers()


def _scores_files() -> dict[str, bytes]:
    """The sample companies' scores as written by ``Scores.to_json`` and ``to_csv``."""
    import tempfile

    scores = mt.score(mt.read_responses(sample_path("i40-readiness"), Q), MODEL, by="company")
    with tempfile.TemporaryDirectory() as tmp:
        scores.to_json(Path(tmp) / "s.json")
        scores.to_csv(Path(tmp) / "s.csv")
        return {k: (Path(tmp) / f"s.{k}").read_bytes() for k in ("json", "csv")}


SCORES_FILES = _scores_files()


_NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")

#: What a number may be replaced with: too large for a float, not finite, not a number.
NASTY_NUMBERS = [
    b"9" * 401,
    b"-" + b"9" * 401,
    b"9" * 5000,
    b"1e999",
    b"-1e999",
    b".nan",
    b".inf",
    b"NaN",
    b"Infinity",
    b"0x" + b"f" * 300,
    b"1e-999",
    b"-0",
    b"0o777777777777777777777777777777",
    b'""',
    b"[]",
    b"{}",
    b"null",
    b"true",
    b"'\\ud800'",
    b'"\\ud800"',
]

#: Bytes that break parsers in interesting ways.
NASTY_BYTES = [
    b"\x00",
    b"\r",
    b"\n",
    b"\r\n",
    b'"',
    b"'",
    b"\\",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",  # a UTF-8-encoded surrogate
    b"\x81",  # undefined in Windows-1252
    b"[" * 200,
    b"{" * 200,
    b"- " * 100,
    b"&a ",
    b"*a",
    b"!!python/object:os.system ",
    b"\t",
    b"\xe2\x80\xa8",  # LINE SEPARATOR
    b"=cmd|' /C calc'!A0",
    b"sep=;\n",
    b";" * 300,
    b"," * 300,
]


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with one to three mutations."""
    data = original
    for _ in range(draw(st.integers(1, 3))):
        n = len(data)
        kind = draw(
            st.sampled_from(
                ["cut", "insert", "replace", "number", "line", "truncate", "nasty", "swap"]
            )
        )
        i = draw(st.integers(0, n))
        j = min(n, i + draw(st.integers(0, 64)))
        if kind == "cut":
            data = data[:i] + data[j:]
        elif kind == "insert":
            data = data[:i] + draw(st.binary(min_size=1, max_size=32)) + data[i:]
        elif kind == "replace":
            data = data[:i] + draw(st.binary(max_size=16)) + data[j:]
        elif kind == "number":
            numbers = list(_NUMBER.finditer(data))
            if numbers:
                m = numbers[draw(st.integers(0, len(numbers) - 1))]
                data = data[: m.start()] + draw(st.sampled_from(NASTY_NUMBERS)) + data[m.end() :]
        elif kind == "line":
            lines = data.splitlines(keepends=True)
            if lines:
                k = draw(st.integers(0, len(lines) - 1))
                data = b"".join([*lines[: k + 1], lines[k], *lines[k + 1 :]])
        elif kind == "truncate":
            data = data[:i]
        elif kind == "nasty":
            data = data[:i] + draw(st.sampled_from(NASTY_BYTES)) + data[i:]
        else:  # swap two lines
            lines = data.splitlines(keepends=True)
            if len(lines) > 1:
                a = draw(st.integers(0, len(lines) - 1))
                b = draw(st.integers(0, len(lines) - 1))
                lines[a], lines[b] = lines[b], lines[a]
                data = b"".join(lines)
    return data


#: Values a mutated YAML tree may hold where the format expects something else.
YAML_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["", "root", "en", "it", "a.b", "none", "weighted_mean", ">=1.0,<2"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)


@st.composite
def mutated_tree(draw: st.DrawFn, original: bytes, fmt: str = "yaml") -> bytes:
    """``original`` (YAML, or JSON if ``fmt`` is ``"json"``) read, one to three of its values
    (or keys) replaced, written back: well-formed files with the wrong types, values and keys
    in the wrong places."""
    import json

    import yaml

    data = json.loads(original) if fmt == "json" else yaml.safe_load(original)
    for _ in range(draw(st.integers(1, 3))):
        node, path = data, []
        while isinstance(node, dict | list) and node and draw(st.integers(0, 3)):
            key = draw(
                st.sampled_from(
                    sorted(node, key=str) if isinstance(node, dict) else range(len(node))
                )
            )
            path.append((node, key))
            node = node[key]
        if not path:
            continue
        parent, key = path[-1]
        action = draw(st.sampled_from(["replace", "delete", "rename"]))
        if action == "replace":
            parent[key] = draw(YAML_VALUES)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = parent.pop(key)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=draw(st.booleans()), indent=1).encode("utf-8")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


#: Scalars a cell of a binary file may hold where the format expects something else.
CELL_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.text(max_size=40),
    st.sampled_from(["", " ", "n/a", "dont_know", "=1+1", "'=x", "yes", "1e999", "12,5", "a|b"]),
    st.dates(),
    st.datetimes(),
)


@st.composite
def _arrow_column(draw: st.DrawFn, n: int) -> Any:
    """An Arrow column of ``n`` values of any type: what a Parquet or Arrow file may hold."""
    import datetime as dt
    from decimal import Decimal

    import pyarrow as pa

    kind = draw(
        st.sampled_from(
            [
                "text",
                "int",
                "uint",
                "float",
                "bool",
                "date",
                "timestamp",
                "time",
                "duration",
                "decimal",
                "binary",
                "list",
                "struct",
                "null",
                "dictionary",
                "mixed-text",
            ]
        )
    )
    if kind == "null":
        return pa.nulls(n)
    if kind == "text":
        return pa.array(draw(st.lists(st.none() | st.text(max_size=30), min_size=n, max_size=n)))
    if kind == "mixed-text":  # what a cell rule meets: codes, markers, numbers as text
        return pa.array(
            [
                None if v is None else str(v)
                for v in draw(st.lists(CELL_VALUES, min_size=n, max_size=n))
            ]
        )
    if kind == "dictionary":
        texts = draw(st.lists(st.text(max_size=10), min_size=n, max_size=n))
        return pa.array(texts).dictionary_encode()
    if kind in ("int", "uint"):
        lo, hi, t = (
            (-(2**63), 2**63 - 1, pa.int64()) if kind == "int" else (0, 2**64 - 1, pa.uint64())
        )
        return pa.array(draw(st.lists(st.none() | st.integers(lo, hi), min_size=n, max_size=n)), t)
    if kind == "float":
        return pa.array(
            draw(st.lists(st.none() | st.floats(), min_size=n, max_size=n)), pa.float64()
        )
    if kind == "bool":
        return pa.array(draw(st.lists(st.none() | st.booleans(), min_size=n, max_size=n)))
    if kind == "date":
        return pa.array(draw(st.lists(st.none() | st.dates(), min_size=n, max_size=n)))
    if kind == "timestamp":
        return pa.array(draw(st.lists(st.none() | st.datetimes(), min_size=n, max_size=n)))
    if kind == "time":
        return pa.array([dt.time(draw(st.integers(0, 23)), 30)] * n)
    if kind == "duration":
        return pa.array([dt.timedelta(seconds=draw(st.integers(-(10**9), 10**9)))] * n)
    if kind == "decimal":
        return pa.array([Decimal(draw(st.sampled_from(["1.5", "-0.001", "1e20", "3"])))] * n)
    if kind == "binary":
        return pa.array(draw(st.lists(st.binary(max_size=10), min_size=n, max_size=n)))
    if kind == "list":
        return pa.array(
            draw(
                st.lists(
                    st.none() | st.lists(st.text(max_size=5), max_size=3), min_size=n, max_size=n
                )
            )
        )
    return pa.array([{"a": draw(st.integers(0, 9)), "b": "x"}] * n)


@st.composite
def mutated_table(draw: st.DrawFn, original: bytes, fmt: str) -> bytes:
    """A Parquet or Arrow IPC file (``fmt``) read, one to three of its columns replaced by a
    column of another type, renamed (to a name of another column, too), dropped or added, or
    its rows cut, and written back: well-formed files with the wrong types and names."""
    import io

    import pyarrow as pa
    import pyarrow.ipc as ipc
    import pyarrow.parquet as pq

    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(original))
    else:
        table = ipc.open_file(pa.BufferReader(original)).read_all()
    for _ in range(draw(st.integers(1, 3))):
        names = table.column_names
        j = draw(st.integers(0, max(0, len(names) - 1)))
        action = draw(st.sampled_from(["replace", "replace", "rename", "drop", "add", "slice"]))
        if action == "replace" and names:
            table = table.set_column(j, names[j], draw(_arrow_column(table.num_rows)))
        elif action == "rename" and names:
            new = draw(st.sampled_from(names) | st.text(max_size=12))
            table = table.rename_columns([new if k == j else c for k, c in enumerate(names)])
        elif action == "drop" and names:
            table = table.remove_column(j)
        elif action == "add":
            name = draw(st.text(max_size=12))
            table = table.append_column(name, draw(_arrow_column(table.num_rows)))
        elif action == "slice":
            table = table.slice(0, draw(st.integers(0, table.num_rows)))
    buf = io.BytesIO()
    try:
        if fmt == "parquet":
            pq.write_table(table, buf)
        else:
            with ipc.new_file(buf, table.schema) as writer:
                writer.write_table(table)
    except (pa.ArrowException, ValueError, TypeError):  # a type the format cannot store
        return original
    return buf.getvalue()


@st.composite
def mutated_workbook(draw: st.DrawFn, original: bytes) -> bytes:
    """A spreadsheet read with openpyxl, one to four of its cells set to any value (text,
    numbers beyond a float, dates, formulas), or a sheet renamed, hidden, removed or added,
    rows or columns inserted, and written back: well-formed workbooks with the wrong
    contents."""
    import io

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = load_workbook(io.BytesIO(original))
    for _ in range(draw(st.integers(1, 4))):
        ws = draw(st.sampled_from(wb.worksheets))
        action = draw(
            st.sampled_from(["cell", "cell", "cell", "rename", "hide", "remove", "add", "insert"])
        )
        try:
            if action == "cell":
                row = draw(st.integers(1, ws.max_row + 1))
                col = draw(st.integers(1, ws.max_column + 1))
                ws.cell(row, col).value = draw(CELL_VALUES)
            elif action == "rename":
                ws.title = draw(st.text(min_size=1, max_size=31))
            elif action == "hide":
                ws.sheet_state = draw(st.sampled_from(["hidden", "veryHidden", "visible"]))
            elif action == "remove" and len(wb.worksheets) > 1:
                wb.remove(ws)
            elif action == "add":
                wb.create_sheet(draw(st.text(min_size=1, max_size=31)))
            elif action == "insert":
                k = draw(st.integers(1, ws.max_row + 1))
                ws.insert_rows(k) if draw(st.booleans()) else ws.insert_cols(k)
        except (ValueError, TypeError, IllegalCharacterError):  # what openpyxl cannot write
            continue
    buf = io.BytesIO()
    try:
        wb.save(buf)
    except Exception:  # openpyxl cannot write every value it accepted into every cell
        return original
    return buf.getvalue()


def inputs(*originals: bytes) -> st.SearchStrategy[bytes]:
    """Random bytes, random text, or a mutation of one of the shipped files ``originals``."""
    shipped = st.sampled_from(originals).flatmap(mutated)
    return st.one_of(
        st.binary(max_size=512),
        st.text(max_size=256).map(lambda s: s.encode("utf-8", "surrogatepass")),
        shipped,
        shipped,
        shipped,
    )


# --------------------------------------------------------------------------------------
# the verdict


def _names(file: str, name: str, text: bool) -> bool:
    """``file`` (a problem's) is the file ``name``, or one of its sheets (binary files)."""
    return file == name or (not text and file.startswith(f"{name}[") and file.endswith("]"))


def assert_located(exc: MaturityError, path: Path, data: bytes, *, text: bool = True) -> None:
    """``exc`` names ``path``, one line per problem, and, if the file is read as ``text`` and
    has several lines, a line.
    """
    name = str(path)
    multiline = text and b"\n" in data.rstrip(b"\r\n")
    if isinstance(exc, SpecError | ResponseError):
        assert exc.problems, f"{type(exc).__name__} without problems"
        for p in exc.problems:
            shown = str(p)
            assert "\n" not in shown and "\r" not in shown, f"a problem on several lines: {shown!r}"
            assert _names(p.file, name, text), f"problem names {p.file!r}, not {name!r}: {shown}"
        if multiline:
            assert any(p.line is not None for p in exc.problems), f"no problem has a line: {exc}"
        return
    shown = str(exc)
    assert shown and "\n" not in shown, f"not one line: {shown!r}"
    assert name in shown or path.name in shown, f"the error does not name the file: {shown}"


def outcome(
    read: Callable[[Path], object], path: Path, data: bytes, source: str | None = None
) -> None:
    """Run ``read`` on ``data`` written to ``path``: success or a located MaturityError.

    ``source`` is the answers format the file is read with (``"auto"``: the one
    :func:`~maturity.io.format_for_reading` picks), whose registry entry says whether the file
    is read as text; every other file read here is text.
    """
    path.write_bytes(data)
    text = True
    if source is not None:
        text = format_for_reading(path, source).reads_text(path)
    try:
        read(path)
    except MaturityError as exc:
        assert_located(exc, path, data, text=text)


# --------------------------------------------------------------------------------------
# the readers

DATA = ROOT / "tests" / "data" / "formats"
VISIT = mt.load_questionnaire(DATA / "visit.yaml")

#: The collection tools' exports that ship with the tests, read by their own reader (with the
#: questionnaire they answer), so that each reader is fuzzed past its first check.
TOOL_FILES = {
    "kobo": ("kobo.csv", "kobo-labels.csv", "odk-central.csv"),
    "limesurvey": ("limesurvey-codes.csv", "limesurvey-full.csv"),
    "forms": ("google-forms-it.csv",),
    "surveyjs": ("surveyjs-results.json",),
}


def _xlsx_of_csv(data: bytes) -> bytes:
    """A tool's CSV export as its XLSX export (one sheet, every cell text)."""
    import csv
    import io

    from openpyxl import Workbook

    text = data.decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > 1 else ","
    wb = Workbook()
    ws = wb.active
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _interview_workbook() -> bytes:
    """The interview workbook (``export --to xlsx-form``) filled with the sample answers."""
    import tempfile

    from tests.formats_util import fill_workbook

    answers = mt.read_responses(sample_path("i40-readiness"), Q)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "w.xlsx"
        mt.export(Q, to="xlsx-form", langs="it", path=path)
        fill_workbook(path, Q, answers, "it")
        return path.read_bytes()


Source = tuple[Any, str, st.SearchStrategy[bytes]]


@functools.cache
def sources_of(fmt: str) -> list[Source]:
    """What the reader of answers format ``fmt`` is fed: (questionnaire, file suffix, files).

    Every reader gets random bytes and mutations of every file our writers write (for the
    sample answers); then its own kind of file, mutated as bytes and, for a binary or JSON
    format, as a structure (a workbook's cells and sheets, an Arrow table's columns and types,
    a JSON tree), since a byte changed in a compressed file only breaks the container.
    """
    f = ANSWERS.get(fmt)
    own = dict(zip([g.name for g in ANSWERS if g.write], ANSWER_FILES[1:], strict=True))
    out: list[Source] = [(Q, f.suffixes[0], inputs(*ANSWER_FILES))]
    if fmt == "json":
        out.append((Q, ".json", mutated_tree(own["json"], "json")))
    if fmt in ("parquet", "arrow"):
        out.append((Q, f.suffixes[0], mutated_table(own[fmt], fmt)))
    if fmt == "xlsx":
        out.append((Q, ".xlsx", mutated_workbook(own["xlsx"])))
    if fmt == "xlsx-form":
        book = _interview_workbook()
        out += [(Q, ".xlsx", inputs(book)), (Q, ".xlsx", mutated_workbook(book))]
    for name in TOOL_FILES.get(fmt, ()):
        data = (DATA / name).read_bytes()
        suffix = Path(name).suffix
        out.append((VISIT, suffix, inputs(data)))
        if suffix == ".json":
            out.append((VISIT, suffix, mutated_tree(data, "json")))
        elif ".xlsx" in f.suffixes:
            out.append((VISIT, ".xlsx", mutated_workbook(_xlsx_of_csv(data))))
    return out


def _answers_readers() -> list[Any]:
    return [pytest.param(f.name, id=f"answers-{f.name}") for f in ANSWERS if f.read]


@pytest.mark.parametrize("fmt", _answers_readers())
@FUZZ
@given(data=st.data())
def test_answers_readers(fmt: str, data: st.DataObject, tmp_path: Path) -> None:
    sources = sources_of(fmt)
    q, suffix, files = sources[data.draw(st.integers(0, len(sources) - 1), label="source")]
    blob = data.draw(files, label="file")
    read = mt.read_responses
    outcome(lambda p: read(p, q, source=fmt), tmp_path / f"answers{suffix}", blob, fmt)
    # and chosen by its content and suffix, as the command line does
    outcome(lambda p: read(p, q), tmp_path / f"auto{suffix}", blob, "auto")


def _yaml_readers() -> list[tuple[str, Path, Callable[[Path], object]]]:
    from maturity.cli.common import target_of
    from maturity.io.mapping import load_mapping

    readers: list[tuple[str, Path, Callable[[Path], object]]] = [
        (
            "questionnaire",
            ROOT / "questionnaires" / "i40-readiness.yaml",
            lambda p: mt.load_questionnaire(p),
        ),
        (
            "questionnaire-digital",
            ROOT / "questionnaires" / "digital-maturity.yaml",
            lambda p: mt.load_questionnaire(p, strict=True),
        ),
        (
            "scoring-model",
            ROOT / "scoring_models" / "i40-readiness-weighted.yaml",
            lambda p: mt.load_model(p, Q),
        ),
        (
            "scoring-model-impuls",
            ROOT / "scoring_models" / "i40-readiness-impuls.yaml",
            lambda p: mt.load_model(p),
        ),
        (
            "target-profile",
            ROOT / "tests" / "data" / "target-profile.yaml",
            lambda p: target_of(str(p), MODEL),
        ),
        (
            "answers-mapping",
            DATA / "registro.mapping.yaml",
            lambda p: load_mapping(p, VISIT),
        ),
    ]
    # every shipped action catalogue: checked against the questionnaire given, or against the
    # bundled one its file names
    catalogues = sorted((ROOT / "actions").glob("*.yaml"))
    assert catalogues, "no action catalogue ships in actions/"
    readers += [
        (
            f"action-catalogue-{path.stem}",
            path,
            (lambda p: mt.load_actions(p, Q)) if path.stem.startswith("i40") else mt.load_actions,
        )
        for path in catalogues
    ]
    return readers


@pytest.mark.parametrize(
    ("what", "original", "read"), [pytest.param(*r, id=r[0]) for r in _yaml_readers()]
)
@FUZZ
@given(data=st.data())
def test_declarative_file_readers(
    what: str, original: Path, read: Callable[[Path], object], data: st.DataObject, tmp_path: Path
) -> None:
    text = original.read_bytes()
    blob = data.draw(st.one_of(inputs(text), mutated_tree(text), mutated_tree(text)))
    outcome(read, tmp_path / f"{what}{original.suffix}", blob)


@pytest.mark.parametrize("kind", ["json", "csv"])
@FUZZ
@given(data=st.data())
def test_scores_and_peer_readers(kind: str, data: st.DataObject, tmp_path: Path) -> None:
    from maturity.scores import Scores

    original = SCORES_FILES[kind]
    shapes = [inputs(original)]
    if kind == "json":  # and well-formed files with the wrong types in the wrong places
        shapes += [mutated_tree(original, "json")] * 2
    blob = data.draw(st.one_of(shapes))
    read = Scores.from_json if kind == "json" else Scores.from_csv
    outcome(lambda p: read(p, MODEL), tmp_path / f"scores.{kind}", blob)
    # a file that is not a scores file is read as answers, as the registry says
    outcome(lambda p: mt.load_peers(p, MODEL), tmp_path / f"peers.{kind}", blob, "auto")
