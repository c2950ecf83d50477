"""``maturity show``: the tree of a questionnaire, item counts and languages covered; or the
actions of an action catalogue.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from maturity.cli.common import command, format_of, out

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Dimension, Questionnaire
    from maturity.text import Text


def _texts(q: Questionnaire) -> Iterator[Text]:
    yield q.title
    if q.description is not None:
        yield q.description
    for s in q.scales:
        if s.label is not None:
            yield s.label
        for o in s.options:
            yield o.label
    for d in q.dimensions:
        yield d.title
        if d.description is not None:
            yield d.description
    for i in q.items:
        yield i.text
        if i.help is not None:
            yield i.help
        if i.kind != "scale":
            for o in i.options:
                yield o.label


def coverage_by_language(q: Questionnaire) -> dict[str, float]:
    """Share of the questionnaire's text fields that have a translation, per language."""
    texts = list(_texts(q))
    return {lang: sum(lang in t for t in texts) / len(texts) for lang in q.languages}


def _add(sub: Any) -> None:
    s = sub.add_parser(
        "show",
        help="print a questionnaire's tree or a catalogue's actions",
        description="Print the tree of a questionnaire with item counts per "
        "node and the languages covered, or the actions of an action catalogue.",
    )
    s.add_argument("source", metavar="FILE|ID")
    s.add_argument("--lang", help="language of titles (default: the questionnaire's first)")
    s.add_argument(
        "--items",
        action="store_true",
        help="list the items too (for a catalogue: what each action raises and requires)",
    )


@command("show", _add)
def run(args: argparse.Namespace) -> int:
    """Print the tree of a questionnaire (or the actions of a catalogue)."""
    from maturity.questionnaire import load_questionnaire

    if (format_of(args.source) or "").startswith("maturity/action-catalogue"):
        return _show_actions(args)

    q = load_questionnaire(args.source)
    lang = args.lang or q.languages[0]
    cov = coverage_by_language(q)
    kinds: dict[str, int] = {}
    for i in q.items:
        kinds[i.kind] = kinds.get(i.kind, 0) + 1
    out(f"{q.id} {q.version}: {q.title.lang(lang)}")
    out("languages: " + ", ".join(f"{k} {v:.0%}" for k, v in cov.items()))
    out(
        f"{len(q.items)} items ("
        + ", ".join(f"{n} {k}" for k, n in kinds.items())
        + f"), {len(q.dimensions)} dimensions, "
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
            out(f"{prefix}{mark}{sub.id}  {sub.title.lang(lang)}  ({count(sub)} items){cond}")
            tree(sub, prefix + ("   " if last else "│  "))
        if args.items:
            for k, item in enumerate(d.items):
                mark = "└─ " if k == len(d.items) - 1 else "├─ "
                cond = "  [when]" if item.when else ""
                out(f"{prefix}{mark}{item.id} ({item.kind}){cond}")

    out(f"root  {q.title.lang(lang)}  ({len(q.items)} items)")
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
        f"for {cat.questionnaire.id} {cat.questionnaire_versions}; {len(cat)} actions ("
        + ", ".join(f"{n} {k}" for k, n in kinds.items())
        + f"), {len(cat.programmes)} funding programmes"
    )
    out("")
    for p in cat.programmes:
        rules = "; ".join(
            f"{r.share:.0%}"
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
