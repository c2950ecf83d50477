"""Assessments of any shape for the report tests: a questionnaire with ``n`` top-level dimensions,
its scoring model, synthetic answers, scores, peers and gaps.

The reports are checked (and looked at) with 3, 6 and 16 dimensions; the shipped questionnaires
all have 6. The dimension titles are long on purpose, in both languages, to exercise wrapping.

    python -m tests.shapes 16 /tmp/shapes   # writes the HTML and PDF reports to look at
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

# (en, it) titles, long and short mixed
TITLES = [
    (
        "Strategy, governance and investment planning",
        "Strategia, governo e pianificazione degli investimenti",
    ),
    ("Connected machines", "Macchine connesse"),
    (
        "Horizontal and vertical integration of information systems",
        "Integrazione orizzontale e verticale dei sistemi informativi",
    ),
    ("Cybersecurity", "Sicurezza informatica"),
    ("Data analytics and artificial intelligence", "Analisi dei dati e intelligenza artificiale"),
    (
        "Additive manufacturing and rapid prototyping",
        "Manifattura additiva e prototipazione rapida",
    ),
    ("Skills", "Competenze"),
    ("Cloud services", "Servizi cloud"),
    ("Smart products and after-sales services", "Prodotti intelligenti e servizi post-vendita"),
    ("Supply chain collaboration", "Collaborazione nella filiera"),
    ("Energy and environmental sustainability", "Sostenibilità energetica e ambientale"),
    ("Simulation and digital twins", "Simulazione e gemelli digitali"),
    ("Robotics", "Robotica"),
    ("Quality management with data", "Gestione della qualità con i dati"),
    ("Customer interaction and e-commerce", "Relazione con i clienti e commercio elettronico"),
    (
        "Organisation of work and change management",
        "Organizzazione del lavoro e gestione del cambiamento",
    ),
]

_SCALE = """\
scales:
  extent:
    label: {en: Extent, it: Misura}
    options:
      - {code: none, value: 0, label: {en: Not at all, it: Per nulla}}
      - {code: little, value: 1, label: {en: A little, it: Poco}}
      - {code: partly, value: 2, label: {en: Partly, it: In parte}}
      - {code: largely, value: 3, label: {en: Largely, it: In gran parte}}
      - {code: fully, value: 4, label: {en: Fully, it: Completamente}}
    na: true
    dont_know: true
"""

_LEVELS = """\
levels:
  - min: 0
    code: l0
    label: {en: Starting, it: Agli inizi}
    description: {en: Little is in place yet., it: Ancora poco è in atto.}
  - min: 1.5
    code: l1
    label: {en: Developing, it: In sviluppo}
    description: {en: Some practices in some areas., it: Alcune pratiche in alcune aree.}
  - min: 3
    code: l2
    label: {en: Established, it: Consolidato}
    description:
      en: Practices are in place across the company.
      it: Pratiche in atto in tutta l'impresa.
  - min: 4.2
    code: l3
    label: {en: Leading, it: All'avanguardia}
    description:
      en: The company sets the pace for its sector.
      it: L'impresa detta il passo nel suo settore.
"""


def _item(iid: str, en: str, it: str, indent: str) -> str:
    return (
        f"{indent}- id: {iid}\n"
        f"{indent}  kind: scale\n"
        f"{indent}  scale: extent\n"
        f"{indent}  text:\n"
        f'{indent}    en: "To what extent is {en.lower()} practised ({iid})?"\n'
        f'{indent}    it: "In che misura si pratica: {it.lower()} ({iid})?"\n'
    )


def questionnaire_yaml(n: int, items: int | None = None) -> str:
    """A questionnaire with ``n`` top-level dimensions (1 ≤ n ≤ 16).

    Even dimensions have two sub-dimensions of two items; odd ones have three items directly.
    With ``items``, every dimension has that many items: split between its two
    sub-dimensions (even dimensions) or directly under it (odd ones).
    """
    if not 1 <= n <= len(TITLES):
        raise ValueError(f"1 <= n <= {len(TITLES)}")
    out = [
        "format: maturity/questionnaire@1",
        f"id: shape-{n}" if items is None else f"id: shape-{n}x{items}",
        "version: 1.0.0",
        "languages: [en, it]",
        f"title: {{en: Readiness check with {n} dimensions, it: Verifica con {n} dimensioni}}",
        "profile:",
        "  company: {}",
        "  sector: {}",
        "  employees: {}",
        "  region: {}",
        "  date: {}",
        _SCALE.rstrip(),
        "dimensions:",
    ]
    body = []
    for d in range(n):
        en, it = TITLES[d]
        body.append(f'  - id: d{d}\n    title: {{en: "{en}", it: "{it}"}}\n')
        if d % 2 == 0:
            body.append("    dimensions:\n")
            halves = (2, 2) if items is None else ((items + 1) // 2, items // 2)
            for s, (sen, sit) in enumerate((("Practices", "Pratiche"), ("Tools", "Strumenti"))):
                if not halves[s]:
                    continue
                body.append(
                    f"      - id: d{d}.s{s}\n"
                    f'        title: {{en: "{sen} of {en.lower()}", it: "{sit}: {it.lower()}"}}\n'
                    "        items:\n"
                )
                for k in range(halves[s]):
                    body.append(_item(f"d{d}s{s}i{k}", en, it, "          "))
        else:
            body.append("    items:\n")
            for k in range(3 if items is None else items):
                body.append(_item(f"d{d}i{k}", en, it, "      "))
    return "\n".join(out) + "\n" + "".join(body)


def model_yaml(n: int, items: int | None = None) -> str:
    """An equal-weight weighted-mean model on 0-5 for :func:`questionnaire_yaml` ``(n, items)``."""
    qid = f"shape-{n}" if items is None else f"shape-{n}x{items}"
    return (
        "format: maturity/scoring-model@1\n"
        f"id: {qid}-equal\n"
        "version: 1.0.0\n"
        "title: {en: Equal weights, it: Pesi uguali}\n"
        f'questionnaire: {{id: {qid}, versions: "*"}}\n'
        "range: [0, 5]\n"
        "default: {operator: weighted_mean, missing: renormalize, dont_know: missing}\n" + _LEVELS
    )


def assessment(
    n: int, companies: int = 3, peers: int = 300, items: int | None = None
) -> dict[str, Any]:
    """Everything a report needs for an ``n``-dimension questionnaire (with ``items`` items per
    dimension, see :func:`questionnaire_yaml`), drawn reproducibly.
    """
    from maturity.benchmarking import benchmark
    from maturity.gap_analysis import gaps
    from maturity.model import parse_model
    from maturity.questionnaire import parse_questionnaire
    from maturity.scoring import score
    from maturity.synthetic import generate

    q = parse_questionnaire(questionnaire_yaml(n, items), file=f"shape-{n}.yaml")
    m = parse_model(model_yaml(n, items), q, file=f"shape-{n}-equal.yaml")
    answers = generate(q, companies, seed=n, prefix="company")
    population = score(generate(q, peers, seed=100 + n, prefix="peer"), m)
    s = score(answers, m, by="company")
    return {
        "q": q,
        "m": m,
        "responses": answers,
        "scores": s,
        "benchmark": benchmark(s, population, by=("size_class",), min_group=10),
        "gaps": gaps(s, "next_level"),
    }


def main(argv: list[str]) -> int:
    """Write HTML and PDF reports of the first company, in both languages, for viewing."""
    from maturity.report.render import render_report

    n, out = int(argv[0]), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    a = assessment(n)
    s = a["scores"]
    for lang in ("en", "it"):
        for fmt in ("html", "pdf"):
            data = render_report(
                s,
                s.ids[0],
                lang=lang,
                benchmark=a["benchmark"],
                gaps=a["gaps"],
                responses=a["responses"],
                format=fmt,  # type: ignore[arg-type]
            )
            path = out / f"shape-{n}.{lang}.{fmt}"
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
