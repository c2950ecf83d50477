"""maturity: an open engine for Industry 4.0 technology-maturity assessment.

Questionnaires and scoring models are YAML files; answers are read into arrays and scored by
one vectorised engine; results are compared with peers and turned into reports.

    >>> import maturity as mt
    >>> q = mt.load_questionnaire("i40-readiness")

Submodules are imported on first use, so ``import maturity`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "MaturityError": "maturity.errors",
    "SpecError": "maturity.errors",
    "ResponseError": "maturity.errors",
    "Problem": "maturity.errors",
    "Text": "maturity.text",
    "bundled": "maturity.bundle",
    "Questionnaire": "maturity.questionnaire",
    "load_questionnaire": "maturity.questionnaire",
    "parse_questionnaire": "maturity.questionnaire",
    "dump_questionnaire": "maturity.questionnaire",
    "Responses": "maturity.responses",
    "read_responses": "maturity.responses",
    "write_responses": "maturity.responses",
    "size_class": "maturity.classify",
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:  # pragma: no cover
    from maturity.bundle import bundled
    from maturity.classify import size_class
    from maturity.errors import MaturityError, Problem, ResponseError, SpecError
    from maturity.questionnaire import (
        Questionnaire,
        dump_questionnaire,
        load_questionnaire,
        parse_questionnaire,
    )
    from maturity.responses import Responses, read_responses, write_responses
    from maturity.text import Text


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'maturity' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
