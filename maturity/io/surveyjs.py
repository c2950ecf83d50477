"""SurveyJS: the questionnaire as a SurveyJS form (JSON), and SurveyJS results read as answers.

**Export** (``export --to surveyjs``): a SurveyJS survey JSON (the schema of the
``survey-core`` library):

- a page ``profile`` with the profile questions, then one page per top-level dimension, a
  ``panel`` per sub-dimension; conditions become ``visibleIf`` expressions
  (:mod:`maturity.io.logic`: exact under our three-valued logic);
- ``scale``/``choice`` items are ``radiogroup`` questions, ``multi`` items ``checkbox`` (an
  exclusive option has ``isExclusive``), ``boolean`` items ``boolean`` with ``valueTrue: "yes"``
  / ``valueFalse: "no"`` (a ``radiogroup`` of yes/no when N/A or "don't know" is allowed),
  numbers ``text`` with ``inputType: "number"``, ``min``/``max`` and a numeric validator, texts
  ``comment``; choice values are our option codes;
- every text is a localisable string ``{"default": …, "it": …, "en": …}`` (the first language
  is the default and the survey's ``locale``);
- "don't know" is SurveyJS's own ``showDontKnowItem`` (its value is ``dontknow``); N/A is a
  choice ``n/a`` (exclusive in a checkbox); numbers and texts get a companion question
  ``<id>__special`` (:mod:`maturity.io.formplan`);
- the NACE section and division and the EU size class that conditions may use are
  ``calculatedValues`` (``_section``, ``_division``, ``_size_class``).

SurveyJS compares texts ignoring case and treats numeric texts as numbers (``'05' = '5'``); a
condition that compares a text answer, or option codes that only differ that way, is exported
with an :class:`~maturity.io.export.ExportWarning`.

**Import** (``source="surveyjs"``): a JSON list of SurveyJS result objects (``survey.data``),
or an object holding that list under ``results``, ``data`` or ``respondents``. Keys are our
item ids and profile fields; ``dontknow`` is "don't know"; companions fold into their item.
The respondent id is the ``respondent_id`` key, else the result's 1-based position.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity.io.export import ExportError, languages_of, warn
from maturity.io.formplan import NACE_PATTERN, NUTS_PATTERN, SPECIAL_SUFFIX, plan_form, specials_of
from maturity.io.labels import profile_label, special_label, word
from maturity.io.logic import Dialect, Translator, Unsupported, nace_section_ranges
from maturity.io.registry import Options, answers_format, export_format
from maturity.io.table import RawTable
from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE

if TYPE_CHECKING:  # pragma: no cover
    from maturity.conditions import Condition
    from maturity.questionnaire import Dimension, Item, Questionnaire
    from maturity.text import Text

__all__ = ["DONT_KNOW_VALUE", "Expression", "export_surveyjs", "read_surveyjs"]

#: The value SurveyJS gives its "don't know" choice (``settings.dontKnowItemValue``).
DONT_KNOW_VALUE = "dontknow"
_SIZE = (("micro", 10, 2, 2), ("small", 50, 10, 10), ("medium", 250, 50, 43))
_LETTERS = "[" + ", ".join(f"'{chr(c)}'" for c in range(ord("A"), ord("V"))) + "]"


def sjs_string(s: str) -> str:
    """A SurveyJS expression string literal."""
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _num(x: float) -> str:
    from maturity.conditions import _format_number

    return _format_number(float(x))


class Expression(Dialect):
    """SurveyJS expressions: ``{name}``, ``contains``, ``notempty``, ``!``."""

    name = "surveyjs"
    true = "true"
    false = "false"

    def __init__(self) -> None:
        self.fuzzy: set[str] = set()

    def answer(self, item: Item) -> str:
        """The value of an item's answer."""
        return f"{{{item.id}}}"

    def profile(self, name: str) -> str:
        """The value of a profile field."""
        return f"{{_{name}}}" if name in ("section", "division", "size_class") else f"{{{name}}}"

    def known_answer(self, item: Item) -> str:
        """The item has an answer that is neither N/A nor "don't know"."""
        ref = self.answer(item)
        tests = [f"{ref} notempty"]
        if item.kind in ("number", "text"):
            return tests[0]
        for c in specials_of(item):
            v = sjs_string(DONT_KNOW_VALUE if c == DONT_KNOW_CODE else c)
            tests.append(f"{ref} notcontains {v}" if item.kind == "multi" else f"{ref} != {v}")
        return self.and_(tests)

    def known_profile(self, name: str) -> str:
        """The profile field has a value."""
        return f"{self.profile(name)} notempty"

    def const(self, value: str | float | bool, kind: str) -> str:
        """A constant."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return sjs_string(value)
        return _num(value)

    def compare(self, op: str, left: str, right: str, kind: str) -> str:
        """``left op right``."""
        if kind == "text":
            self.fuzzy.add(f"{left} = {right}")
        sop = {"==": "="}.get(op, op)
        return f"{left} {sop} {right}"

    def is_yes(self, item: Item) -> str:
        """A yes/no item answered yes."""
        return f"{self.answer(item)} = 'yes'"

    def is_no(self, item: Item) -> str:
        """A yes/no item answered no."""
        return f"{self.answer(item)} = 'no'"

    def selected(self, multi: str, code: str) -> str:
        """The multiple-choice value holds ``code``."""
        return f"{multi} contains {code}"

    def not_selected(self, multi: str, code: str) -> str:
        """The multiple-choice value does not hold ``code``."""
        return f"{multi} notcontains {code}"

    def not_(self, x: str) -> str:
        """Not ``x``."""
        if x == self.true:
            return self.false
        if x == self.false:
            return self.true
        return f"!({x})"


def _calculated(derived: tuple[str, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if "section" in derived or "division" in derived:
        out.append(
            {
                "name": "_division",
                "expression": f"iif({{sector}} empty or {{sector}} anyof {_LETTERS}, '', "
                "iif(trunc({sector}) > 0, trunc({sector}), substring({sector}, 0, 2)))",
            }
        )
        expr = "''"
        for sec, ranges in reversed(nace_section_ranges()):
            if not ranges:
                continue
            test = " or ".join(
                f"({{_division}} >= {a} and {{_division}} <= {b})"
                if a != b
                else f"{{_division}} = {a}"
                for a, b in ranges
            )
            expr = f"iif({test}, '{sec}', {expr})"
        out.append(
            {
                "name": "_section",
                "expression": f"iif({{sector}} anyof {_LETTERS}, {{sector}}, "
                f"iif({{_division}} empty, '', {expr}))",
            }
        )
    if "size_class" in derived:
        e, t, b = "{employees}", "{turnover}", "{balance_sheet}"
        head = f"iif({e} < 10, 0, iif({e} < 50, 1, iif({e} < 250, 2, 3)))"
        ex = []
        for _, _, tmax, bmax in _SIZE:
            cond = (
                f"iif({t} notempty and {b} notempty, {t} > {tmax} and {b} > {bmax}, "
                f"iif({t} notempty, {t} > {tmax}, iif({b} notempty, {b} > {bmax}, false)))"
            )
            ex.append(f"iif({cond}, 1, 0)")
        fin = " + ".join(ex)
        out.append({"name": "_size_n", "expression": f"iif({e} empty, '', max({head}, {fin}))"})
        cls = "'large'"
        for i, (name, _, _, _) in reversed(list(enumerate(_SIZE))):
            cls = f"iif({{_size_n}} = {i}, '{name}', {cls})"
        out.append({"name": "_size_class", "expression": f"iif({{_size_n}} empty, '', {cls})"})
    return out


class _Builder:
    def __init__(self, q: Questionnaire, langs: tuple[str, ...]) -> None:
        self.q = q
        self.langs = langs
        self.plan = plan_form(q)
        self.dialect = Expression()
        self.tr = Translator(q, self.dialect)
        self.problems: list[str] = []

    def loc(self, texts: dict[str, str]) -> dict[str, str]:
        out = {"default": texts[self.langs[0]]}
        out.update({lang: texts[lang] for lang in self.langs})
        return out

    def text(self, t: Text) -> dict[str, str]:
        return self.loc({lang: t.lang(lang) for lang in self.langs})

    def words(self, fn: Any, key: str) -> dict[str, str]:
        return self.loc({lang: fn(key, lang) for lang in self.langs})

    def visible(self, conds: list[Condition | None], where: str, extra: str = "") -> dict[str, str]:
        cs = [c for c in conds if c is not None]
        expr = "true"
        if cs:
            try:
                expr = self.tr.show(cs)
            except Unsupported as exc:
                self.problems.append(f"{where}: {exc}")
        if extra:
            expr = self.dialect.and_([expr, extra])
        return {} if expr == "true" else {"visibleIf": expr}

    def survey(self) -> dict[str, Any]:
        q = self.q
        pages = []
        profile = self.profile()
        if profile:
            pages.append(
                {"name": "profile", "title": self.words(word, "profile"), "elements": profile}
            )
        if q.root.items:
            pages.append(
                {
                    "name": "general",
                    "title": self.text(q.title),
                    "elements": [e for i in q.root.items for e in self.item(i)],
                }
            )
        for d in q.root.dimensions:
            pages.append(
                {
                    "name": d.id,
                    "title": self.text(d.title),
                    **({"description": self.text(d.description)} if d.description else {}),
                    **self.visible([d.when], f"dimension '{d.id}'"),
                    "elements": self.elements(d),
                }
            )
        out: dict[str, Any] = {
            "title": self.text(q.title),
            "locale": self.langs[0],
            "showQuestionNumbers": "off",
            "pages": pages,
        }
        calc = _calculated(self.plan.derived)
        if calc:
            out["calculatedValues"] = calc
        return out

    def profile(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for name in self.plan.profile:
            el: dict[str, Any] = {
                "type": "text",
                "name": name,
                "title": self.words(profile_label, name),
            }
            if name in self.plan.required:
                el["isRequired"] = True
            if name in ("employees", "turnover", "balance_sheet"):
                el.update(inputType="number", min=0)
                if name == "employees":
                    el["step"] = 1
            elif name == "date":
                el["inputType"] = "date"
            elif name in ("sector", "region"):
                el["validators"] = [
                    {
                        "type": "regex",
                        "regex": NACE_PATTERN if name == "sector" else NUTS_PATTERN,
                        "text": self.words(profile_label, name),
                    }
                ]
            elif name == "company":
                el["type"] = "text"
            out.append(el)
        return out

    def elements(self, d: Dimension) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for item in d.items:
            out.extend(self.item(item))
        for sub in d.dimensions:
            out.append(
                {
                    "type": "panel",
                    "name": sub.id,
                    "title": self.text(sub.title),
                    **({"description": self.text(sub.description)} if sub.description else {}),
                    **self.visible([sub.when], f"dimension '{sub.id}'"),
                    "elements": self.elements(sub),
                }
            )
        return out

    def choice(self, code: str, label: dict[str, str], exclusive: bool = False) -> dict[str, Any]:
        c: dict[str, Any] = {"value": code, "text": self.loc(label)}
        if exclusive:
            c["isExclusive"] = True
        return c

    def item(self, item: Item) -> list[dict[str, Any]]:
        base: dict[str, Any] = {"name": item.id, "title": self.text(item.text)}
        if item.help is not None:
            base["description"] = self.text(item.help)
        if item.required:
            base["isRequired"] = True
        where = f"item '{item.id}'"
        specials = specials_of(item)
        dk = DONT_KNOW_CODE in specials
        na = NA_CODE in specials
        if item.kind in ("scale", "choice", "multi") or (item.kind == "boolean" and specials):
            if item.kind == "boolean":
                opts = [
                    self.choice(c, {lang: special_label(c, lang) for lang in self.langs})
                    for c in ("yes", "no")
                ]
            else:
                opts = [
                    self.choice(
                        o.code,
                        {lang: o.label.lang(lang) for lang in self.langs},
                        item.kind == "multi" and o.exclusive,
                    )
                    for o in item.options
                ]
            if na:
                opts.append(
                    self.choice(
                        NA_CODE,
                        {lang: special_label(NA_CODE, lang) for lang in self.langs},
                        item.kind == "multi",
                    )
                )
            el: dict[str, Any] = {
                "type": "checkbox" if item.kind == "multi" else "radiogroup",
                **base,
                **self.visible([item.when], where),
                "choices": opts,
            }
            if dk:
                if DONT_KNOW_VALUE in item.codes:
                    self.problems.append(
                        f"{where}: the option code '{DONT_KNOW_VALUE}' is SurveyJS's value of "
                        '"don\'t know"; rename the option'
                    )
                el["showDontKnowItem"] = True
                el["dontKnowText"] = self.words(special_label, DONT_KNOW_CODE)
            self._fuzzy_codes(item)
            return [el]
        if item.kind == "boolean":
            return [
                {
                    "type": "boolean",
                    **base,
                    **self.visible([item.when], where),
                    "valueTrue": "yes",
                    "valueFalse": "no",
                    "labelTrue": self.words(special_label, "yes"),
                    "labelFalse": self.words(special_label, "no"),
                }
            ]
        out: list[dict[str, Any]] = []
        extra = ""
        if specials:
            companion = item.id + SPECIAL_SUFFIX
            out.append(
                {
                    "type": "radiogroup",
                    "name": companion,
                    "title": self.text(item.text),
                    **self.visible([item.when], where),
                    "choices": [
                        self.choice(s, {lang: special_label(s, lang) for lang in self.langs})
                        for s in specials
                    ],
                    "showClearButton": True,
                }
            )
            extra = f"{{{companion}}} empty"
        vis = self.visible([item.when], where, extra)
        if item.kind == "number":
            el = {"type": "text", **base, **vis, "inputType": "number"}
            validator: dict[str, Any] = {"type": "numeric"}
            if item.min is not None:
                el["min"] = item.min
                validator["minValue"] = item.min
            if item.max is not None:
                el["max"] = item.max
                validator["maxValue"] = item.max
            el["validators"] = [validator]
            if item.unit:
                el["title"] = (
                    self.loc({lang: f"{item.text.lang(lang)} ({item.unit})" for lang in self.langs})
                    if f"({item.unit})" not in str(item.text)
                    else el["title"]
                )
            out.append(el)
        else:
            out.append({"type": "comment", **base, **vis, "maxLength": item.max_length})
        return out

    def _fuzzy_codes(self, item: Item) -> None:
        seen: dict[str, str] = {}
        for c in item.codes:
            key = c.casefold()
            with contextlib.suppress(ValueError):
                key = _num(float(c))
            if key in seen and self._used(item.id):
                warn(
                    "surveyjs",
                    f"item '{item.id}': SurveyJS takes the codes '{seen[key]}' and '{c}' for "
                    "equal in conditions (it ignores case and compares numbers)",
                )
            seen[key] = c

    def _used(self, item_id: str) -> bool:
        return any(
            c is not None and item_id in c.answer_refs
            for c in [i.when for i in self.q.items] + [d.when for d in self.q.dimensions]
        )


@export_format(
    "surveyjs",
    (".json",),
    "a SurveyJS form (JSON): pages per dimension, visibleIf from conditions, it/en texts",
)
def export_surveyjs(q: Questionnaire, options: Options) -> bytes:
    """The questionnaire as a SurveyJS survey JSON (see the module's documentation).

    Raises:
        ExportError: a condition cannot be expressed (every one is listed).

    """
    langs = languages_of(q, options)
    b = _Builder(q, langs)
    survey = b.survey()
    if b.problems:
        raise ExportError("surveyjs", b.problems)
    for text in sorted(b.dialect.fuzzy):
        warn(
            "surveyjs",
            f"the comparison {text} is of texts: SurveyJS ignores case and reads numeric "
            "texts as numbers, so it may hold where ours does not",
        )
    return (json.dumps(survey, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------
# results


def _records(
    text: str, name: str
) -> tuple[list[dict[str, Any]], list[dict[str, tuple[int, int]]], list[int]]:
    from maturity.io.jsonio import json_records

    records = json_records(
        text,
        name,
        keys=("results", "data", "respondents"),
        what="SurveyJS results (one object per respondent)",
    )
    return [r for _, r, _ in records], [w for _, _, w in records], [ln for ln, _, _ in records]


@answers_format(
    "surveyjs",
    (".json",),
    "SurveyJS results: a JSON list of result objects (survey.data)",
    records=True,
)
def read_surveyjs(path: Path, questionnaire: Questionnaire, options: Options) -> RawTable:
    """Read SurveyJS results (see the module's documentation). Option: ``date_format``."""
    from maturity.io.csvio import decode
    from maturity.responses import ID_COLUMN

    name = str(options.get("name", path))
    records, marks, lines = _records(decode(path.read_bytes(), name), name)
    q = questionnaire
    items = {i.id: i for i in q.items}
    rows: list[dict[str, Any]] = []
    row_marks: list[dict[str, tuple[int, int]]] = []
    for n, (rec, where) in enumerate(zip(records, marks, strict=True), start=1):
        row: dict[str, Any] = {}
        mk: dict[str, tuple[int, int]] = {}
        for key, value in rec.items():
            target = key
            if key.endswith(SPECIAL_SUFFIX) and key[: -len(SPECIAL_SUFFIX)] in items:
                target = key[: -len(SPECIAL_SUFFIX)]
                if value in (None, "", []):
                    continue
            item = items.get(target)
            if item is not None:
                value = _value(item, value)
            if value is None:
                continue
            row[target] = value
            if key in where:
                mk[target] = where[key]
        if ID_COLUMN not in row:
            row[ID_COLUMN] = str(n)
        rows.append(row)
        row_marks.append(mk)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    return RawTable(
        file=name,
        columns=tuple(columns),
        cells={c: [r.get(c) for r in rows] for c in columns},
        n_rows=len(rows),
        lines=lines,
        marks=row_marks,
        date_format=options.get("date_format"),
        records=True,  # SurveyJS stores no key for what is not answered
    )


def _value(item: Item, value: Any) -> Any:
    if value == DONT_KNOW_VALUE and item.dont_know and DONT_KNOW_VALUE not in item.codes:
        return DONT_KNOW_CODE
    if isinstance(value, list):
        codes = [DONT_KNOW_CODE if v == DONT_KNOW_VALUE and item.dont_know else v for v in value]
        if len(codes) == 1 and codes[0] in (NA_CODE, DONT_KNOW_CODE):
            return codes[0]
        return codes
    if item.kind == "boolean" and isinstance(value, bool):
        return "yes" if value else "no"
    return value
