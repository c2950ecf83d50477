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

    A metadata file (``{"synthetic": true, "answers": "name.csv", ...}``) names its answers
    file in its own directory: a name with a directory in it, or a link leading out of that
    directory, is refused.

    Raises:
        ResponseError: the file cannot be read, or is not what it claims to be (each problem
            names the file and the line; see :meth:`Scores.from_json`, :meth:`Scores.from_csv`
            and :func:`maturity.read_responses`).
        ValueError: ``"synthetic"`` for a questionnaire without a shipped population.

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
        head, text = _json_head(path)
        if isinstance(head, dict) and head.get("format") == "maturity/scores@1":
            return Scores.from_json(path, model)
        if isinstance(head, dict) and "answers" in head and "synthetic" in head:
            synthetic, path = _metadata(path, head, text)
    if path.suffix.lower() == ".csv":
        try:
            with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
                header = fh.readline(4096)
        except OSError:
            header = ""  # read_responses says what is wrong with the file
        if header.startswith("respondent_id,node,score"):
            return Scores.from_csv(path, model)
    answers = read_responses(path, model.questionnaire)
    return dataclasses.replace(score(answers, model, by="company"), synthetic=synthetic)


def _json_head(path: Path) -> tuple[object, str]:
    """The value of a JSON file and its text, or ``(None, "")`` when it is not readable JSON
    (then it is read as answers, whose reader says what is wrong, where).
    """
    from maturity.errors import ResponseError
    from maturity.io.jsonio import json_text, parse_json

    try:
        text = json_text(path.read_bytes(), str(path))
        return parse_json(text, str(path)), text
    except (OSError, ResponseError):
        return None, ""


def _metadata(path: Path, head: dict[str, object], text: str) -> tuple[bool, Path]:
    """The ``synthetic`` flag and the answers file of a population's metadata file."""
    from maturity.errors import Problem, ResponseError
    from maturity.io.jsonio import line_at

    def fail(key: str, detail: str) -> ResponseError:
        at = text.find(f'"{key}"')
        line, column = line_at(text, max(at, 0))
        return ResponseError(
            [
                Problem.make(
                    "R012", file=str(path), line=line, column=column, path=key, detail=detail
                )
            ]
        )

    flag, answers = head["synthetic"], head["answers"]
    if not isinstance(flag, bool):
        raise fail("synthetic", "expected true or false")
    if not isinstance(answers, str) or not answers or Path(answers).name != answers:
        raise fail(
            "answers",
            "expected the name of the answers file, in the directory of this file "
            "(no directory in the name)",
        )
    target = path.parent / answers
    try:
        inside = target.resolve().is_relative_to(path.parent.resolve())
    except (OSError, RuntimeError):  # a loop of links
        inside = False
    if not inside:
        raise fail("answers", f"'{answers}' leads out of the directory of this file")
    return flag, target
