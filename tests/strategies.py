"""Shared hypothesis strategies: questionnaires built from random trees of valid parts."""

from __future__ import annotations

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
