"""Small helpers shared by the tests: build objects from inline YAML."""

from __future__ import annotations

import textwrap

import pytest

from maturity.errors import SpecError
from maturity.questionnaire import Questionnaire, parse_questionnaire

HEADER = """\
format: maturity/questionnaire@1
id: t
version: 1.0.0
languages: [en, it]
title: {en: Test, it: Prova}
"""


def q_from(body: str, *, header: str = HEADER, strict: bool = False) -> Questionnaire:
    """A questionnaire from an inline YAML body (the header is added)."""
    return parse_questionnaire(header + textwrap.dedent(body), file="t.yaml", strict=strict)


def q_errors(body: str, *, header: str = HEADER, strict: bool = False) -> SpecError:
    """The SpecError raised for an inline questionnaire."""
    with pytest.raises(SpecError) as info:
        q_from(body, header=header, strict=strict)
    return info.value
