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
