"""``maturity demo``: the whole pipeline on the data shipped with the package."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from maturity.numbers import counted, fixed

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Questionnaire
    from maturity.responses import Responses

__all__ = ["SAMPLES", "run_demo"]

#: Shipped sample answers of fictitious companies, per questionnaire id.
SAMPLES = {
    "i40-readiness": "samples/i40-readiness-companies.csv",
    "digital-maturity": "samples/digital-maturity-companies.csv",
}


def sample_path(questionnaire_id: str) -> Path:
    """The shipped sample answers for a bundled questionnaire."""
    return Path(__file__).resolve().parent / "data" / SAMPLES[questionnaire_id]


#: The model whose reports the demo renders, per questionnaire.
REPORT_MODELS = {
    "i40-readiness": "i40-readiness-weighted",
    "digital-maturity": "digital-maturity-dma",
}


def _synthetic_answers(q: Questionnaire, meta: Path | None) -> Responses | None:
    """The answers of the shipped synthetic peers of ``q`` (None when none ship), as
    :func:`maturity.peers.load_peers` reads them from the metadata file ``meta``.
    """
    from maturity.io import read_responses

    if meta is None:
        return None
    info = json.loads(meta.read_text(encoding="utf-8"))
    return read_responses(meta.parent / info["answers"], q)


def run_demo(
    out: str | Path,
    *,
    force: bool = False,
    formats: Sequence[Literal["html", "pdf"]] | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> list[Path]:
    """Run the pipeline on the shipped data and write its results into ``out``.

    For every shipped questionnaire with sample answers: scores with every shipped model,
    gaps to the upper quartile of each company's own peer group where synthetic peers ship
    (else to the next level), the peer benchmark, action plans with the shipped catalogue, and
    reports in Italian and English for each sample company, rendered in ``workers`` processes
    (default: one per CPU) with a progress line. Returns the files written; existing files are
    kept unless ``force``. ``formats`` defaults to HTML and PDF; without WeasyPrint
    (``pip install "maturity[pdf]"``) only HTML is written.
    """
    from maturity.benchmarking import benchmark
    from maturity.bundle import bundled
    from maturity.gap_analysis import gaps
    from maturity.io import read_responses
    from maturity.model import load_model
    from maturity.peers import bundled_peers
    from maturity.questionnaire import load_questionnaire
    from maturity.report.batch import ReportJob, run_reports
    from maturity.scoring import score

    out = Path(out)
    written: list[Path] = []
    say = sys.stderr.write
    has_pdf = importlib.util.find_spec("weasyprint") is not None
    wanted: list[Literal["html", "pdf"]] = list(formats or ("html", "pdf"))
    if "pdf" in wanted and not has_pdf:
        say('note: PDF reports need WeasyPrint: pip install "maturity[pdf]"; writing HTML\n')
        wanted = [f for f in wanted if f != "pdf"] or ["html"]
    jobs = workers or os.cpu_count() or 1
    models = [load_model(b.path) for b in bundled("scoring_model")]
    for b in bundled("questionnaire"):
        q = load_questionnaire(b.path, strict=True)
        say(
            f"questionnaire {q.ref}: {counted(len(q.items), 'item')} in "
            f"{counted(len(q.dimensions), 'dimension')}, "
            f"languages {', '.join(q.languages)}\n"
        )
        if q.id not in SAMPLES:
            continue
        answers = read_responses(sample_path(q.id), q)
        say(f"  {counted(len(answers), 'sample respondent')} read from {SAMPLES[q.id]}\n")
        peers = _synthetic_answers(q, bundled_peers().get(q.id))  # read once, scored per model
        for model in (m for m in models if m.questionnaire.id == q.id):
            scores = score(answers, model, by="company")
            target = out / f"scores-{model.id}.json"
            scores.to_json(target, force=force)
            written.append(target)
            bench = synthetic = None
            if peers is not None:
                synthetic = dataclasses.replace(score(peers, model, by="company"), synthetic=True)
                bench = benchmark(scores, synthetic)
                target = out / f"benchmark-{model.id}.csv"
                bench.to_csv(target, force=force)
                written.append(target)
            g = gaps(scores, "p75" if bench is not None else "next_level", peers=bench)
            target = out / f"gaps-{model.id}.csv"
            g.to_csv(target, force=force)
            written.append(target)
            root = ", ".join(f"{cid} {fixed(scores.get(cid))}" for cid in scores.ids)
            say(f"  {model.id}: {root}\n")
            if REPORT_MODELS.get(q.id) == model.id:
                plans = _plans(q.id, scores, answers, synthetic)
                if plans is not None:
                    target = out / f"plans-{model.id}.json"
                    plans.to_json(target, force=force)
                    written.append(target)
                job = ReportJob(scores, bench, g, answers, plans=plans)
                written += run_reports(
                    job,
                    scores.ids,
                    out / "reports" / q.id,
                    langs=("it", "en"),
                    formats=wanted,
                    force=force,
                    workers=jobs,
                    progress=progress,
                )
    for p in written:
        say(f"wrote {p}\n")
    return written


#: The budget (EUR, net of funding) and horizon (months) of the demo's action plans.
DEMO_BUDGET, DEMO_HORIZON = 40_000.0, 18.0


def _plans(questionnaire_id: str, scores: Any, answers: Any, peers: Any) -> Any:
    """The action plans of the sample companies with the shipped catalogue (None if none)."""
    from maturity.action_catalogue import load_actions
    from maturity.bundle import bundled
    from maturity.planning import plan_all

    found = [b for b in bundled("action_catalogue") if b.id == f"{questionnaire_id}-actions"]
    if not found:
        return None
    catalogue = load_actions(found[0].path, scores.model.questionnaire)
    sys.stderr.write(
        f"  action plans with {catalogue.id}: budget {DEMO_BUDGET:,.0f} EUR, "
        f"{DEMO_HORIZON:g} months\n"
    )
    return plan_all(
        scores,
        answers,
        catalogue,
        budget=DEMO_BUDGET,
        horizon_months=DEMO_HORIZON,
        target="p75" if peers is not None else "next_level",
        peers=peers,
    )
