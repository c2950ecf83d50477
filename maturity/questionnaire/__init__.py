"""Questionnaires: the frozen objects, the strict loader and the writer.

- :mod:`~maturity.questionnaire.types`: :class:`Questionnaire`, :class:`Dimension`,
  :class:`Item`, :class:`Scale`, :class:`Option`, :class:`ProfileField`, :class:`Source`;
- :mod:`~maturity.questionnaire.loader`: :func:`load_questionnaire`, :func:`parse_questionnaire`
  (every problem of a file at once, ``file:line:col``);
- :mod:`~maturity.questionnaire.writer`: :func:`dump_questionnaire`.

The format is described in ``docs/reference/questionnaire-format.md``.
"""

from __future__ import annotations

from maturity.questionnaire.loader import load_questionnaire, parse_questionnaire, parse_sources
from maturity.questionnaire.types import (
    DONT_KNOW_CODE,
    FORMAT,
    ITEM_KINDS,
    NA_CODE,
    PROFILE_FIELDS,
    ROOT_ID,
    Dimension,
    Item,
    ItemKind,
    Option,
    ProfileField,
    Questionnaire,
    Scale,
    Source,
    profile_types,
)
from maturity.questionnaire.writer import dump_questionnaire

__all__ = [
    "DONT_KNOW_CODE",
    "FORMAT",
    "ITEM_KINDS",
    "NA_CODE",
    "PROFILE_FIELDS",
    "ROOT_ID",
    "Dimension",
    "Item",
    "ItemKind",
    "Option",
    "ProfileField",
    "Questionnaire",
    "Scale",
    "Source",
    "dump_questionnaire",
    "load_questionnaire",
    "parse_questionnaire",
    "parse_sources",
    "profile_types",
]
