"""Shared hypothesis strategies: questionnaires built from random trees of valid parts."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from maturity.io.table import RawTable
from maturity.questionnaire import (
    Dimension,
    Item,
    Option,
    ProfileField,
    Questionnaire,
    Scale,
    Source,
)
from maturity.text import Text
from tests.util import q_from

LANGS = ("en", "it")
words = (
    st.text(
        st.characters(
            whitelist_categories=("L", "N", "Zs", "P"), blacklist_characters="\x85\u2028\u2029"
        ),
        min_size=1,
        max_size=25,
    )
    .map(str.strip)
    .filter(bool)
)
codes = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,8}", fullmatch=True).filter(
    lambda c: c != "dont_know"
)
numbers = st.integers(-100, 100).map(float) | st.floats(-100, 100, allow_nan=False).map(
    lambda x: round(x, 3)
)


@st.composite
def texts(draw):
    return Text({lang: draw(words) for lang in LANGS}, default=LANGS[0])


@st.composite
def options(draw, n_min=2, increasing=False):
    cs = draw(st.lists(codes, min_size=n_min, max_size=5, unique=True))
    if increasing:
        vals = sorted(draw(st.lists(numbers, min_size=len(cs), max_size=len(cs), unique=True)))
    else:
        vals = draw(st.lists(numbers, min_size=len(cs), max_size=len(cs), unique=True))
    return tuple(Option(c, draw(texts()), v) for c, v in zip(cs, vals, strict=True))


@st.composite
def items(draw, ident, scales):
    kinds = ["choice", "multi", "number", "boolean", "text"] + (["scale"] if scales else [])
    kind = draw(st.sampled_from(kinds))
    common = {
        "id": ident,
        "kind": kind,
        "text": draw(texts()),
        "help": draw(st.none() | texts()),
        "required": draw(st.booleans()),
        "na": draw(st.booleans()),
        "dont_know": draw(st.booleans()),
    }
    if kind == "scale":
        sc = draw(st.sampled_from(scales))
        return Item(**common, scale=sc.id, options=sc.options)
    if kind == "choice":
        return Item(**common, options=draw(options()))
    if kind == "multi":
        opts = draw(options())
        opts = tuple(Option(o.code, o.label, abs(o.value), draw(st.booleans())) for o in opts)
        return Item(**common, options=opts)
    if kind == "number":
        bands = tuple(sorted(draw(st.lists(numbers, min_size=0, max_size=4, unique=True))))
        return Item(
            **common,
            bands=bands,
            unit=draw(st.none() | st.sampled_from(["%", "h"])),
            better=draw(st.sampled_from(["higher", "lower"])),
            counts=draw(st.booleans()),
        )
    return Item(**common, counts=draw(st.booleans()) if kind == "boolean" else True)


@st.composite
def questionnaires(draw):
    n_scales = draw(st.integers(0, 2))
    scales = [
        Scale(
            f"scale{k}",
            draw(options(increasing=True)),
            draw(st.none() | texts()),
            draw(st.booleans()),
            draw(st.booleans()),
        )
        for k in range(n_scales)
    ]
    counter = iter(range(10_000))

    def dim(depth):
        n_items = draw(st.integers(0 if depth < 2 else 1, 3))
        its = tuple(draw(items(f"i{next(counter)}", scales)) for _ in range(n_items))
        subs = ()
        if depth < 2:
            subs = tuple(dim(depth + 1) for _ in range(draw(st.integers(0, 2))))
        if not its and not subs:
            its = (draw(items(f"i{next(counter)}", scales)),)
        return Dimension(
            f"d{next(counter)}", draw(texts()), draw(st.none() | texts()), None, subs, its
        )

    top = tuple(dim(0) for _ in range(draw(st.integers(1, 3))))
    description = draw(st.none() | texts())
    root = Dimension("root", draw(texts()), description, None, top, ())
    profile = tuple(
        ProfileField(n, draw(st.booleans()))
        for n in draw(
            st.lists(
                st.sampled_from(["company", "sector", "employees", "region", "date"]), unique=True
            )
        )
    )
    sources = tuple(
        Source(
            draw(words),
            draw(st.none() | st.just("https://example.org")),
            draw(st.none() | st.integers(1990, 2030)),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    return Questionnaire(
        id="gen",
        version=f"{draw(st.integers(0, 20))}.{draw(st.integers(0, 20))}.0",
        languages=LANGS,
        title=root.title,
        root=root,
        scales=tuple(scales),
        profile=profile,
        description=description,
        authors=tuple(draw(st.lists(words, max_size=2))),
        license=draw(st.none() | st.just("CC-BY-4.0")),
        sources=sources,
    )


# --- scoring: a three-level model with any operators and policies, and answer matrices -------

SCORING_QUESTIONNAIRE = """\
profile:
  company: {}
  sector: {}
  employees: {}
  region: {}
  date: {}
scales:
  s:
    options:
      - {code: a, value: 0, label: {en: A, it: A}}
      - {code: b, value: 1, label: {en: B, it: B}}
      - {code: c, value: 3, label: {en: C, it: C}}
    na: true
    dont_know: true
dimensions:
  - id: x
    title: {en: X, it: X}
    dimensions:
      - id: x.a
        title: {en: XA, it: XA}
        items:
          - {id: i1, kind: scale, scale: s, text: {en: q, it: q}}
          - {id: i2, kind: scale, scale: s, text: {en: q, it: q}}
      - id: x.b
        title: {en: XB, it: XB}
        items:
          - {id: i3, kind: scale, scale: s, text: {en: q, it: q}}
          - {id: i4, kind: boolean, text: {en: q, it: q}, na: true, dont_know: true}
  - id: y
    title: {en: Y, it: Y}
    items:
      - {id: i5, kind: scale, scale: s, text: {en: q, it: q}}
      - {id: i6, kind: number, text: {en: q, it: q}, bands: [1, 2, 3], na: true}
      - {id: i7, kind: scale, scale: s, text: {en: q, it: q}}
"""
#: The highest value of each item of :data:`SCORING_QUESTIONNAIRE` (the lowest is 0).
SCORING_ITEM_MAX = (3.0, 3.0, 3.0, 1.0, 3.0, 3.0, 3.0)
SCORING_NODES = ("root", "x", "x.a", "x.b", "y")
SCORING_OPERATORS = (
    "weighted_mean",
    "geometric_mean",
    "power_mean",
    "minimum",
    "maximum",
    "staged",
)


def scoring_questionnaire():
    """The questionnaire of :func:`scoring_models` (built once)."""
    global _SCORING_Q
    if _SCORING_Q is None:
        from tests.util import q_from

        _SCORING_Q = q_from(SCORING_QUESTIONNAIRE)
    return _SCORING_Q


_SCORING_Q = None


@st.composite
def scoring_models(draw):
    """A model of :data:`SCORING_QUESTIONNAIRE`: every node any registered operator (power
    means with any p), random weights, min_coverage, missing and don't-know policies.
    """
    from maturity.model import parse_model

    children = {
        "root": ("x", "y"),
        "x": ("x.a", "x.b"),
        "x.a": ("i1", "i2"),
        "x.b": ("i3", "i4"),
        "y": ("i5", "i6", "i7"),
    }
    lines = []
    for node in SCORING_NODES:
        op = draw(st.sampled_from(SCORING_OPERATORS))
        parts = [f"operator: {op}"]
        if op == "power_mean":
            parts.append(f"p: {draw(st.sampled_from([-2, -1, -0.5, 0, 0.5, 1, 2, 3]))}")
        if op == "staged" and draw(st.booleans()):
            child = draw(st.sampled_from(children[node]))
            ts = sorted(
                draw(st.lists(st.sampled_from([0, 1, 2.5, 3, 4, 5]), min_size=3, max_size=3))
            )
            parts.append(f"thresholds: {{{child}: [{', '.join(map(str, ts))}]}}")
        if op not in ("minimum", "maximum", "staged") and draw(st.booleans()):
            ws = ", ".join(f"{c}: {draw(st.floats(0.1, 10)):.4g}" for c in children[node])
            parts.append(f"weights: {{{ws}}}")
        if draw(st.booleans()):
            parts.append(f"min_coverage: {draw(st.sampled_from([0, 0.25, 0.5, 0.6, 1]))}")
        lines.append(f"  {node}: {{{', '.join(parts)}}}")
    missing = draw(st.sampled_from(["renormalize", "lowest"]))
    dont_know = draw(st.sampled_from(["missing", "lowest"]))
    text = (
        "format: maturity/scoring-model@1\n"
        "id: m\nversion: 1.0.0\ntitle: M\nquestionnaire: {id: t}\nrange: [0, 5]\n"
        f"default: {{missing: {missing}, dont_know: {dont_know}}}\n"
        "nodes:\n" + "\n".join(lines) + "\n"
        "levels:\n"
        "  - {min: 0, code: l0, label: L0}\n"
        "  - {min: 2, code: l1, label: L1}\n"
        "  - {min: 4, code: l2, label: L2}\n"
    )
    return parse_model(text, scoring_questionnaire())


@st.composite
def answer_arrays(draw, rows=(1, 12), masks=True, consistent=True):
    """``(values, na, dont_know, applicable)`` for :data:`SCORING_QUESTIONNAIRE`: values 0, 1,
    3 (and off-range ones when ``consistent`` is False) or NaN; N/A and "don't know" only
    where there is no value unless ``consistent`` is False. Masks are None when ``masks`` is
    False.
    """
    import numpy as np

    n = draw(st.integers(*rows))
    m = len(SCORING_ITEM_MAX)
    choices = [0.0, 1.0, 3.0, np.nan, np.nan] + ([-1.0, 7.0] if not consistent else [])
    vals = np.array(draw(st.lists(st.sampled_from(choices), min_size=n * m, max_size=n * m)))
    values = vals.reshape(n, m)
    if consistent:
        values = np.minimum(values, np.array(SCORING_ITEM_MAX))
    if not masks:
        return values, None, None, None

    def mask(p):
        bits = draw(st.lists(st.floats(0, 1), min_size=n * m, max_size=n * m))
        return np.array(bits).reshape(n, m) < p

    na = mask(0.15)
    dk = mask(0.15)
    applicable = ~mask(0.1)
    if consistent:
        values = np.where(na | dk, np.nan, values)
        dk &= ~na
    return values, na, dk, applicable


# --- questionnaires with conditions of every operator, and answers that respect them -------

SECTORS = ("C", "28", "28.41", "01.1", "10.11", "41.10", "62.01", "86", "28.41.00", "J")
REGIONS = ("IT", "ITC", "ITC4", "ITC4C", "ITH55", "DE21")


def _quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _num_text(x):
    from maturity.conditions import _format_number

    return _format_number(x)


@st.composite
def condition_on(draw, earlier, profile_ok=True):
    """The source of a well-typed condition over ``earlier`` items (and the profile)."""
    from maturity.classify import SIZE_CLASSES

    def atom():
        choices = []
        for it in earlier:
            if it.kind == "number":
                choices.append(("number", it))
            elif it.kind in ("scale", "choice"):
                choices.append(("code", it))
            elif it.kind == "multi":
                choices.append(("multi", it))
            elif it.kind == "boolean":
                choices.append(("bool", it))
        if profile_ok:
            choices += [("profile", None)]
        kind, it = draw(st.sampled_from(choices))
        ref = f'answer("{it.id}")' if it is not None else ""
        if kind == "number":
            op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!=", "in", "not in"]))
            if op in ("in", "not in"):
                vals = draw(st.lists(st.integers(-5, 5), min_size=1, max_size=3, unique=True))
                return f"{ref} {op} [{', '.join(map(str, vals))}]"
            k = draw(st.integers(-100, 100) | st.sampled_from([0.5, -2.25, 10.125]))
            return f"{ref} {op} {_num_text(float(k))}"
        if kind == "code":
            codes = list(it.codes)
            op = draw(st.sampled_from(["==", "!=", "in", "not in"]))
            if op in ("in", "not in"):
                vals = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True))
                return f"{ref} {op} [{', '.join(map(_quote, vals))}]"
            return f"{ref} {op} {_quote(draw(st.sampled_from(codes)))}"
        if kind == "multi":
            op = draw(st.sampled_from(["in", "not in"]))
            return f"{_quote(draw(st.sampled_from(list(it.codes))))} {op} {ref}"
        if kind == "bool":
            form = draw(st.sampled_from(["bare", "not", "== true", "== false", "!= true"]))
            if form == "bare":
                return ref
            if form == "not":
                return f"not {ref}"
            return f"{ref} {form}"
        which = draw(st.sampled_from(["employees", "section", "division", "size_class"]))
        if which == "employees":
            op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
            return f"profile.employees {op} {draw(st.integers(0, 300))}"
        if which == "section":
            op = draw(st.sampled_from(["==", "!=", "in", "not in"]))
            if op in ("in", "not in"):
                return f'profile.section {op} ["C", "J"]'
            return f'profile.section {op} "{draw(st.sampled_from(["C", "A", "J", "Q"]))}"'
        if which == "division":
            return f'profile.division {draw(st.sampled_from(["==", "!="]))} "28"'
        op = draw(st.sampled_from(["==", "!=", "in", "not in"]))
        if op in ("in", "not in"):
            vals = draw(
                st.lists(st.sampled_from(SIZE_CLASSES), min_size=1, max_size=2, unique=True)
            )
            return f"profile.size_class {op} [{', '.join(map(_quote, vals))}]"
        return f'profile.size_class {op} "{draw(st.sampled_from(SIZE_CLASSES))}"'

    def expr(depth):
        shape = draw(
            st.sampled_from(["atom", "atom", "and", "or", "not"]) if depth < 2 else st.just("atom")
        )
        if shape == "atom":
            return atom()
        if shape == "not":
            return f"not ({expr(depth + 1)})"
        parts = [expr(depth + 1) for _ in range(draw(st.integers(2, 3)))]
        return f" {shape} ".join(f"({p})" for p in parts)

    return expr(0)


def _fold(code):
    try:
        return repr(float(code))
    except ValueError:
        return code.casefold()


@st.composite
def conditional_questionnaires(draw, profile_ok=True):
    """A generated questionnaire whose items (and dimensions) have ``when:`` conditions of
    every operator over earlier items and the profile. Option codes of an item differ even
    ignoring case and numeric spelling (SurveyJS compares them that way), and none is
    ``dontknow`` (SurveyJS's value of "don't know").
    """
    import dataclasses

    from maturity.conditions import parse

    q = draw(questionnaires())
    for it in q.items:
        folded = [_fold(c) for c in it.codes]
        assume(len(set(folded)) == len(folded) and "dontknow" not in it.codes)
    earlier = []
    replaced = {}
    for it in q.items:
        usable = [e for e in earlier if e.kind in ("number", "scale", "choice", "multi", "boolean")]
        if (usable or profile_ok) and draw(st.booleans()):
            source = draw(condition_on(usable, profile_ok))
            replaced[it.id] = dataclasses.replace(it, when=parse(source))
        earlier.append(it)

    def rebuild(d):
        items = tuple(replaced.get(i.id, i) for i in d.items)
        return dataclasses.replace(
            d, items=items, dimensions=tuple(rebuild(s) for s in d.dimensions)
        )

    profile = tuple(
        ProfileField(n, False)
        for n in ("company", "sector", "employees", "turnover", "balance_sheet", "region", "date")
    )
    return dataclasses.replace(q, root=rebuild(q.root), profile=profile)


def condition_order(q):
    """Items in an order where each comes after the items its conditions use."""
    done, out, pending = set(), [], list(q.items)
    while pending:
        rest = []
        for it in pending:
            refs = set().union(*(c.answer_refs for c in q.conditions_of(it.id)))
            if refs <= done:
                out.append(it)
                done.add(it.id)
            else:
                rest.append(it)
        pending = rest
    return out


answer_texts = (
    st.text(
        st.characters(whitelist_categories=("L", "N"), whitelist_characters=" .,;!?"),
        min_size=1,
        max_size=20,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(
        lambda s: (
            s
            and s.casefold()
            not in (
                "n/a",
                "dont_know",
                "non so",
                "non applicabile",
                "don't know",
                "not applicable",
                "dk",
                "na",
                "dontknow",
            )
        )
    )
)


@st.composite
def profiles(draw):
    import datetime as dt

    from maturity.responses import Profile

    return Profile(
        company=draw(st.none() | st.sampled_from(["Acme", "Officine Rossi", "Beta srl"])),
        sector=draw(st.none() | st.sampled_from(SECTORS)),
        employees=draw(st.none() | st.integers(0, 400)),
        turnover=draw(st.none() | st.sampled_from([0.5, 1.25, 3.0, 12.0, 60.0])),
        balance_sheet=draw(st.none() | st.sampled_from([1.0, 2.5, 11.0, 50.0])),
        region=draw(st.none() | st.sampled_from(REGIONS)),
        date=draw(st.none() | st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))),
    )


@st.composite
def answers_to(draw, q, profile):
    """Answers to ``q`` valid under its conditions, ranges and exclusive options."""
    from maturity.classify import nace_normalize
    from maturity.responses import DONT_KNOW, NA, Profile, condition_answers

    if profile.sector is not None:
        profile = dataclasses_replace(profile, sector=nace_normalize(profile.sector))
    answers = {}
    prof = profile.for_conditions()
    for it in condition_order(q):
        env = condition_answers(answers)
        if any(c.evaluate(env, prof) is False for c in q.conditions_of(it.id)):
            if it.na and draw(st.integers(0, 4)) == 0:
                answers[it.id] = NA
            continue
        roll = draw(st.integers(0, 9))
        if roll == 0 and not it.required:
            continue
        if roll == 1 and it.na:
            answers[it.id] = NA
            continue
        if roll == 2 and it.dont_know:
            answers[it.id] = DONT_KNOW
            continue
        if it.kind in ("scale", "choice"):
            answers[it.id] = draw(st.sampled_from(it.codes))
        elif it.kind == "multi":
            excl = [o.code for o in it.options if o.exclusive]
            plain = [o.code for o in it.options if not o.exclusive]
            if excl and (not plain or draw(st.booleans())):
                answers[it.id] = frozenset({draw(st.sampled_from(excl))})
            else:
                answers[it.id] = frozenset(
                    draw(st.lists(st.sampled_from(plain), min_size=1, unique=True))
                )
        elif it.kind == "number":
            lo = it.min if it.min is not None else -1000
            hi = it.max if it.max is not None else 1000
            x = draw(
                st.integers(int(lo), int(hi)).map(float) | st.sampled_from([lo, hi, (lo + hi) / 2])
            )
            answers[it.id] = float(round(x, 3)) if lo <= round(x, 3) <= hi else float(lo)
        elif it.kind == "boolean":
            answers[it.id] = draw(st.booleans())
        else:
            answers[it.id] = draw(answer_texts)
    _ = Profile
    return profile, answers


def dataclasses_replace(obj, **kw):
    import dataclasses

    return dataclasses.replace(obj, **kw)


@st.composite
def responses_for(draw, q, n_max=4, ids=None):
    """A :class:`Responses` to ``q``: 1..n_max respondents, ids ``ids(k)`` or ``r1``, ``r2``…"""
    from maturity.responses import Respondent, Responses

    n = draw(st.integers(1, n_max))
    people = []
    for k in range(n):
        profile, answers = draw(answers_to(q, draw(profiles())))
        rid = ids(k) if ids is not None else f"r{k + 1}"
        people.append(Respondent(rid, profile, answers))
    return Responses(q, tuple(people), q.id, q.version)


# --- action plans ----------------------------------------------------------------------


@st.composite
def knapsacks(draw, max_actions=10):
    """A planning problem as numbers (maturity.planning.optimise.Knapsack): up to
    ``max_actions`` actions with costs, funding, capped programmes, durations, prerequisites on
    earlier actions and "after" orders; blocks of non-additive changes (some negative, some
    given only for the subsets closed under prerequisites), means and weakest links over them,
    goals with gaps and slack, level needs; a budget and a horizon.
    """
    import numpy as np

    from maturity.planning.optimise import Block, Goal, Knapsack, Least, LevelNeed, Mean

    n = draw(st.integers(1, max_actions))
    cost = [float(draw(st.integers(0, 20))) * 500 for _ in range(n)]
    n_prog = draw(st.integers(0, 2))
    programme = [draw(st.integers(-1, n_prog - 1)) for _ in range(n)]
    share = [draw(st.sampled_from([0.0, 0.3, 0.5, 0.7])) for _ in range(n)]
    fund = [c * s if p >= 0 else 0.0 for c, s, p in zip(cost, share, programme, strict=True)]
    caps = [draw(st.sampled_from([np.inf, 2000.0, 5000.0])) for _ in range(n_prog)]
    duration = [float(draw(st.integers(1, 30))) for _ in range(n)]
    requires = [
        sorted(draw(st.sets(st.integers(0, a - 1), max_size=2))) if a else [] for a in range(n)
    ]
    after = [
        sorted(draw(st.sets(st.integers(0, a - 1), max_size=1))) if a else [] for a in range(n)
    ]

    def closure(a, seen):
        for r in requires[a]:
            if r not in seen:
                seen.add(r)
                closure(r, seen)
        return seen

    change = st.floats(-1, 3, allow_nan=False).map(lambda x: round(x, 3))
    terms = []
    for b in range(draw(st.integers(1, 3))):
        acts = sorted(draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=min(n, 5))))
        values = np.array([0.0] + [draw(change) for _ in range((1 << len(acts)) - 1)])
        if draw(st.booleans()):  # only the subsets a plan can contain
            pos = {a: j for j, a in enumerate(acts)}
            need = {
                j: sum(1 << pos[r] for r in closure(a, set()) if r in pos)
                for j, a in enumerate(acts)
            }
            values = {
                m: float(values[m])
                for m in range(len(values))
                if all(m & need[j] == need[j] for j in range(len(acts)) if m >> j & 1)
            }
        terms.append(Block(f"n{b}", tuple(acts), values))
    blocks = list(range(len(terms)))
    if len(blocks) > 1 and draw(st.booleans()):
        parts = tuple((i, draw(st.sampled_from([0.25, 0.5, 1.0]))) for i in blocks)
        terms.append(Mean("mean", parts))
    if len(blocks) > 1 and draw(st.booleans()):
        parts = tuple((i, draw(st.sampled_from([0.0, 0.5, 1.0]))) for i in blocks)
        terms.append(Least("least", parts))
    goals = []
    for ti in sorted(draw(st.sets(st.integers(0, len(terms) - 1), min_size=1))):
        gap = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
        slack = draw(st.sampled_from([0.0, 0.5])) if gap == 0 else 0.0
        goals.append(Goal(ti, draw(st.sampled_from([0.2, 0.5, 1.0])), gap, slack))
    needs = []
    for _ in range(draw(st.integers(0, 2))):
        ti = draw(st.integers(0, len(terms) - 1))
        touching = tuple(sorted(draw(st.sets(st.integers(0, n - 1), max_size=3))))
        needs.append(
            LevelNeed(
                draw(st.integers(0, n - 1)), ti, draw(st.sampled_from([0.1, 0.5, 1.0])), touching
            )
        )
    return Knapsack(
        cost=cost,
        fund=fund,
        programme=programme,
        programme_cap=caps,
        duration=duration,
        requires=requires,
        after=after,
        budget=float(draw(st.integers(0, 40))) * 500,
        horizon=float(draw(st.integers(1, 80))),
        terms=tuple(terms),
        goals=tuple(goals),
        needs=tuple(needs),
    )


_TARGETS = {
    "x1": ["b", "c", "d"],
    "x2": ["b", "c", "d"],
    "x3": [True],
    "y0": [True],
    "y1": [30.0, 55.0, 90.0],
    "y2": [["p"], ["q", "r"], ["r"]],
    "y3": ["c", "d"],
    "z1": ["b", "d"],
    "z2": ["some", "all"],
}


@st.composite
def plan_answers(draw):
    """One respondent's answers to the plan-test questionnaire (tests/plan_fixtures.py), with
    N/A, "don't know" and missing answers, and only applicable items answered."""
    from maturity.responses import DONT_KNOW, NA

    def lvl(na=True):
        extra = [NA, DONT_KNOW, None] if na else [DONT_KNOW, None]
        return draw(st.sampled_from(["a", "a", "b", "c", "d", *extra]))

    ans = {"x1": lvl(False), "x2": lvl(), "x3": draw(st.sampled_from([True, False, None]))}
    ans["y0"] = draw(st.booleans())
    if ans["y0"]:
        ans["y1"] = draw(st.sampled_from([0.0, 25.0, 49.0, 60.0, 85.0, None]))
        if ans["y1"] is not None and ans["y1"] >= 50:
            ans["y3"] = lvl()
    ans["y2"] = draw(
        st.sampled_from([frozenset({"none"}), frozenset({"p"}), frozenset({"p", "q"}), None])
    )
    ans["z1"] = lvl()
    ans["z2"] = draw(st.sampled_from(["no", "some", "all", None]))
    return {k: v for k, v in ans.items() if v is not None}


@st.composite
def plan_catalogues(draw, max_actions=12):
    """The YAML body of a random action catalogue for the plan-test questionnaire: up to
    ``max_actions`` actions with effects, costs, two programmes (one capped per company),
    prerequisites on earlier actions, orders, applicability and minimum levels."""
    import yaml

    n = draw(st.integers(1, max_actions))
    actions = []
    for k in range(n):
        kind = draw(st.sampled_from(["training", "investment", "project", "orientation"]))
        lo = draw(st.integers(0, 10)) * 500
        a = {
            "id": f"a{k}",
            "kind": kind,
            "title": {"en": f"Action {k}", "it": f"Azione {k}"},
            "provider": "competence_centre",
            "cost": [lo, lo + draw(st.integers(0, 4)) * 500],
            "duration_weeks": draw(st.integers(1, 20)),
        }
        if kind == "training":
            a["delivery"] = "classroom"
        if draw(st.booleans()):
            a["funding"] = draw(st.sampled_from(["p1", "p2"]))
        if k and draw(st.integers(0, 3)) == 0:
            earlier = st.sampled_from([f"a{j}" for j in range(k)])
            a["requires"] = sorted(draw(st.sets(earlier, min_size=1, max_size=2)))
        if k and draw(st.integers(0, 4)) == 0:
            a["after"] = [f"a{draw(st.integers(0, k - 1))}"]
        if draw(st.integers(0, 5)) == 0:
            a["when"] = 'profile.size_class != "large"'
        if draw(st.integers(0, 5)) == 0:
            a["requires_level"] = {draw(st.sampled_from(["x", "y", "z"])): "l1"}
        items = draw(st.sets(st.sampled_from(sorted(_TARGETS)), min_size=1, max_size=2))
        effects = []
        for item in sorted(items):
            target = draw(st.sampled_from(_TARGETS[item]))
            effects.append(
                {"item": item, "add": list(target)}
                if item == "y2"
                else {"item": item, "to": target}
            )
        a["improves"] = effects
        actions.append(a)
    doc = {
        "programmes": [
            {
                "id": "p1",
                "title": {"en": "Voucher", "it": "Voucher"},
                "min_cost": 1000,
                "cap_per_company": 4000,
                "rules": [{"share": 0.5, "cap": 3000}],
            },
            {
                "id": "p2",
                "title": {"en": "Credit", "it": "Credito"},
                "rules": [
                    {"when": 'profile.size_class in ["micro", "small"]', "share": 0.7},
                    {"share": 0.3},
                ],
            },
        ],
        "actions": actions,
    }
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


# --- answers tables: every kind of cell, good and bad, for the answers readers ---------------
# ANSWERS_Q has conditions on answers (boolean, choice in a list, a multiple choice holding a
# code, a number) and on the profile (size class, NACE section), N/A and don't know, required
# items and profile fields; answer_tables() draws tables of cells for it, with one cell in 3,
# 20 or 200 (mostly) bad.

ANSWERS_Q = q_from("""\
profile:
  company: {}
  sector: {required: true}
  employees: {}
  turnover: {}
  region: {}
  date: {}
scales:
  s3:
    na: true
    options:
      - {code: NO, value: 0, label: {en: No, it: No}}
      - {code: partly, value: 1, label: {en: Partly, it: In parte}}
      - {code: Yes, value: 2, label: {en: Yes, it: Sì}}
dimensions:
  - id: plant
    title: {en: Plant, it: Impianto}
    items:
      - {id: makes, kind: boolean, text: {en: M, it: M}}
      - {id: conn, kind: scale, scale: s3, text: {en: C, it: C}, dont_know: true,
         when: 'answer("makes")'}
      - {id: pct, kind: number, text: {en: P, it: P}, min: 0, max: 100, bands: [10, 50],
         na: true}
      - id: sys
        kind: multi
        text: {en: S, it: S}
        dont_know: true
        options:
          - {code: erp, points: 1, label: {en: ERP, it: ERP}}
          - {code: mes, points: 2, label: {en: MES, it: MES}}
          - {code: none, points: 0, label: {en: None, it: Nessuno}, exclusive: true}
  - id: later
    title: {en: Later, it: Dopo}
    when: 'answer("pct") >= 30 or profile.size_class != "micro"'
    items:
      - {id: must, kind: boolean, text: {en: R, it: R}, required: true}
      - id: pick
        kind: choice
        text: {en: K, it: K}
        when: '"mes" in answer("sys") and answer("conn") in ["partly", "Yes"]'
        options:
          - {code: a, value: 1, label: {en: A, it: A}}
          - {code: A2, value: 3, label: {en: B, it: B}}
      - {id: note, kind: text, text: {en: N, it: N}, max_length: 12}
      - {id: size, kind: number, text: {en: Z, it: Z}, required: true,
         when: 'profile.section == "C"'}
""")

COLUMNS = [
    "respondent_id",
    "questionnaire",
    "questionnaire_version",
    "company",
    "sector",
    "employees",
    "turnover",
    "region",
    "date",
    "makes",
    "conn",
    "pct",
    "sys",
    "must",
    "pick",
    "note",
    "size",
]

blank = st.sampled_from(["", " ", None])
marker = st.sampled_from(["n/a", " N/A ", "dont_know", "DONT_KNOW"])
anything = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
# per column: cells that are (mostly) good, and cells that are (mostly) bad
CELLS = {
    "respondent_id": (st.sampled_from(["r1", "r2", "r3", " r4 ", "'=r5", "r6", "r7"]), blank),
    "questionnaire": (st.sampled_from(["", "t"]), st.just("other")),
    "questionnaire_version": (st.sampled_from(["", "1.0.0", "1.0.7"]), st.just("2.0.0")),
    "company": (st.sampled_from(["acme", " acme", "'@x", "", "beta"]), anything),
    "sector": (st.sampled_from(["C", "28.41", "28", "10.11", "J", "c"]), st.just("99.99") | blank),
    "employees": (st.sampled_from(["5", "12", "250", ""]), st.sampled_from(["-1", "1.5", "x"])),
    "turnover": (st.sampled_from(["1.5", "0", "", "3,25"]), st.sampled_from(["-2", "nan", "1e3"])),
    "region": (st.sampled_from(["ITC4C", "ITH", "IT", ""]), st.just("XX9")),
    "date": (st.sampled_from(["2025-03-01", ""]), st.sampled_from(["2025-02-30", "2025/03/01"])),
    "makes": (st.sampled_from(["yes", "no", "Sì", "1", "0", "true"]) | blank, st.just("maybe")),
    "conn": (st.sampled_from(["NO", "partly", "yes", "YES", "Yes", "n/a"]) | blank, marker),
    "pct": (
        st.sampled_from(["12.5", "12,5", "30", " 50 ", "0", "100", "n/a"]) | blank,
        st.sampled_from(["101", "-1", "1e3", "nan", "1_0", "dont_know"]),
    ),
    "sys": (
        st.sampled_from(["erp", "mes", "erp|mes", "ERP|mes", "none", "dont_know"]) | blank,
        st.sampled_from(["none|erp", "x|erp", "|", "n/a"]),
    ),
    "must": (st.sampled_from(["yes", "no", "si", "n"]), st.sampled_from(["?", "", "n/a"])),
    "pick": (st.sampled_from(["a", "A2", "a2", "A"]) | blank, st.sampled_from(["b"]) | marker),
    "note": (anything, st.sampled_from(["'=1+1", "a very long note here", "n/a"])),
    "size": (st.sampled_from(["1", "2.5", "0", " 7"]), st.sampled_from(["x", "", "n/a"])),
}


@st.composite
def cell(draw, column, bad_odds):
    good, bad = CELLS[column]
    return draw(bad if draw(st.integers(0, bad_odds - 1)) == 0 else good)


@st.composite
def answer_tables(draw, max_rows=12):
    n = draw(st.integers(0, max_rows))
    odds = draw(st.sampled_from([3, 20, 200]))  # one cell in `odds` is (mostly) bad
    cols = [c for c in COLUMNS if c in ("respondent_id", "sector", "must") or draw(st.booleans())]
    cells = {c: [draw(cell(c, odds)) for _ in range(n)] for c in cols}
    ids = []
    for i in range(n):  # mostly unique ids, written in the ways a file may write them
        if draw(st.integers(0, odds - 1)) == 0:
            ids.append(draw(blank | st.sampled_from(ids or ["r0"])))
        else:
            ids.append(draw(st.sampled_from([f"r{i}", f" r{i} ", f"'=r{i}", f"'r{i}"])))
    cells["respondent_id"] = ids
    return RawTable(
        file="t.csv",
        columns=tuple(cols),
        cells=cells,
        n_rows=n,
        lines=list(range(2, n + 2)),
        positions={c: k + 1 for k, c in enumerate(cols)},
        text_guarded=True,
    )
