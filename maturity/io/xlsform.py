"""The questionnaire as an XLSForm (ODK Collect, KoboToolbox, Enketo, ODK Central).

An XLSForm is a workbook with three sheets (the XLSForm specification, xlsform.org):

- ``survey``: one row per question: ``type``, ``name``, ``label::Italiano (it)`` style columns
  per language, ``hint::…``, ``required``, ``relevant`` (from our ``when:`` conditions, see
  :mod:`maturity.io.logic`), ``constraint`` and ``constraint_message::…`` (numeric ranges,
  exclusive options, code patterns) and ``calculation``;
- ``choices``: the option lists (``list_name``, ``name`` = our option code, labels);
- ``settings``: ``form_title``, ``form_id``, ``version``, ``default_language``.

Layout: a group ``profile`` with the profile questions, then one group per dimension (nested as
in the questionnaire), each with its condition as ``relevant``. ``scale``/``choice`` items are
``select_one``, ``multi`` items ``select_multiple`` (an exclusive option — "none of these",
N/A, "don't know" — is enforced by a ``constraint``), ``boolean`` items ``select_one`` of
``yes``/``no``, numbers ``decimal`` with their range as ``constraint`` and their unit in the
hint, texts ``text``. N/A and "don't know" of numbers and texts are a companion question
``<id>__special`` (:mod:`maturity.io.formplan`). The NACE section and division and the EU size
class that conditions may use are ``calculate`` fields (``_section``, ``_division``,
``_size_class``) computed from the answers.

The form's ``version`` is the questionnaire's id and version, so a submission says which
questionnaire it answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from maturity.io.export import ExportError, languages_of
from maturity.io.formplan import NACE_PATTERN, NUTS_PATTERN, SPECIAL_SUFFIX, plan_form, specials_of
from maturity.io.labels import profile_label, special_label, word
from maturity.io.logic import Dialect, Translator, Unsupported, nace_section_ranges
from maturity.io.registry import Options, export_format

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Dimension, Item, Option, Questionnaire

__all__ = ["LANGUAGE_NAMES", "XPath", "export_xlsform", "language_column"]

#: Language names for ``label::Name (code)`` columns (the code alone for others).
LANGUAGE_NAMES = {
    "en": "English",
    "it": "Italiano",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "pt": "Português",
    "nl": "Nederlands",
    "sl": "Slovenščina",
}

_SIZE = (("micro", 10, 2, 2), ("small", 50, 10, 10), ("medium", 250, 50, 43))


def language_column(kind: str, lang: str) -> str:
    """``label::Italiano (it)``: the XLSForm column of ``kind`` in ``lang``."""
    return f"{kind}::{LANGUAGE_NAMES.get(lang, lang)} ({lang})"


def xpath_string(s: str) -> str:
    """An XPath 1.0 string literal of ``s`` (``concat()`` when it holds both quotes)."""
    if "'" not in s:
        return f"'{s}'"
    if '"' not in s:
        return f'"{s}"'
    parts = s.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in parts) + ")"


def _num(x: float) -> str:
    from maturity.conditions import _format_number

    return _format_number(float(x))


class XPath(Dialect):
    """ODK XPath: ``${name}`` references, ``selected()``, ``not()``, ``true()``."""

    name = "xlsform"
    true = "true()"
    false = "false()"

    def answer(self, item: Item) -> str:
        """The value of an item's answer."""
        return f"${{{item.id}}}"

    def profile(self, name: str) -> str:
        """The value of a profile field."""
        return f"${{_{name}}}" if name in ("section", "division", "size_class") else f"${{{name}}}"

    def known_answer(self, item: Item) -> str:
        """The item has an answer that is neither N/A nor "don't know"."""
        ref = self.answer(item)
        if item.kind == "multi":
            tests = [f"count-selected({ref}) > 0"]
            tests += [f"not(selected({ref}, {xpath_string(c)}))" for c in specials_of(item)]
            return self.and_(tests)
        tests = [f"{ref} != ''"]
        if item.kind not in ("number", "text"):
            tests += [f"{ref} != {xpath_string(c)}" for c in specials_of(item)]
        return self.and_(tests)

    def known_profile(self, name: str) -> str:
        """The profile field has a value."""
        return f"{self.profile(name)} != ''"

    def const(self, value: str | float | bool, kind: str) -> str:
        """A constant."""
        if isinstance(value, bool):
            return self.true if value else self.false
        if isinstance(value, str):
            return xpath_string(value)
        return _num(value)

    def compare(self, op: str, left: str, right: str, kind: str) -> str:
        """``left op right``."""
        xop = {"==": "=", "!=": "!="}.get(op, op)
        if kind == "number":
            left, right = (
                s if s[0].isdigit() or s[0] == "-" else f"number({s})" for s in (left, right)
            )
        return f"{left} {xop} {right}"

    def is_yes(self, item: Item) -> str:
        """A yes/no item answered yes."""
        return f"{self.answer(item)} = 'yes'"

    def is_no(self, item: Item) -> str:
        """A yes/no item answered no."""
        return f"{self.answer(item)} = 'no'"

    def selected(self, multi: str, code: str) -> str:
        """The multiple-choice value holds ``code``."""
        return f"selected({multi}, {code})"

    def not_(self, x: str) -> str:
        """Not ``x``."""
        if x == self.true:
            return self.false
        if x == self.false:
            return self.true
        return f"not({x})"


def _section_calc() -> str:
    """``_section`` from ``sector``: the letter itself, else the section of its division."""
    div = "number(${_division})"
    expr = "''"
    for sec, ranges in reversed(nace_section_ranges()):
        if not ranges:
            continue
        test = " or ".join(
            f"({div} >= {a} and {div} <= {b})" if a != b else f"{div} = {a}" for a, b in ranges
        )
        expr = f"if({test}, '{sec}', {expr})"
    return f"if(regex(${{sector}}, '^[A-U]$'), ${{sector}}, if(${{_division}} = '', '', {expr}))"


def _size_calc() -> tuple[str, str]:
    """``_size_n`` (0-3) and ``_size_class`` from employees, turnover and balance sheet."""
    e, t, b = "${employees}", "${turnover}", "${balance_sheet}"
    head = f"if({e} < 10, 0, if({e} < 50, 1, if({e} < 250, 2, 3)))"
    exceeds = []
    for _, _, tmax, bmax in _SIZE:
        ex = (
            f"if({t} != '' and {b} != '', {t} > {tmax} and {b} > {bmax}, "
            f"if({t} != '', {t} > {tmax}, if({b} != '', {b} > {bmax}, false())))"
        )
        exceeds.append(f"if({ex}, 1, 0)")
    fin = " + ".join(exceeds)
    n = f"if({e} = '', '', if(({head}) >= ({fin}), {head}, {fin}))"
    cls = (
        "if(${_size_n} = '', '', "
        + "".join(f"if(${{_size_n}} = {i}, '{name}', " for i, (name, _, _, _) in enumerate(_SIZE))
        + "'large'"
        + ")" * (len(_SIZE) + 1)
    )
    return n, cls


class _Sheet:
    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.rows: list[dict[str, str]] = []

    def add_row(self, row: dict[str, str]) -> None:
        self.rows.append(row)


class _Builder:
    def __init__(self, q: Questionnaire, langs: tuple[str, ...]) -> None:
        self.q = q
        self.langs = langs
        self.plan = plan_form(q)
        self.tr = Translator(q, XPath())
        self.problems: list[str] = []
        lab = [language_column("label", lang) for lang in langs]
        hint = [language_column("hint", lang) for lang in langs]
        cmsg = [language_column("constraint_message", lang) for lang in langs]
        self.survey = _Sheet(
            [
                "type",
                "name",
                *lab,
                *hint,
                "required",
                "relevant",
                "constraint",
                *cmsg,
                "calculation",
            ]
        )
        self.choices = _Sheet(["list_name", "name", *lab])
        self.lists: dict[tuple[object, ...], str] = {}

    # -- helpers ------------------------------------------------------------------------
    def labels(self, kind: str, text: dict[str, str]) -> dict[str, str]:
        return {language_column(kind, lang): text[lang] for lang in self.langs if lang in text}

    def texts(self, t: object) -> dict[str, str]:
        from maturity.text import Text

        assert isinstance(t, Text)
        return {lang: t.lang(lang) for lang in self.langs}

    def row(self, **cells: object) -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in cells.items():
            if isinstance(v, dict):
                out.update(v)
            elif v:
                out[k] = str(v)
        self.survey.add_row(out)
        return out

    def relevant(self, conds: list[object], where: str) -> str:
        from maturity.conditions import Condition

        cs = [c for c in conds if isinstance(c, Condition)]
        if not cs:
            return ""
        try:
            expr = self.tr.show(cs)
        except Unsupported as exc:
            self.problems.append(f"{where}: {exc}")
            return ""
        return "" if expr == "true()" else expr

    def choice_list(self, base: str, options: Sequence[Option], specials: Sequence[str]) -> str:
        key = (base, tuple(o.code for o in options), tuple(specials))
        if key in self.lists:
            return self.lists[key]
        name = "".join(ch if ch.isalnum() else "_" for ch in base)
        if specials:
            name += "_" + "_".join("na" if s == "n/a" else "dk" for s in specials)
        taken = set(self.lists.values())
        stem, k = name, 2
        while name in taken:
            name, k = f"{stem}_{k}", k + 1
        self.lists[key] = name
        for o in options:
            self.choices.add_row(
                {"list_name": name, "name": o.code, **self.labels("label", self.texts(o.label))}
            )
        for s in specials:
            text = {lang: special_label(s, lang) for lang in self.langs}
            self.choices.add_row({"list_name": name, "name": s, **self.labels("label", text)})
        return name

    def messages(self, text: dict[str, str]) -> dict[str, str]:
        return self.labels("constraint_message", text)

    # -- the form -------------------------------------------------------------------------
    def build(self) -> None:
        self.profile()
        for item in self.q.root.items:
            self.item(item)
        for d in self.q.root.dimensions:
            self.dimension(d)

    def profile(self) -> None:
        plan = self.plan
        if not plan.profile and not plan.derived:
            return
        self.row(
            type="begin_group",
            name="profile",
            label=self.labels("label", {lang: word("profile", lang) for lang in self.langs}),
        )
        types = {
            "company": "text",
            "sector": "text",
            "employees": "integer",
            "turnover": "decimal",
            "balance_sheet": "decimal",
            "region": "text",
            "date": "date",
        }
        for name in plan.profile:
            constraint = {
                "sector": f"regex(., {xpath_string(NACE_PATTERN)})",
                "region": f"regex(., {xpath_string(NUTS_PATTERN)})",
                "employees": ". >= 0",
                "turnover": ". >= 0",
                "balance_sheet": ". >= 0",
            }.get(name, "")
            self.row(
                type=types[name],
                name=name,
                label=self.labels(
                    "label", {lang: profile_label(name, lang) for lang in self.langs}
                ),
                required="yes" if name in plan.required else "",
                constraint=constraint,
                cmsg=self.messages({lang: profile_label(name, lang) for lang in self.langs})
                if constraint
                else {},
            )
        if "section" in plan.derived or "division" in plan.derived:
            self.row(
                type="calculate",
                name="_division",
                calculation="if(regex(${sector}, '^[0-9]{2}'), substr(${sector}, 0, 2), '')",
            )
            self.row(type="calculate", name="_section", calculation=_section_calc())
        if "size_class" in plan.derived:
            n, cls = _size_calc()
            self.row(type="calculate", name="_size_n", calculation=n)
            self.row(type="calculate", name="_size_class", calculation=cls)
        self.row(type="end_group", name="")

    def dimension(self, d: Dimension) -> None:
        from maturity.questionnaire import PROFILE_FIELDS

        self.row(
            type="begin_group",
            name=d.id if d.id not in PROFILE_FIELDS and d.id != "profile" else f"{d.id}_group",
            label=self.labels("label", self.texts(d.title)),
            relevant=self.relevant([d.when], f"dimension '{d.id}'"),
        )
        for item in d.items:
            self.item(item)
        for sub in d.dimensions:
            self.dimension(sub)
        self.row(type="end_group", name="")

    def item(self, item: Item) -> None:
        relevant = self.relevant([item.when], f"item '{item.id}'")
        hint = self.texts(item.help) if item.help is not None else {}
        specials = specials_of(item)
        required = "yes" if item.required else ""
        label = self.labels("label", self.texts(item.text))
        if item.kind in ("scale", "choice", "boolean"):
            if item.kind == "boolean":
                from maturity.questionnaire import Option
                from maturity.text import Text

                opts: Sequence[Option] = [
                    Option(c, Text({lang: special_label(c, lang) for lang in self.langs}))
                    for c in ("yes", "no")
                ]
                base = "yes_no"
            else:
                opts = item.options
                base = item.scale or item.id
            lst = self.choice_list(base, opts, specials)
            self.row(
                type=f"select_one {lst}",
                name=item.id,
                label=label,
                hint=self.labels("hint", hint),
                required=required,
                relevant=relevant,
            )
            return
        if item.kind == "multi":
            lst = self.choice_list(item.id, item.options, specials)
            excl = [o.code for o in item.options if o.exclusive] + list(specials)
            constraint = " and ".join(
                f"(not(selected(., {xpath_string(c)})) or count-selected(.) = 1)" for c in excl
            )
            msg = {
                lang: ", ".join(
                    [o.label.lang(lang) for o in item.options if o.exclusive]
                    + [special_label(s, lang) for s in specials]
                )
                + ": "
                + {"it": "solo da sola"}.get(lang, "only on its own")
                for lang in self.langs
            }
            self.row(
                type=f"select_multiple {lst}",
                name=item.id,
                label=label,
                hint=self.labels("hint", hint),
                required=required,
                relevant=relevant,
                constraint=constraint,
                cmsg=self.messages(msg) if constraint else {},
            )
            return
        inner_relevant = relevant
        if specials:
            lst = self.choice_list("special", [], specials)
            companion = item.id + SPECIAL_SUFFIX
            if companion in self.q:
                self.problems.append(f"item '{item.id}': '{companion}' is also an id")
            self.row(
                type=f"select_one {lst}",
                name=companion,
                label=label,
                hint=self.labels(
                    "hint",
                    {
                        lang: {"it": "Lasciate vuoto per rispondere"}.get(
                            lang, "Leave empty to answer"
                        )
                        for lang in self.langs
                    },
                ),
                relevant=relevant,
            )
            empty = f"${{{companion}}} = ''"
            inner_relevant = f"({relevant}) and {empty}" if relevant else empty
        if item.kind == "number":
            parts = []
            if item.min is not None:
                parts.append(f". >= {_num(item.min)}")
            if item.max is not None:
                parts.append(f". <= {_num(item.max)}")
            rng = {
                lang: " ".join(
                    x
                    for x in (
                        word("number", lang),
                        f"{word('from', lang)} {_num(item.min)}" if item.min is not None else "",
                        f"{word('to', lang)} {_num(item.max)}" if item.max is not None else "",
                        item.unit or "",
                    )
                    if x
                )
                for lang in self.langs
            }
            hint = {k: f"{v} ({rng[k]})" for k, v in hint.items()} if hint else rng
            self.row(
                type="decimal",
                name=item.id,
                label=label,
                hint=self.labels("hint", hint),
                required=required,
                relevant=inner_relevant,
                constraint=" and ".join(parts),
                cmsg=self.messages(rng) if parts else {},
            )
            return
        self.row(
            type="text",
            name=item.id,
            label=label,
            hint=self.labels("hint", hint),
            required=required,
            relevant=inner_relevant,
            constraint=f"string-length(.) <= {item.max_length}",
        )


def _cells(sheet: _Sheet) -> tuple[list[str], list[list[str]]]:
    return sheet.columns, [[r.get(c, "") for c in sheet.columns] for r in sheet.rows]


@export_format(
    "xlsform",
    (".xlsx",),
    "an XLSForm for ODK and KoboToolbox (survey, choices, settings; relevant from conditions)",
    extra="xlsx",
)
def export_xlsform(q: Questionnaire, options: Options) -> bytes:
    """The questionnaire as an XLSForm workbook (see the module's documentation).

    Raises:
        ExportError: a condition cannot be expressed (every one is listed).

    """
    from maturity.io.sheets import SheetWriter

    langs = languages_of(q, options)
    b = _Builder(q, langs)
    b.build()
    if b.problems:
        raise ExportError("xlsform", b.problems)
    w = SheetWriter()
    for title, sheet in (("survey", b.survey), ("choices", b.choices)):
        ws = w.sheet(title)
        cols, rows = _cells(sheet)
        w.put_row(ws, 1, cols)
        for i, r in enumerate(rows, start=2):
            # expressions are written as they are (they never start like a formula); labels
            # and hints go through the formula guard
            for j, (c, v) in enumerate(zip(cols, r, strict=True), start=1):
                if v:
                    guard = c.split("::")[0] in ("label", "hint", "constraint_message")
                    w.put(ws, i, j, v, guard=guard)
    ws = w.sheet("settings")
    w.put_row(ws, 1, ["form_title", "form_id", "version", "default_language"])
    w.put_row(
        ws,
        2,
        [
            q.title.lang(langs[0]),
            q.id,
            f"{q.id}@{q.version}",
            f"{LANGUAGE_NAMES.get(langs[0], langs[0])} ({langs[0]})",
        ],
    )
    return w.to_bytes()
