"""Reading scores files back: what :meth:`Scores.to_json` and :meth:`Scores.to_csv` write.

A scores file is read back as a peer population (:func:`maturity.load_peers`), an earlier
release to compare with (``report --previous``), or scores made elsewhere. It comes from
outside like any other file, so every fault is one located problem (``R012``, or the profile
codes ``R003``/``R010``) naming the file, the line and the field, never a traceback:

- JSON (``maturity/scores@1``): the file must be UTF-8 JSON (a fault in it is located as for
  answers, :func:`maturity.io.jsonio.parse_json`); ``format``, ``model``, ``nodes`` and
  ``rows`` must have their types, the model must be the one given, every node one of its
  nodes, every respondent id given once; each score, coverage and spread is a finite number
  or ``null``, ``n_respondents`` a whole number from 1, the profile's fields of their types.
  A problem inside a row names the line of the value (or of its row) and its path
  (``rows[3].scores.root.score``).
- CSV (long form, one row per respondent and node): read with the one CSV decoder and
  header check (:mod:`maturity.io.csvio`); every cell is checked as above, and a respondent
  and node given twice is an error. A problem names the line and the column.

Numbers read back as the floats that were written (full precision), so a file written and
read again gives identical arrays.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.errors import Problem, ResponseError

if TYPE_CHECKING:  # pragma: no cover
    from maturity.model import ScoringModel
    from maturity.responses import Profile
    from maturity.scores import Scores

__all__ = ["FORMAT", "read_scores_csv", "read_scores_json"]

#: The format tag of a scores JSON file.
FORMAT = "maturity/scores@1"
#: The most respondents one row of a scores file may stand for.
MAX_RESPONDENTS = 10**9
#: The columns of a scores CSV file that every row needs.
_REQUIRED = ("respondent_id", "node", "score")
_PROFILE_TEXT = ("company", "sector", "region")
_PROFILE_NUMBERS = ("turnover", "balance_sheet")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _read(source: str | Path, name: str) -> bytes:
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise ResponseError(
            [Problem.make("R012", file=name, detail=f"cannot read the file: {exc.strerror or exc}")]
        ) from None


def _kind(value: object) -> str:
    """What a JSON value is, as a message says it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _number(value: object) -> float:
    """A JSON value as a score, coverage or spread: a finite number, NaN for ``null``.

    Raises:
        ValueError: anything else (the message says what was found).

    """
    if value is None:
        return math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        x = float(value)
        if math.isfinite(x):
            return x
        raise ValueError(f"expected a finite number or null, found {value!r}")
    raise ValueError(f"expected a number or null, found {_kind(value)}")


def _text_number(text: str) -> float:
    """A CSV cell as a score, coverage or spread: a finite number, NaN when empty.

    Raises:
        ValueError: anything else.

    """
    s = text.strip()
    if not s:
        return math.nan
    try:
        x = float(s) if "_" not in s else math.nan
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        from maturity.io.cells import shown

        raise ValueError(f"expected a finite number (or nothing), found '{shown(s)}'")
    return x


def _count(value: object, text: bool = False) -> int:
    """``n_respondents``: a whole number from 1 (a JSON number, or if ``text`` a CSV cell).

    Raises:
        ValueError: anything else.

    """
    if isinstance(value, str) and text:
        s = value.strip()
        if s.isascii() and s.isdigit() and len(s) <= 10 and 1 <= int(s) <= MAX_RESPONDENTS:
            return int(s)
        from maturity.io.cells import shown

        found = f"'{shown(s)}'"
    elif isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= MAX_RESPONDENTS:
            return value
        found = str(value) if abs(value) < 10**20 else "a larger number"
    else:
        found = repr(value) if isinstance(value, float) else _kind(value)
    raise ValueError(f"expected a whole number from 1 to {MAX_RESPONDENTS:,}, found {found}")


def _iso_date(text: str) -> _dt.date:
    from maturity.io.cells import shown

    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"expected a date YYYY-MM-DD, found '{shown(text)}'")
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"invalid date '{text}' (no such day)") from None


class _Problems:
    """Problems of one file, collected: the first :data:`~maturity.io.check.MAX_PROBLEMS`
    listed (and located), the rest only counted.
    """

    def __init__(self, name: str) -> None:
        from maturity.io.check import MAX_PROBLEMS

        self.name = name
        self.found: list[Problem] = []
        self.more = 0
        self.limit = MAX_PROBLEMS

    @property
    def full(self) -> bool:
        """Whether a further problem is only counted."""
        return len(self.found) >= self.limit

    def add(self, detail: str, line: int | None, column: int | None = None, path: str = "") -> None:
        if self.full:
            self.more += 1
            return
        self.found.append(
            Problem.make("R012", file=self.name, line=line, column=column, path=path, detail=detail)
        )

    def extend(self, problems: list[Problem]) -> None:
        room = max(0, self.limit - len(self.found))
        self.found += problems[:room]
        self.more += len(problems[room:])

    def raise_any(self) -> None:
        if self.found:
            problems = list(self.found)
            if self.more:
                problems.append(
                    Problem.make("R013", file=self.name, count=f"{self.more:,}", shown=self.limit)
                )
            raise ResponseError(problems)


# -- JSON -------------------------------------------------------------------------------------


class _Where:
    """The line and column of a path in a scores JSON text, found only when a problem needs
    it: the top-level key, or inside row ``i`` the keys of the path one after the other.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._rows: list[int] | None = None

    def rows(self) -> list[int]:
        if self._rows is None:
            from maturity.io.jsonio import record_starts

            self._rows = record_starts(self.text, "rows")
        return self._rows

    def _key(self, key: str, start: int) -> int | None:
        import json

        for spelled in {json.dumps(key), json.dumps(key, ensure_ascii=False)}:
            m = re.compile(re.escape(spelled) + r"\s*:").search(self.text, start)
            if m is not None:
                return m.start()
        return None

    def __call__(self, *path: str | int) -> tuple[int, int | None]:
        from maturity.io.jsonio import line_at

        at: int | None = 0
        if path and path[0] == "rows" and len(path) > 1 and isinstance(path[1], int):
            starts = self.rows()
            if path[1] >= len(starts):
                return 1, None
            at = starts[path[1]]
            for key in path[2:]:
                found = self._key(str(key), at) if at is not None else None
                if found is None:
                    break
                at = found
        elif path:
            found = self._key(str(path[0]), 0)
            at = found if found is not None else 0
        return line_at(self.text, at or 0)


def _path(*parts: str | int) -> str:
    from maturity.errors import format_path

    return format_path(parts)


def read_scores_json(
    source: str | Path, model: ScoringModel, *, synthetic: bool | None = None
) -> Scores:
    """Scores from a ``maturity/scores@1`` JSON file written with ``model`` (see the module's
    documentation); ``synthetic`` overrides the file's flag.

    Raises:
        ResponseError: the file cannot be read, is not a scores file of ``model``, or holds a
            value it cannot hold; every problem names the file, the line and the field.

    """
    import numpy as np

    from maturity.io.jsonio import json_text, parse_json
    from maturity.scores import Scores

    name = str(source)
    text = json_text(_read(source, name), name)
    doc = parse_json(text, name)
    where = _Where(text)
    bad = _Problems(name)

    def fail(detail: str, *path: str | int) -> None:
        # finding the place costs a search of the text: only for the problems listed
        line, column = (None, None) if bad.full else where(*path)
        bad.add(detail, line, column, _path(*path) if path else "")

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        fail(f'not a scores file (expected "format": "{FORMAT}")', "format")
        bad.raise_any()
    made = doc.get("model")
    made_id = made.get("id") if isinstance(made, dict) else None
    if made_id != model.id:
        shown = f"'{made_id}'" if isinstance(made_id, str) else "no model"
        fail(f"these scores were made with {shown}, not with model '{model.id}'", "model")
    flag = doc.get("synthetic", False)
    if not isinstance(flag, bool):
        fail(f"expected true or false, found {_kind(flag)}", "synthetic")
    nodes = doc.get("nodes")
    rows = doc.get("rows")
    if not isinstance(nodes, list) or not all(isinstance(n, str) for n in nodes):
        fail("expected a list of node ids", "nodes")
    if not isinstance(rows, list):
        fail("expected a list of rows, one per respondent or company", "rows")
    bad.raise_any()
    assert isinstance(nodes, list) and isinstance(rows, list) and isinstance(doc, dict)
    unknown = [n for n in nodes if n not in model.rules]
    if unknown:
        from maturity.errors import list_allowed

        fail(
            f"nodes not in model '{model.id}': {', '.join(repr(n) for n in unknown[:5])}"
            f" (nodes: {list_allowed(model.rules)})",
            "nodes",
        )
    if len(set(nodes)) < len(nodes):
        fail("a node is listed twice", "nodes")
    for i, row in enumerate(rows):
        if not isinstance(row, dict):  # located at the list: rows are found by their braces
            line, column = where("rows")
            bad.add(f"expected an object (a row), found {_kind(row)}", line, column, f"rows[{i}]")
    bad.raise_any()

    n, k = len(rows), len(nodes)
    score = np.full((n, k), np.nan)
    cov = np.full((n, k), np.nan)
    first = rows[0] if rows and isinstance(rows[0], dict) else {}
    first_scores = first.get("scores")
    with_spread = isinstance(first_scores, dict) and any(
        isinstance(c, dict) and "spread" in c for c in first_scores.values()
    )
    spread = np.full((n, k), np.nan) if with_spread else None
    counts = np.ones(n, dtype=np.int64) if "n_respondents" in first else None
    profiles: list[Profile] = []
    ids: list[str] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        rid = row.get("respondent_id")
        if isinstance(rid, int) and not isinstance(rid, bool):
            rid = str(rid)
        if not isinstance(rid, str) or not rid:
            fail(
                f"expected a respondent id (a text), found {_kind(rid)}", "rows", i, "respondent_id"
            )
            rid = f"[{i}]"
        elif rid in seen:
            fail(f"respondent '{rid}' is given twice (rows {seen[rid]} and {i})", "rows", i)
        seen.setdefault(rid, i)
        ids.append(rid)
        cells = row.get("scores")
        if not isinstance(cells, dict):
            fail(f"expected an object of scores by node, found {_kind(cells)}", "rows", i, "scores")
            cells = {}
        for j, node in enumerate(nodes):
            cell = cells.get(node)
            if cell is None:
                continue
            if not isinstance(cell, dict):
                fail(f"expected an object, found {_kind(cell)}", "rows", i, "scores", node)
                continue
            for field, out in (("score", score), ("coverage", cov), ("spread", spread)):
                if out is None:
                    continue
                try:
                    out[i, j] = _number(cell.get(field))
                except ValueError as exc:
                    fail(str(exc), "rows", i, "scores", node, field)
        if counts is not None and "n_respondents" in row:
            try:
                counts[i] = _count(row["n_respondents"])
            except ValueError as exc:
                fail(str(exc), "rows", i, "n_respondents")
        profile = row.get("profile", {})
        if not isinstance(profile, dict):
            fail(f"expected an object, found {_kind(profile)}", "rows", i, "profile")
            profile = {}
        profiles.append(
            _json_profile(profile, lambda detail, key, i=i: fail(detail, "rows", i, "profile", key))
        )
    bad.raise_any()
    return Scores(
        model,
        tuple(ids),
        tuple(nodes),
        score,
        cov,
        profiles=tuple(profiles) if any("profile" in r for r in rows) else (),
        spread=spread,
        n_respondents=counts,
        synthetic=flag if synthetic is None else synthetic,
    )


def _json_profile(p: dict[str, Any], fail: Any) -> Profile:
    """The ``profile`` object of one row; ``fail(detail, key)`` reports a field's problem."""
    from maturity.responses import Profile

    out: dict[str, Any] = {}
    for key in _PROFILE_TEXT:
        v = p.get(key)
        if v is None or isinstance(v, str):
            out[key] = v
        else:
            fail(f"expected a text or null, found {_kind(v)}", key)
    emp = p.get("employees")
    if emp is not None:
        if isinstance(emp, int) and not isinstance(emp, bool) and emp >= 0:
            out["employees"] = emp
        else:
            fail(f"expected a whole number >= 0 or null, found {_kind(emp)}", "employees")
    for key in _PROFILE_NUMBERS:
        try:
            x = _number(p.get(key))
        except ValueError as exc:
            fail(str(exc), key)
            continue
        out[key] = None if math.isnan(x) else x
    date = p.get("date")
    if date is not None:
        if not isinstance(date, str):
            fail(f"expected a date YYYY-MM-DD or null, found {_kind(date)}", "date")
        else:
            try:
                out["date"] = _iso_date(date)
            except ValueError as exc:
                fail(str(exc), "date")
    return Profile(**out)


# -- CSV --------------------------------------------------------------------------------------


def read_scores_csv(source: str | Path, model: ScoringModel, *, synthetic: bool = False) -> Scores:
    """Scores from a CSV file written by :meth:`Scores.to_csv` (long form, one row per
    respondent and node; the profile columns are optional).

    Raises:
        ResponseError: the file cannot be read, is not a scores CSV of ``model``, or holds a
            cell it cannot hold; every problem names the file, the line and the column.

    """
    import numpy as np

    from maturity.io.csvio import _check_text, _parse_rows, decode, layout_of
    from maturity.io.guard import unsafe_cell
    from maturity.responses import Profile
    from maturity.scores import Scores

    name = str(source)
    text = decode(_read(source, name), name)
    _check_text(text, name)
    lay = layout_of(text, name, None)
    cols = {c: j for j, c in reversed(list(enumerate(lay.names)))}
    bad = _Problems(name)
    if not all(c in cols for c in _REQUIRED):
        from maturity.io.cells import shown

        found = ", ".join(shown(c) for c in lay.names[:8]) or "no header"
        bad.add(
            "not a scores CSV (expected the columns respondent_id, node, score, ...; found "
            f"{found}{', ...' if len(lay.names) > 8 else ''})",
            lay.header_line,
        )
        bad.raise_any()
    parsed = _parse_rows(text[lay.data_offset :], lay, name)
    bad.extend(parsed.problems)
    bad_rows = set(parsed.bad)
    ids: dict[str, int] = {}
    nodes: dict[str, int] = {}
    unknown: set[str] = set()
    keys: list[tuple[int, int, int, list[str]]] = []  # (line, row id, node, cells)
    for k, (line, cells) in enumerate(zip(parsed.lines, parsed.rows, strict=True)):
        if k in bad_rows:
            continue
        # ids and texts are read as written (a space is part of an id)
        rid = unsafe_cell(cells[cols["respondent_id"]])
        node = cells[cols["node"]]
        if not rid:
            bad.add("no respondent id", line, cols["respondent_id"] + 1, "respondent_id")
            continue
        if node not in model.rules:
            if node not in unknown and len(unknown) < 50:
                from maturity.errors import list_allowed
                from maturity.io.cells import shown

                bad.add(
                    f"node '{shown(node)}' is not in model '{model.id}' (nodes: "
                    f"{list_allowed(model.rules)})",
                    line,
                    cols["node"] + 1,
                    "node",
                )
            unknown.add(node)
            continue
        keys.append(
            (line, ids.setdefault(rid, len(ids)), nodes.setdefault(node, len(nodes)), cells)
        )
    score = np.full((len(ids), len(nodes)), np.nan)
    cov = np.full_like(score, np.nan)
    spread = np.full_like(score, np.nan) if "spread" in cols else None
    counts = np.ones(len(ids), dtype=np.int64) if "n_respondents" in cols else None
    with_profiles = "sector" in cols
    profiles: dict[int, Profile] = {}
    first_line: dict[tuple[int, int], int] = {}
    for line, i, j, cells in keys:
        if (i, j) in first_line:
            bad.add(
                f"this respondent and node are given twice (first on line {first_line[i, j]})",
                line,
                cols["node"] + 1,
                "node",
            )
            continue
        first_line[i, j] = line
        for column, out in (("score", score), ("coverage", cov), ("spread", spread)):
            if out is None or column not in cols:
                continue
            try:
                out[i, j] = _text_number(cells[cols[column]])
            except ValueError as exc:
                bad.add(str(exc), line, cols[column] + 1, column)
        if counts is not None and cells[cols["n_respondents"]].strip():
            try:
                counts[i] = _count(cells[cols["n_respondents"]], text=True)
            except ValueError as exc:
                bad.add(str(exc), line, cols["n_respondents"] + 1, "n_respondents")
        if with_profiles and i not in profiles:
            profiles[i] = _csv_profile(cells, cols, line, bad)
    bad.raise_any()
    return Scores(
        model,
        tuple(ids),
        tuple(nodes),
        score,
        cov,
        profiles=tuple(profiles.get(i, Profile()) for i in range(len(ids)))
        if with_profiles
        else (),
        spread=spread,
        n_respondents=counts,
        synthetic=synthetic,
    )


def _csv_profile(cells: list[str], cols: dict[str, int], line: int, bad: _Problems) -> Profile:
    """The profile columns of one row of a scores CSV."""
    from maturity.io.cells import shown
    from maturity.io.guard import unsafe_cell
    from maturity.responses import Profile

    def cell(key: str) -> str:
        return unsafe_cell(cells[cols[key]]) if key in cols else ""

    out: dict[str, Any] = {k: cell(k) or None for k in _PROFILE_TEXT}
    emp = cell("employees").strip()
    if emp:
        try:
            x = float(emp) if "_" not in emp else math.nan
        except ValueError:
            x = math.nan
        if math.isfinite(x) and x.is_integer() and 0 <= x < 2**63:
            out["employees"] = int(x)
        else:
            bad.add(
                f"expected a whole number >= 0, found '{shown(emp)}'",
                line,
                cols["employees"] + 1,
                "employees",
            )
    for key in _PROFILE_NUMBERS:
        try:
            x = _text_number(cell(key))
        except ValueError as exc:
            bad.add(str(exc), line, cols[key] + 1, key)
            continue
        out[key] = None if math.isnan(x) else x
    date = cell("date").strip()
    if date:
        try:
            out["date"] = _iso_date(date)
        except ValueError as exc:
            bad.add(str(exc), line, cols["date"] + 1, "date")
    return Profile(**out)
