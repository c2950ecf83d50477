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
    "read_responses": "maturity.io",
    "write_responses": "maturity.io",
    "export": "maturity.io.export",
    "size_class": "maturity.classify",
    "ScoringModel": "maturity.model",
    "load_model": "maturity.model",
    "parse_model": "maturity.model",
    "ahp": "maturity.weights",
    "AHPResult": "maturity.weights",
    "score": "maturity.scoring",
    "Scores": "maturity.scores",
    "Benchmark": "maturity.benchmarking",
    "benchmark": "maturity.benchmarking",
    "aggregate_table": "maturity.benchmarking",
    "Gaps": "maturity.gap_analysis",
    "gaps": "maturity.gap_analysis",
    "progress": "maturity.gap_analysis",
    "load_peers": "maturity.peers",
    "ActionCatalogue": "maturity.action_catalogue",
    "load_actions": "maturity.action_catalogue",
    "parse_actions": "maturity.action_catalogue",
    "Plan": "maturity.planning",
    "Plans": "maturity.planning",
    "plan": "maturity.planning",
    "plan_all": "maturity.planning",
    "Demand": "maturity.planning",
    "action_demand": "maturity.planning",
    "Branding": "maturity.report.render",
    "render_report": "maturity.report.render",
    "render_portfolio": "maturity.report.render",
}

__all__ = sorted([*_EXPORTS, "__version__"])

if TYPE_CHECKING:  # pragma: no cover
    from maturity.action_catalogue import ActionCatalogue as ActionCatalogue
    from maturity.action_catalogue import load_actions as load_actions
    from maturity.action_catalogue import parse_actions as parse_actions
    from maturity.benchmarking import Benchmark as Benchmark
    from maturity.benchmarking import aggregate_table as aggregate_table
    from maturity.benchmarking import benchmark as benchmark
    from maturity.bundle import bundled as bundled
    from maturity.classify import size_class as size_class
    from maturity.errors import MaturityError as MaturityError
    from maturity.errors import Problem as Problem
    from maturity.errors import ResponseError as ResponseError
    from maturity.errors import SpecError as SpecError
    from maturity.gap_analysis import Gaps as Gaps
    from maturity.gap_analysis import gaps as gaps
    from maturity.gap_analysis import progress as progress
    from maturity.io import read_responses as read_responses
    from maturity.io import write_responses as write_responses
    from maturity.io.export import export as export
    from maturity.model import ScoringModel as ScoringModel
    from maturity.model import load_model as load_model
    from maturity.model import parse_model as parse_model
    from maturity.peers import load_peers as load_peers
    from maturity.planning import Demand as Demand
    from maturity.planning import Plan as Plan
    from maturity.planning import Plans as Plans
    from maturity.planning import action_demand as action_demand
    from maturity.planning import plan as plan
    from maturity.planning import plan_all as plan_all
    from maturity.questionnaire import Questionnaire as Questionnaire
    from maturity.questionnaire import dump_questionnaire as dump_questionnaire
    from maturity.questionnaire import load_questionnaire as load_questionnaire
    from maturity.questionnaire import parse_questionnaire as parse_questionnaire
    from maturity.report.render import Branding as Branding
    from maturity.report.render import render_portfolio as render_portfolio
    from maturity.report.render import render_report as render_report
    from maturity.responses import Responses as Responses
    from maturity.scores import Scores as Scores
    from maturity.scoring import score as score
    from maturity.text import Text as Text
    from maturity.weights import AHPResult as AHPResult
    from maturity.weights import ahp as ahp


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'maturity' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
