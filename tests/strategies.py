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
