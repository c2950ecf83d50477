"""Scores: the result of scoring, with explanations and exports."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.model import Level, ScoringModel
    from maturity.responses import AnswerMatrix, Profile

from maturity.io.guard import safe_cell, unsafe_cell

__all__ = ["ChildContribution", "Explanation", "Scores"]


_PROFILE_COLUMNS = ["company", "sector", "employees", "turnover", "balance_sheet", "region", "date"]


def json_number(x: float, digits: int = 6) -> float | None:
    """A number for JSON and CSV exports: rounded, None for NaN (JSON has no NaN)."""
    return None if x != x else round(float(x), digits)


_num = json_number


@dataclass(frozen=True, slots=True)
class ChildContribution:
    """One child of an explained node: its score, weight and status."""

    id: str
    kind: str  # "item" or "node"
    status: str  # "answered", "n/a", "not asked", "don't know", "missing", "no score"
    value: float | None  # normalised 0..1 (None: no value)
    score: float | None  # on the model's range
    base_weight: float
    weight: float  # effective weight after renormalisation (0 if not counted)
    answer: str | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    """How the score of one node for one respondent was made (see :meth:`Scores.explain`)."""

    respondent: str
    node: str
    operator: str
    params: dict[str, Any]
    children: tuple[ChildContribution, ...]
    score: float | None
    level: str | None
    coverage: float | None
    min_coverage: float
    weight_source: str
    range: tuple[float, float]

    def __str__(self) -> str:
        lines = [
            f"{self.node} for {self.respondent}: "
            + (f"{self.score:.2f}" if self.score is not None else "no score")
            + (f" (level {self.level})" if self.level else "")
        ]
        params = ", ".join(
            f"{k}={v:g}" for k, v in self.params.items() if isinstance(v, int | float)
        )
        lines.append(
            f"  operator {self.operator}{' (' + params + ')' if params else ''}, "
            f"weights {self.weight_source}, coverage "
            + (f"{self.coverage:.0%}" if self.coverage is not None else "n/a")
            + f" (minimum {self.min_coverage:.0%})"
        )
        w = max(len(c.id) for c in self.children) if self.children else 4
        for c in self.children:
            sc = f"{c.score:6.2f}" if c.score is not None else "     -"
            ans = f"  answer {c.answer}" if c.answer is not None else ""
            lines.append(
                f"  {c.id:<{w}}  {sc}  weight {c.base_weight:5.3f} -> {c.weight:5.3f}"
                f"  {c.status}{ans}"
            )
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Scores:
    """Scores of respondents (or companies) for every node of a model.

    ``score``, ``coverage`` and ``level`` are arrays of shape (rows × nodes); ``score`` is on the
    model's range with NaN where a node has no score, ``level`` holds indices into
    ``model.levels`` (-1 where there is no score). ``spread`` (companies only) is the highest
    minus the lowest respondent score per node.
    """

    model: ScoringModel = field(repr=False)
    ids: tuple[str, ...]
    nodes: tuple[str, ...]
    score: npt.NDArray[np.float64] = field(repr=False)
    coverage: npt.NDArray[np.float64] = field(repr=False)
    profiles: tuple[Profile, ...] = field(default=(), repr=False)
    answers: AnswerMatrix | None = field(default=None, repr=False)
    spread: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    n_respondents: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    synthetic: bool = False

    @classmethod
    def from_csv(
        cls, source: str | Path, model: ScoringModel, *, synthetic: bool = False
    ) -> Scores:
        """Read scores written by :meth:`to_csv` (long form, profile columns optional)."""
        import datetime as _dt

        import numpy as np

        from maturity.errors import Problem, ResponseError
        from maturity.responses import Profile

        name = str(source)
        try:
            # bytes, not read_text(): a CR inside a quoted cell must stay a CR
            text = Path(source).read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ResponseError(
                [Problem.make("R012", file=name, detail=f"cannot read scores: {exc}")]
            ) from None
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        if not rows or not {"respondent_id", "node", "score"} <= set(rows[0]):
            raise ResponseError(
                [
                    Problem.make(
                        "R012",
                        file=name,
                        line=1,
                        detail="not a scores CSV (expected respondent_id,node,score,...)",
                    )
                ]
            )
        ids: list[str] = []
        nodes: list[str] = []
        for r in rows:
            rid = unsafe_cell(r["respondent_id"])
            if rid not in ids:
                ids.append(rid)
            if r["node"] not in nodes:
                nodes.append(r["node"])
        unknown = [nd for nd in nodes if nd not in model.rules]
        if unknown:
            raise ResponseError(
                [
                    Problem.make(
                        "R012",
                        file=name,
                        detail=f"nodes not in model '{model.id}': {', '.join(unknown[:5])}",
                    )
                ]
            )
        score = np.full((len(ids), len(nodes)), np.nan)
        cov = np.full_like(score, np.nan)
        profiles: dict[str, Profile] = {}

        def num(r: dict[str, str], key: str) -> float | None:
            return float(r[key]) if r.get(key) else None

        for line, r in enumerate(rows, start=2):
            i, j = ids.index(unsafe_cell(r["respondent_id"])), nodes.index(r["node"])
            try:
                score[i, j] = float(r["score"]) if r["score"] else np.nan
                cov[i, j] = float(r["coverage"]) if r.get("coverage") else np.nan
                if ids[i] not in profiles and r.get("sector") is not None:
                    emp = num(r, "employees")
                    profiles[ids[i]] = Profile(
                        company=unsafe_cell(r.get("company") or "") or None,
                        sector=r.get("sector") or None,
                        employees=int(emp) if emp is not None else None,
                        turnover=num(r, "turnover"),
                        balance_sheet=num(r, "balance_sheet"),
                        region=r.get("region") or None,
                        date=_dt.date.fromisoformat(r["date"]) if r.get("date") else None,
                    )
            except ValueError as exc:
                raise ResponseError(
                    [Problem.make("R012", file=name, line=line, detail=str(exc))]
                ) from None
        return cls(
            model,
            tuple(ids),
            tuple(nodes),
            score,
            cov,
            profiles=tuple(profiles.get(x, Profile()) for x in ids),
            synthetic=synthetic,
        )

    @classmethod
    def from_json(
        cls, source: str | Path, model: ScoringModel, *, synthetic: bool | None = None
    ) -> Scores:
        """Read scores written by :meth:`to_json` (for a peer population, say).

        The file must have been made with the same model id; profiles are read back, answers
        are not (so :meth:`explain` is unavailable).
        """
        import numpy as np

        from maturity.errors import Problem, ResponseError
        from maturity.responses import Profile

        name = str(source)

        def fail(detail: str) -> ResponseError:
            return ResponseError([Problem.make("R012", file=name, detail=detail)])

        try:
            doc = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise fail(f"cannot read scores: {exc}") from None
        if not isinstance(doc, dict) or doc.get("format") != "maturity/scores@1":
            raise fail("not a scores file (expected format maturity/scores@1)")
        if doc.get("model", {}).get("id") != model.id:
            raise fail(
                f"these scores were made with model '{doc.get('model', {}).get('id')}'"
                f", not '{model.id}'"
            )
        nodes = tuple(doc["nodes"])
        rows = doc["rows"]
        n, k = len(rows), len(nodes)
        score = np.full((n, k), np.nan)
        cov = np.full((n, k), np.nan)
        profiles = []
        for i, row in enumerate(rows):
            for j, node in enumerate(nodes):
                cell = row["scores"].get(node, {})
                if cell.get("score") is not None:
                    score[i, j] = float(cell["score"])
                if cell.get("coverage") is not None:
                    cov[i, j] = float(cell["coverage"])
            p = row.get("profile", {})
            import datetime as _dt

            profiles.append(
                Profile(
                    company=p.get("company"),
                    sector=p.get("sector"),
                    employees=p.get("employees"),
                    turnover=p.get("turnover"),
                    balance_sheet=p.get("balance_sheet"),
                    region=p.get("region"),
                    date=_dt.date.fromisoformat(p["date"]) if p.get("date") else None,
                )
            )
        flag = bool(doc.get("synthetic", False)) if synthetic is None else synthetic
        return cls(
            model,
            tuple(r["respondent_id"] for r in rows),
            nodes,
            score,
            cov,
            profiles=tuple(profiles),
            synthetic=flag,
        )

    @property
    def not_applicable(self) -> npt.NDArray[np.bool_]:
        """True where a node is not applicable (rows × nodes): none of its items applies
        (every one N/A or hidden by a condition), so it has no score *and* nothing is missing.
        Such a node is shown as "not applicable", never as "too few answers".
        """
        import numpy as np

        out: npt.NDArray[np.bool_] = np.isnan(self.coverage) & np.isnan(self.score)
        return out

    @property
    def level(self) -> npt.NDArray[np.int64]:
        """Level index per row and node (-1 where there is no score)."""
        import numpy as np

        mins = np.array([lv.min for lv in self.model.levels])
        idx = np.searchsorted(mins, self.score + 1e-9, side="right") - 1
        out: npt.NDArray[np.int64] = np.where(np.isnan(self.score), -1, idx)
        return out

    def _row(self, respondent: str) -> int:
        try:
            return self.ids.index(respondent)
        except ValueError:
            raise KeyError(f"no respondent '{respondent}'") from None

    def _col(self, node: str) -> int:
        try:
            return self.nodes.index(node)
        except ValueError:
            raise KeyError(f"no scored node '{node}' (nodes: {', '.join(self.nodes)})") from None

    def get(self, respondent: str, node: str = "root") -> float:
        """The score of one node for one respondent (NaN if none)."""
        return float(self.score[self._row(respondent), self._col(node)])

    def level_of(self, respondent: str, node: str = "root") -> Level | None:
        """The named level of one node for one respondent."""
        return self.model.level_of(self.get(respondent, node))

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        import numpy as np

        root = self.score[:, self._col("root")]
        have = root[~np.isnan(root)]
        summary = f", root median {np.median(have):.2f}" if have.size else ""
        return f"<Scores {self.model.id}: {len(self.ids)} rows × {len(self.nodes)} nodes{summary}>"

    # -- explanation ------------------------------------------------------------------
    def explain(self, respondent: str, node: str = "root") -> Explanation:
        """How one node's score was made for one respondent: children, weights, operator,
        what was missing. Re-scores that respondent alone (a batch of one).
        """
        import numpy as np

        from maturity.responses import DONT_KNOW, NA
        from maturity.scoring import _run_chunk, compile_model

        if self.answers is None:
            raise ValueError("these scores carry no answers to explain")
        r = self._row(respondent)
        rule = self.model.rules[node]
        a = self.answers
        cm = compile_model(self.model, a.item_ids)
        sl = slice(r, r + 1)
        xn, pn, cov_kn = _run_chunk(cm, a.values[sl], a.na[sl], a.dont_know[sl], a.applicable[sl])
        nscores = np.where(pn, xn, np.nan).T
        ncov = cov_kn.T
        lo, hi = self.model.range
        col_of = {iid: j for j, iid in enumerate(a.item_ids)}
        node_pos = {n: k for k, n in enumerate(cm.node_ids)}
        raw = None
        children: list[ChildContribution] = []
        values: list[float] = []
        counted: list[bool] = []
        for c, bw in zip(rule.children, rule.weights, strict=True):
            if c in node_pos:
                v = float(nscores[0, node_pos[c]])
                off = bool(np.isnan(ncov[0, node_pos[c]]))
                status = "n/a" if off else ("no score" if np.isnan(v) else "answered")
                children.append(
                    ChildContribution(c, "node", status, _num(v), _num(lo + v * (hi - lo)), bw, 0.0)
                )
            else:
                j = col_of[c]
                item = self.model.questionnaire.item(c)
                span = cm.span[j]
                v = (float(a.values[r, j]) - cm.lo[j]) / span
                if not a.applicable[r, j]:
                    status, off = "not asked", True
                elif a.na[r, j]:
                    status, off = "n/a", True
                elif a.dont_know[r, j]:
                    status, off = "don't know", False
                    if self.model.dont_know == "lowest":
                        v = 0.0
                elif np.isnan(v):
                    status, off = "missing", False
                else:
                    status, off = "answered", False
                if np.isnan(v) and not off and self.model.missing == "lowest":
                    v = 0.0
                answer = raw
                if self.answers.values is a.values and status == "answered":
                    answer = _describe(item, float(a.values[r, j]))
                elif status in ("n/a", "don't know"):
                    answer = (NA if status == "n/a" else DONT_KNOW).code
                children.append(
                    ChildContribution(
                        c, "item", status, _num(v), _num(lo + v * (hi - lo)), bw, 0.0, answer
                    )
                )
            values.append(v)
            counted.append(not off and not np.isnan(v))
        got = sum(bw for bw, ok in zip(rule.weights, counted, strict=True) if ok)
        children = [
            ChildContribution(
                ch.id,
                ch.kind,
                ch.status,
                ch.value,
                ch.score,
                ch.base_weight,
                round(ch.base_weight / got, 6) if ok and got > 0 else 0.0,
                ch.answer,
            )
            for ch, ok in zip(children, counted, strict=True)
        ]
        k = node_pos[node]
        s = float(nscores[0, k])
        cov = float(ncov[0, k])
        level = self.model.level_of(lo + s * (hi - lo)) if not np.isnan(s) else None
        params = {k2: v2 for k2, v2 in rule.params.items() if k2 == "p"}
        return Explanation(
            respondent,
            node,
            rule.operator,
            params,
            tuple(children),
            _num(lo + s * (hi - lo)),
            level.code if level else None,
            _num(cov),
            rule.min_coverage,
            rule.weight_source,
            (lo, hi),
        )

    # -- exports ----------------------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """One record per (row, node): id, node, score, level, coverage (and spread)."""
        levels = self.level
        out = []
        for i, rid in enumerate(self.ids):
            for j, node in enumerate(self.nodes):
                s = float(self.score[i, j])
                rec: dict[str, Any] = {
                    "respondent_id": rid,
                    "node": node,
                    "score": _num(s),
                    "level": self.model.levels[levels[i, j]].code if levels[i, j] >= 0 else None,
                    "coverage": _num(float(self.coverage[i, j])),
                }
                if self.spread is not None:
                    rec["spread"] = _num(float(self.spread[i, j]))
                out.append(rec)
        return out

    def to_json(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """Scores as JSON (model, questionnaire, nodes, one object per row); written to
        ``path`` atomically if given.
        """
        levels = self.level
        rows = []
        for i, rid in enumerate(self.ids):
            row: dict[str, Any] = {"respondent_id": rid, "scores": {}}
            if self.profiles:
                p = self.profiles[i]
                row["profile"] = {
                    k: v
                    for k, v in (
                        ("company", p.company),
                        ("sector", p.sector),
                        ("size_class", p.size_class),
                        ("region", p.region),
                        ("employees", p.employees),
                        ("turnover", p.turnover),
                        ("balance_sheet", p.balance_sheet),
                        ("date", p.date.isoformat() if p.date else None),
                    )
                    if v is not None
                }
            if self.n_respondents is not None and self.spread is not None:
                row["n_respondents"] = int(self.n_respondents[i])
            for j, node in enumerate(self.nodes):
                cell: dict[str, Any] = {
                    "score": _num(float(self.score[i, j])),
                    "level": self.model.levels[levels[i, j]].code if levels[i, j] >= 0 else None,
                    "coverage": _num(float(self.coverage[i, j])),
                }
                if self.spread is not None:
                    cell["spread"] = _num(float(self.spread[i, j]))
                row["scores"][node] = cell
            rows.append(row)
        doc = {
            "format": "maturity/scores@1",
            "model": {
                "id": self.model.id,
                "version": self.model.version,
                "range": list(self.model.range),
            },
            "questionnaire": {
                "id": self.model.questionnaire.id,
                "version": self.model.questionnaire.version,
            },
            "synthetic": self.synthetic,
            "nodes": list(self.nodes),
            "rows": rows,
        }
        text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
        if path is not None:
            from maturity.io.files import write_text

            write_text(path, text, force=force)
        return text

    def to_csv(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """Scores as CSV in long form (one row per respondent and node), safe to open in a
        spreadsheet: no cell can start a formula.
        """
        recs = self.records()
        header = ["respondent_id", "node", "score", "level", "coverage"]
        if self.spread is not None:
            header.append("spread")
        header += _PROFILE_COLUMNS if self.profiles else []
        from maturity.io.csvio import csv_text

        out: list[Sequence[object]] = []
        out.append(header)
        cells = [p.to_cells() for p in self.profiles]
        k = len(self.nodes)
        for n, rec in enumerate(recs):
            row = [safe_cell(rec["respondent_id"]), rec["node"]]
            row += ["" if rec[h] is None else str(rec[h]) for h in header[2 : len(rec)]]
            if self.profiles:
                prof = cells[n // k]
                row += [safe_cell(prof[c]) for c in _PROFILE_COLUMNS]
            out.append(row)
        text = csv_text(out)
        if path is not None:
            from maturity.io.files import write_text

            write_text(path, text, force=force)
        return text

    def to_frame(self) -> Any:
        """A pandas DataFrame in long form (needs ``pip install "maturity[pandas]"``)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("to_frame() needs pandas: pip install 'maturity[pandas]'") from None
        return pd.DataFrame.from_records(self.records())

    def _repr_html_(self) -> str:
        levels = self.level
        head = "".join(f"<th>{html.escape(n)}</th>" for n in self.nodes)
        rows = []
        for i, rid in enumerate(self.ids[:50]):
            cells = []
            for j in range(len(self.nodes)):
                s = float(self.score[i, j])
                lv = self.model.levels[levels[i, j]].code if levels[i, j] >= 0 else ""
                cells.append(
                    "<td>–</td>" if math.isnan(s) else f"<td title='{html.escape(lv)}'>{s:.2f}</td>"
                )
            rows.append(f"<tr><th>{html.escape(rid)}</th>{''.join(cells)}</tr>")
        more = f"<p>… {len(self.ids) - 50} more rows</p>" if len(self.ids) > 50 else ""
        return (
            f"<p><b>Scores</b> {html.escape(self.model.id)} "
            f"(range {self.model.range[0]:g}–{self.model.range[1]:g})</p>"
            f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}"
            f"</tbody></table>{more}"
        )


def _describe(item: Any, value: float) -> str:
    """A short text for an answer's value (the option code for scale/choice items)."""
    if item.kind in ("scale", "choice"):
        for o in item.options:
            if o.value == value:
                return str(o.code)
    if item.kind == "number":
        return f"band {value:g} of {len(item.bands)}"
    if item.kind == "multi":
        return f"{value:g} points"
    if item.kind == "boolean":
        return "yes" if value else "no"
    return f"{value:g}"
