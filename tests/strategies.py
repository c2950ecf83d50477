"""Shared hypothesis strategies: questionnaires built from random trees of valid parts."""

from __future__ import annotations

from hypothesis import strategies as st

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
