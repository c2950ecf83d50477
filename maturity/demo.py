"""``maturity demo``: the whole pipeline on the data shipped with the package."""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["SAMPLES", "run_demo"]

#: Shipped sample answers of fictitious companies, per questionnaire id.
SAMPLES = {
    "i40-readiness": "samples/i40-readiness-companies.csv",
    "digital-maturity": "samples/digital-maturity-companies.csv",
}


def sample_path(questionnaire_id: str) -> Path:
    """The shipped sample answers for a bundled questionnaire."""
    return Path(__file__).resolve().parent / "data" / SAMPLES[questionnaire_id]


def run_demo(out: str | Path, *, force: bool = False) -> list[Path]:
    """Run the pipeline on the shipped data and write its results into ``out``.

    Returns the files written. Existing files are kept unless ``force``.
    """
    from maturity.bundle import bundled
    from maturity.gaps import gaps
    from maturity.model import load_model
    from maturity.peers import bundled_peers, load_peers
    from maturity.questionnaire import load_questionnaire
    from maturity.responses import read_responses
    from maturity.scoring import score

    out = Path(out)
    written: list[Path] = []
    say = sys.stderr.write
    models = [load_model(b.path) for b in bundled("scoring_model")]
    for b in bundled("questionnaire"):
        q = load_questionnaire(b.path, strict=True)
        say(
            f"questionnaire {q.ref}: {len(q.items)} items in {len(q.dimensions)} dimensions, "
            f"languages {', '.join(q.languages)}\n"
        )
        if q.id not in SAMPLES:
            continue
        answers = read_responses(sample_path(q.id), q)
        say(f"  {len(answers)} sample respondents read from {SAMPLES[q.id]}\n")
        for model in (m for m in models if m.questionnaire.id == q.id):
            scores = score(answers, model, by="company")
            target = out / f"scores-{model.id}.json"
            scores.to_json(target, force=force)
            written.append(target)
            if q.id in bundled_peers():
                peers = load_peers("synthetic", model)
                g = gaps(scores, "p75", peers=peers)
                target = out / f"gaps-{model.id}.csv"
                g.to_csv(target, force=force)
                written.append(target)
            root = ", ".join(f"{cid} {scores.get(cid):.2f}" for cid in scores.ids)
            say(f"  {model.id}: {root}\n")
    for p in written:
        say(f"wrote {p}\n")
    return written
