"""Version ranges of the questionnaire a model or a catalogue is bound to (``">=1.0,<2"``)."""

from __future__ import annotations

import re

__all__ = ["version_matches"]

_CLAUSE_RE = re.compile(r"^\s*(>=|<=|==|!=|>|<)?\s*(\d+(?:\.\d+){0,2})\s*$")


def _vtuple(v: str) -> tuple[int, int, int]:
    parts = [int(x) for x in v.split(".")] + [0, 0]
    return (parts[0], parts[1], parts[2])


def version_matches(version: str, spec: str) -> bool:
    """Whether ``version`` (``1.2.0``) satisfies ``spec`` (``">=1.0,<2"``; ``*`` for any)."""
    if spec.strip() in ("", "*"):
        return True
    v = _vtuple(version)
    for clause in spec.split(","):
        m = _CLAUSE_RE.match(clause)
        if not m:
            raise ValueError(f"invalid version clause '{clause.strip()}' (e.g. '>=1.0,<2')")
        op, w = m.group(1) or "==", _vtuple(m.group(2))
        ok = {">=": v >= w, "<=": v <= w, ">": v > w, "<": v < w, "==": v == w, "!=": v != w}[op]
        if not ok:
            return False
    return True
