"""Peer populations: scored assessments with their profiles, to compare companies with.

A population is read from a scores file (``maturity/scores@1`` JSON, written by
``Scores.to_json``) or scored on load from raw answers (CSV or JSON) with a model. The package
ships one synthetic population for ``i40-readiness`` (see :mod:`maturity.synthetic`); it is
marked ``synthetic`` so that every report that uses it says so.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from maturity.model import ScoringModel
from maturity.scores import Scores

__all__ = ["bundled_peers", "load_peers"]

_PEERS = Path(__file__).resolve().parent / "data" / "peers"


def bundled_peers() -> dict[str, Path]:
    """The shipped peer populations: questionnaire id → the metadata file."""
    out = {}
    for meta in sorted(_PEERS.glob("*.json")):
        info = json.loads(meta.read_text(encoding="utf-8"))
        out[info["questionnaire"]["id"]] = meta
    return out


def load_peers(source: str | Path, model: ScoringModel) -> Scores:
    """A peer population scored with ``model``.

    ``source`` is a scores file (JSON or CSV), an answers file (CSV or JSON) scored on load, the
    metadata file of a shipped population, or ``"synthetic"`` for the shipped synthetic
    population of the model's questionnaire.
    """
    from maturity.io import read_responses
    from maturity.scoring import score

    qid = model.questionnaire.id
    if str(source) == "synthetic":
        found = bundled_peers().get(qid)
        if found is None:
            raise ValueError(f"no synthetic peers are shipped for '{qid}'")
        source = found
    path = Path(source)
    synthetic = False
    if path.suffix.lower() == ".json":
        try:
            head = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            head = None
        if isinstance(head, dict) and head.get("format") == "maturity/scores@1":
            return Scores.from_json(path, model)
        if isinstance(head, dict) and "answers" in head and "synthetic" in head:
            synthetic = bool(head["synthetic"])
            path = path.parent / head["answers"]
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            header = fh.readline()
        if header.startswith("respondent_id,node,score"):
            return Scores.from_csv(path, model)
    answers = read_responses(path, model.questionnaire)
    return dataclasses.replace(score(answers, model, by="company"), synthetic=synthetic)
