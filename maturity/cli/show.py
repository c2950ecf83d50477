"""``maturity show``: the tree of a questionnaire, the levels of a scoring model, or the actions
of an action catalogue; item counts and the languages covered, naming every text that a
declared language lacks.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from maturity.cli.common import command, format_of, out
from maturity.numbers import counted, percent

if TYPE_CHECKING:  # pragma: no cover
    from maturity.model import ScoringModel
    from maturity.questionnaire import Dimension, Questionnaire
    from maturity.text import Text


def questionnaire_texts(q: Questionnaire) -> Iterator[tuple[str, Text]]:
    """Every translatable text of a questionnaire, with its field path."""
    yield "title", q.title
    if q.description is not None:
        yield "description", q.description
    for k, src in enumerate(q.sources):
        if src.note is not None:
            yield f"sources[{k}].note", src.note
    for s in q.scales:
        if s.label is not None:
            yield f"scales.{s.id}.label", s.label
        for o in s.options:
            yield f"scales.{s.id}.options.{o.code}.label", o.label
    for d in q.dimensions:
        yield f"{d.id}.title", d.title
        if d.description is not None:
            yield f"{d.id}.description", d.description
    for i in q.items:
        yield f"{i.id}.text", i.text
        if i.help is not None:
            yield f"{i.id}.help", i.help
        if i.kind != "scale":
            for o in i.options:
                yield f"{i.id}.options.{o.code}.label", o.label


def model_texts(m: ScoringModel) -> Iterator[tuple[str, Text]]:
    """Every translatable text of a scoring model (titles, level names and descriptions, and
    the levels described per node), with its field path.
    """
    yield "title", m.title
    if m.description is not None:
        yield "description", m.description
    for lv in m.levels:
        yield f"levels.{lv.code}.label", lv.label
        if lv.description is not None:
            yield f"levels.{lv.code}.description", lv.description
    for node in m.nodes:
        for code, text in m.rules[node].level_descriptions.items():
            yield f"nodes.{node}.levels.{code}", text


def missing_by_language(
    texts: list[tuple[str, Text]], languages: tuple[str, ...]
) -> dict[str, list[str]]:
    """Per declared language, the paths of the texts that lack it."""
    return {lang: [path for path, t in texts if lang not in t] for lang in languages}


def coverage_by_language(q: Questionnaire) -> dict[str, float]:
    """Share of the questionnaire's text fields that have a translation, per language."""
    texts = [t for _, t in questionnaire_texts(q)]
    return {lang: sum(lang in t for t in texts) / len(texts) for lang in q.languages}


def _languages_line(texts: list[tuple[str, Text]], languages: tuple[str, ...]) -> list[str]:
    """The line of language shares and, per language lacking texts, the paths missing."""
    missing = missing_by_language(texts, languages)
    n = len(texts)
    shares = [
        f"{lang} {100 * (n - len(missing[lang])) / n:.0f}%" if n else f"{lang} -"
        for lang in languages
    ]
    lines = ["languages: " + ", ".join(shares) + f" of {counted(n, 'text')}"]
    for lang in languages:
        if missing[lang]:
            shown = ", ".join(missing[lang][:20])
            more = f" and {len(missing[lang]) - 20} more" if len(missing[lang]) > 20 else ""
            lines.append(f"missing in {lang} ({len(missing[lang])}): {shown}{more}")
    return lines


def _add(sub: Any) -> None:
    s = sub.add_parser(
        "show",
        help="print a questionnaire's tree, a scoring model's levels or a catalogue's actions",
        description="Print the tree of a questionnaire with item counts per node, the levels "
        "of a scoring model, or the actions of an action catalogue, and the languages covered, "
        "naming every text that a declared language lacks.",
    )
    s.add_argument("source", metavar="FILE|ID")
    s.add_argument("--lang", help="language of titles (default: the file's first language)")
    s.add_argument(
        "--items",
        action="store_true",
        help="list the items too (for a catalogue: what each action raises and requires)",
    )


def _show_model(m: ScoringModel, lang: str) -> int:
    q = m.questionnaire
    out(f"{m.id} {m.version}: {m.title.lang(lang)}")
    out(f"for {q.id} {m.questionnaire_versions}; range {m.range[0]:g}-{m.range[1]:g}")
    for line in _languages_line(list(model_texts(m)), q.languages):
        out(line)
    out("")
    out("levels:")
    for lv in m.levels:
        out(f"  {lv.min:>6g}  {lv.code}  {lv.label.lang(lang)}")
    described = [n for n in m.top_nodes if m.rules[n].level_descriptions]
    out("")
    out(f"levels described per dimension: {len(described)} of {len(m.top_nodes)}")
    for n in m.top_nodes:
        codes = m.rules[n].level_descriptions
        mark = ", ".join(lv.code for lv in m.levels if lv.code in codes) or "-"
        out(f"  {n}  {q.node(n).title.lang(lang)}: {mark}")
    return 0


@command("show", _add)
def run(args: argparse.Namespace) -> int:
    """Print the tree of a questionnaire, the levels of a scoring model or the actions of a
    catalogue (told apart by their ``format:`` tag).
    """
    from maturity.questionnaire import load_questionnaire

    fmt = format_of(args.source) or ""
    if fmt.startswith("maturity/action-catalogue"):
        return _show_actions(args)
    if fmt.startswith("maturity/scoring-model"):
        from maturity.model import load_model

        m = load_model(args.source)
        return _show_model(m, args.lang or m.questionnaire.languages[0])
    q = load_questionnaire(args.source)
    lang = args.lang or q.languages[0]
    kinds: dict[str, int] = {}
    for i in q.items:
        kinds[i.kind] = kinds.get(i.kind, 0) + 1
    out(f"{q.id} {q.version}: {q.title.lang(lang)}")
    for line in _languages_line(list(questionnaire_texts(q)), q.languages):
        out(line)
    out(
        f"{counted(len(q.items), 'item')} ("
        + ", ".join(f"{n} {k}" for k, n in kinds.items())
        + f"), {counted(len(q.dimensions), 'dimension')}, "
        f"{sum(1 for i in q.items if i.when or q.conditions_of(i.id))} conditional"
    )
    out("")

    def count(d: Dimension) -> int:
        return sum(1 for _ in d.all_items())

    def tree(d: Dimension, prefix: str) -> None:
        children = [*d.dimensions]
        for k, sub in enumerate(children):
            last = k == len(children) - 1 and not (args.items and d.items)
            mark = "└─ " if last else "├─ "
            cond = "  [when]" if sub.when else ""
            items = counted(count(sub), "item")
            out(f"{prefix}{mark}{sub.id}  {sub.title.lang(lang)}  ({items}){cond}")
            tree(sub, prefix + ("   " if last else "│  "))
        if args.items:
            for k, item in enumerate(d.items):
                mark = "└─ " if k == len(d.items) - 1 else "├─ "
                cond = "  [when]" if item.when else ""
                out(f"{prefix}{mark}{item.id} ({item.kind}){cond}")

    out(f"root  {q.title.lang(lang)}  ({counted(len(q.items), 'item')})")
    tree(q.root, "")
    return 0


def _euro(x: float) -> str:
    return f"{x:,.0f}"


def _show_actions(args: argparse.Namespace) -> int:
    """Print the actions of a catalogue: kind, cost, duration, funding and what they raise."""
    from maturity.action_catalogue import load_actions

    cat = load_actions(args.source)
    lang = args.lang or cat.questionnaire.languages[0]
    kinds: dict[str, int] = {}
    for a in cat:
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    out(f"{cat.id} {cat.version}: {cat.title.lang(lang)}")
    out(
        f"for {cat.questionnaire.id} {cat.questionnaire_versions}; {counted(len(cat), 'action')} ("
        + ", ".join(f"{n} {k}" for k, n in kinds.items())
        + f"), {counted(len(cat.programmes), 'funding programme')}"
    )
    out("")
    for p in cat.programmes:
        rules = "; ".join(
            percent(r.share)
            + (f" up to {_euro(r.cap)}" if r.cap is not None else "")
            + (f" when {r.when}" if r.when is not None else "")
            for r in p.rules
        )
        extra = f", from {_euro(p.min_cost)}" if p.min_cost else ""
        extra += f", at most {_euro(p.cap_per_company)} a company" if p.cap_per_company else ""
        out(f"{p.id}  {p.title.lang(lang)}: {rules}{extra}")
    out("")
    width = max(len(a.id) for a in cat)
    for a in cat:
        lo, hi = a.cost
        cost = _euro(lo) if lo == hi else f"{_euro(lo)}-{_euro(hi)}"
        kind = a.kind + (f"/{a.delivery}" if a.delivery else "")
        line = (
            f"{a.id:<{width}}  {kind:<24} {cost:>15} EUR {a.duration_weeks:>5g} wk  "
            f"{a.funding or '-':<18} {a.title.lang(lang)}"
        )
        out(line)
        if args.items:
            for e in a.improves:
                out(f"{'':<{width}}    raises {e.describe()}")
            if a.requires:
                out(f"{'':<{width}}    requires {', '.join(a.requires)}")
    return 0
