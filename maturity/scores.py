"""Scores: the result of scoring, with explanations and exports."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import numpy.typing as npt

    from maturity.errors import Problem
    from maturity.model import Level, ScoringModel
    from maturity.responses import AnswerMatrix, Profile

from maturity.io.guard import safe_cell
from maturity.numbers import fixed, percent

__all__ = ["STATUSES", "ChildContribution", "Explanation", "Scores"]


_PROFILE_COLUMNS = ["company", "sector", "employees", "turnover", "balance_sheet", "region", "date"]


def json_number(x: float, digits: int = 6) -> float | None:
    """A number for JSON and CSV exports: rounded, None for NaN (JSON has no NaN)."""
    return None if x != x else round(float(x), digits)


_num = json_number


def _val(x: float) -> float | None:
    """A float kept exactly (None for NaN): what files and explanations carry."""
    return None if x != x else float(x)


#: The status of a node's score: it has one, it is not applicable (every item below it is N/A
#: or not asked), or too few of its items were answered (coverage below ``min_coverage``).
STATUSES = ("scored", "not_applicable", "insufficient")


@dataclass(frozen=True, slots=True)
class ChildContribution:
    """One child of an explained node: its score, weight and status."""

    id: str
    kind: str  # "item" or "node"
    #: items: "answered", "n/a", "not asked", "don't know", "missing"; nodes: "scored",
    #: "not applicable" (every child N/A or not asked), "too few answers" (coverage too low)
    status: str
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
    status: str = "scored"  # "scored", "not_applicable" or "insufficient" (see STATUSES)

    def __str__(self) -> str:
        shown = {"not_applicable": "not applicable", "insufficient": "too few answers"}
        lines = [
            f"{self.node} for {self.respondent}: "
            + (fixed(self.score) if self.score is not None else shown[self.status])
            + (f" (level {self.level})" if self.level else "")
        ]
        params = ", ".join(
            f"{k}={v:g}" for k, v in self.params.items() if isinstance(v, int | float)
        )
        lines.append(
            f"  operator {self.operator}{' (' + params + ')' if params else ''}, "
            f"weights {self.weight_source}, coverage "
            + (percent(self.coverage) if self.coverage is not None else "n/a")
            + f" (minimum {percent(self.min_coverage)})"
        )
        w = max(len(c.id) for c in self.children) if self.children else 4
        for c in self.children:
            sc = f"{fixed(c.score):>6}" if c.score is not None else "     -"
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
    #: One profile per row (or none): a tuple, or a :class:`~maturity.profile_columns.ProfileList`
    #: that makes each profile from columns when it is looked at.
    profiles: Sequence[Profile] = field(default=(), repr=False)
    answers: AnswerMatrix | None = field(default=None, repr=False)
    spread: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    n_respondents: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    synthetic: bool = False
    #: Warnings raised while scoring, each located (file, field) and naming the respondents:
    #: e.g. respondents of one company giving different profile fields (R040).
    warnings: tuple[Problem, ...] = field(default=(), repr=False)

    @classmethod
    def from_csv(
        cls, source: str | Path, model: ScoringModel, *, synthetic: bool = False
    ) -> Scores:
        """Read scores written by :meth:`to_csv` (long form, profile columns optional).

        Every number reads back as the float that was written (full precision), so the
        scores, coverage and spread equal those in memory exactly.

        Raises:
            ResponseError: the file cannot be read, is not a scores CSV of ``model``, or
                holds a cell it cannot hold (a number that is not one, a node not in the
                model, a respondent and node twice, ...): each problem names the file, the
                line and the column (:mod:`maturity.io.scorefiles`).

        """
        from maturity.io.scorefiles import read_scores_csv

        return read_scores_csv(source, model, synthetic=synthetic)

    @classmethod
    def from_json(
        cls, source: str | Path, model: ScoringModel, *, synthetic: bool | None = None
    ) -> Scores:
        """Read scores written by :meth:`to_json` (for a peer population, say).

        The file must have been made with the same model id; profiles, spread and the number
        of respondents are read back, answers are not (so :meth:`explain` is unavailable).
        Numbers read back exactly as they were in memory.

        Raises:
            ResponseError: the file cannot be read, is not JSON, not a scores file of
                ``model``, or holds a value it cannot hold: each problem names the file, the
                line and the field (``rows[3].scores.root.score``; see
                :mod:`maturity.io.scorefiles`).

        """
        from maturity.io.scorefiles import read_scores_json

        return read_scores_json(source, model, synthetic=synthetic)

    @property
    def profile_keys(self) -> Mapping[str, Any] | None:
        """The peer-group fields of the profiles factorised from their columns
        (:data:`~maturity.benchmarking.ProfileKeys`), which :func:`~maturity.benchmark` uses
        instead of looking at every profile; ``None`` when the profiles are not kept as
        columns (then benchmarking reads :attr:`profiles`).
        """
        keys: Mapping[str, Any] | None = getattr(self.profiles, "profile_keys", None)
        return keys

    @property
    def not_applicable(self) -> npt.NDArray[np.bool_]:
        """True where a node is not applicable (rows × nodes): none of its items applies
        (every one N/A or hidden by a condition, also through sub-dimensions that are all not
        applicable), so it has no score *and* nothing is missing. Such a node is shown as
        "not applicable", never as "too few answers". The engine marks it by a NaN coverage.
        """
        import numpy as np

        out: npt.NDArray[np.bool_] = np.isnan(self.coverage) & np.isnan(self.score)
        return out

    @property
    def insufficient(self) -> npt.NDArray[np.bool_]:
        """True where a node applies but has no score: too few answers (coverage below the
        node's ``min_coverage``, or nothing answered), rows × nodes.
        """
        import numpy as np

        out: npt.NDArray[np.bool_] = np.isnan(self.score) & ~np.isnan(self.coverage)
        return out

    @property
    def status(self) -> npt.NDArray[np.str_]:
        """Per row and node, one of :data:`STATUSES`: ``scored``, ``not_applicable``,
        ``insufficient``.
        """
        import numpy as np

        out: npt.NDArray[np.str_] = np.where(
            ~np.isnan(self.score),
            "scored",
            np.where(np.isnan(self.coverage), "not_applicable", "insufficient"),
        )
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
        summary = f", root median {fixed(float(np.median(have)))}" if have.size else ""
        return f"<Scores {self.model.id}: {len(self.ids)} rows × {len(self.nodes)} nodes{summary}>"

    # -- explanation ------------------------------------------------------------------
    def explain(self, respondent: str, node: str = "root") -> Explanation:
        """How one node's score was made for one respondent: children, weights, operator,
        what was missing. Re-scores that respondent alone (a batch of one).
        """
        import numpy as np

        from maturity.engine import compile_model, run
        from maturity.responses import DONT_KNOW, NA

        if self.answers is None:
            raise ValueError("these scores carry no answers to explain")
        r = self._row(respondent)
        rule = self.model.rules[node]
        a = self.answers
        cm = compile_model(self.model, a.item_ids)
        sl = slice(r, r + 1)
        nscores, ncov = run(
            cm, a.values[sl], a.na[sl], a.dont_know[sl], a.applicable[sl], engine="numpy"
        )
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
                status = (
                    "not applicable" if off else ("too few answers" if np.isnan(v) else "scored")
                )
                children.append(
                    ChildContribution(c, "node", status, _val(v), _val(lo + v * (hi - lo)), bw, 0.0)
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
                        c, "item", status, _val(v), _val(lo + v * (hi - lo)), bw, 0.0, answer
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
            _val(lo + s * (hi - lo)),
            level.code if level else None,
            _val(cov),
            rule.min_coverage,
            rule.weight_source,
            (lo, hi),
            "scored" if not np.isnan(s) else "not_applicable" if np.isnan(cov) else "insufficient",
        )

    # -- exports ----------------------------------------------------------------------
    def records(self) -> list[dict[str, Any]]:
        """One record per (row, node): id, node, score, level, status, coverage (and spread,
        number of respondents). Numbers are the stored floats (None for NaN).
        """
        levels = self.level
        status = self.status
        codes = [lv.code for lv in self.model.levels]
        out = []
        for i, rid in enumerate(self.ids):
            for j, node in enumerate(self.nodes):
                rec: dict[str, Any] = {
                    "respondent_id": rid,
                    "node": node,
                    "score": _val(self.score[i, j]),
                    "level": codes[levels[i, j]] if levels[i, j] >= 0 else None,
                    "status": str(status[i, j]),
                    "coverage": _val(self.coverage[i, j]),
                }
                if self.spread is not None:
                    rec["spread"] = _val(self.spread[i, j])
                if self.n_respondents is not None:
                    rec["n_respondents"] = int(self.n_respondents[i])
                out.append(rec)
        return out

    def to_json(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """Scores as JSON (model, questionnaire, nodes, one object per row); written to
        ``path`` atomically if given. Numbers keep full precision (the shortest text that
        reads back as the same float), so :meth:`from_json` gives back identical arrays.
        Per node: ``score`` and ``level`` (null where there is none), ``status``
        (:data:`STATUSES`), ``coverage`` (null where not applicable), and ``spread`` for
        companies.
        """
        levels = self.level
        status = self.status
        codes = [lv.code for lv in self.model.levels]
        profiles = list(self.profiles)  # made once (a ProfileList makes them in blocks)
        rows = []
        for i, rid in enumerate(self.ids):
            row: dict[str, Any] = {"respondent_id": rid, "scores": {}}
            if profiles:
                p = profiles[i]
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
            if self.n_respondents is not None:
                row["n_respondents"] = int(self.n_respondents[i])
            for j, node in enumerate(self.nodes):
                cell: dict[str, Any] = {
                    "score": _val(self.score[i, j]),
                    "level": codes[levels[i, j]] if levels[i, j] >= 0 else None,
                    "status": str(status[i, j]),
                    "coverage": _val(self.coverage[i, j]),
                }
                if self.spread is not None:
                    cell["spread"] = _val(self.spread[i, j])
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
        # json writes a float as its repr: the shortest text that reads back the same float
        text = json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
        if path is not None:
            from maturity.io.files import write_text

            write_text(path, text, force=force)
        return text

    def to_csv(self, path: str | Path | None = None, *, force: bool = False) -> str:
        """Scores as CSV in long form (one row per respondent and node), safe to open in a
        spreadsheet: no cell can start a formula. Columns: ``respondent_id, node, score,
        level, coverage, status`` (then ``spread, n_respondents`` for companies, and the
        profile); ``score`` and ``level`` are empty where there is no score, ``coverage``
        where the node is not applicable. Numbers keep full precision
        (:func:`maturity.numbers.shortest`).
        """
        from maturity.io.csvio import csv_text
        from maturity.numbers import shortest

        levels = self.level
        status = self.status
        codes = [lv.code for lv in self.model.levels]
        header = ["respondent_id", "node", "score", "level", "coverage", "status"]
        if self.spread is not None:
            header += ["spread", "n_respondents"]
        profiles = list(self.profiles)  # made once (a ProfileList makes them in blocks)
        header += _PROFILE_COLUMNS if profiles else []
        out: list[Sequence[object]] = [header]
        for i, rid in enumerate(self.ids):
            head = safe_cell(rid)
            prof = (
                [safe_cell(c) for c in (profiles[i].to_cells()[n] for n in _PROFILE_COLUMNS)]
                if profiles
                else []
            )
            tail: list[str] = []
            if self.spread is not None:
                count = "" if self.n_respondents is None else str(int(self.n_respondents[i]))
            for j, node in enumerate(self.nodes):
                row = [
                    head,
                    node,
                    shortest(self.score[i, j]),
                    codes[levels[i, j]] if levels[i, j] >= 0 else "",
                    shortest(self.coverage[i, j]),
                    str(status[i, j]),
                ]
                if self.spread is not None:
                    tail = [shortest(self.spread[i, j]), count]
                out.append(row + tail + prof)
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
                    "<td>–</td>"
                    if math.isnan(s)
                    else f"<td title='{html.escape(lv)}'>{fixed(s)}</td>"
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
