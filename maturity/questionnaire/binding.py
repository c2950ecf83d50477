"""Binding a file to a questionnaire: the ``questionnaire: {id, versions}`` block that scoring
models and action catalogues share.
"""

from __future__ import annotations

from collections.abc import Mapping

from maturity.errors import list_allowed, suggest
from maturity.questionnaire.types import Questionnaire
from maturity.spec.check import Checker

__all__ = ["bind_questionnaire"]


def bind_questionnaire(
    c: Checker,
    value: object,
    given: Questionnaire | None,
    *,
    what: str,
    codes: Mapping[str, str],
) -> tuple[Questionnaire | None, str | None]:
    """Check the ``questionnaire: {id, versions}`` block of a ``what`` ("model", "catalogue")
    and return the questionnaire it binds to (``given``, else the bundled one with that id)
    and the version range; ``(None, ...)`` after recording the problem.

    ``codes`` names the error code of each problem: ``"syntax"`` (a version range that does
    not read), ``"missing"`` (an id that is not bundled when no questionnaire is given) and
    ``"mismatch"`` (another id, or a version outside the range).
    """
    from maturity.spec.versions import version_matches

    m = c.mapping(
        ("questionnaire",),
        value,
        required=("id",),
        optional=("versions",),
        what="{id, versions}",
    )
    if m is None or "id" not in m:
        return None, None
    qid = c.string(("questionnaire", "id"), m["id"])
    versions = c.string(("questionnaire", "versions"), m["versions"]) if "versions" in m else "*"
    if qid is None or versions is None:
        return None, None
    try:
        version_matches("0.0.0", versions)
    except ValueError as exc:
        c.error(codes["syntax"], ("questionnaire", "versions"), detail=str(exc))
        return None, None
    q = given
    if q is None:
        from maturity.bundle import bundled
        from maturity.questionnaire.loader import load_questionnaire

        ids = {b.id for b in bundled("questionnaire")}
        if qid not in ids:
            c.error(
                codes["missing"],
                ("questionnaire", "id"),
                detail=f"questionnaire '{qid}' is not bundled; give the questionnaire "
                f"file too (bundled: {list_allowed(ids)}){suggest(qid, ids)}",
            )
            return None, versions
        q = load_questionnaire(qid)
    if q.id != qid:
        c.error(
            codes["mismatch"],
            ("questionnaire", "id"),
            detail=f"the {what} is for questionnaire '{qid}', not '{q.id}'",
        )
        return None, versions
    try:
        matches = version_matches(q.version, versions)
    except ValueError as exc:  # a clause that is not a version comparison
        c.error(codes["syntax"], ("questionnaire", "versions"), detail=str(exc))
        return None, versions
    if not matches:
        c.error(
            codes["mismatch"],
            ("questionnaire", "versions"),
            detail=f"the {what} is for versions '{versions}' of '{qid}', but the "
            f"questionnaire is version {q.version}",
        )
        return None, versions
    return q, versions
