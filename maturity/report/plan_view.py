"""The view model of a report's action-plan section (the content belongs to ``maturity.plan``).

Seam between the plan (its content: actions, waves, costs, projections) and the report (the
shape of the pages): :func:`plan_view` turns one company's plan into plain data that the
``plan.html.j2`` template lays out. It must return a mapping with at least ``title``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["plan_view"]


def plan_view(
    plan: Any, scores: Any, company_id: str, *, lang: str, benchmark: Any = None
) -> dict[str, Any]:
    """The action-plan section of one company's report, as plain data for the templates."""
    raise NotImplementedError("the action-plan section is not built yet")  # pragma: no cover
