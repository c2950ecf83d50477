"""Shared fixtures: outputs that many tests read are made once per session.

The ``slow`` marker holds the long end-to-end checks (a whole demo, killing a batch half way);
the README's test command leaves them out (``-m "not slow"`` in ``addopts``) and ``.ci/run``
runs them after it (``pytest -m slow``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import maturity as mt
from maturity.demo import sample_path


@pytest.fixture(scope="session")
def i40() -> dict[str, Any]:
    """The shipped ``i40-readiness`` questionnaire, the weighted model, the sample answers and
    their scores by company."""
    q = mt.load_questionnaire("i40-readiness")
    model = mt.load_model("i40-readiness-weighted", q)
    answers = mt.read_responses(sample_path("i40-readiness"), q)
    return {
        "q": q,
        "model": model,
        "answers": answers,
        "scores": mt.score(answers, model, by="company"),
        "path": sample_path("i40-readiness"),
    }


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``maturity demo`` run once, as a user runs it, into a directory of this session."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "maturity.cli", "demo", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return out
