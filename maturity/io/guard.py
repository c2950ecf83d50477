"""The one guard against spreadsheet formulas in the text cells we write.

Every text cell of every CSV or XLSX file the library writes goes through :func:`safe_cell`;
every text cell read back from a CSV we could have written goes through :func:`unsafe_cell`.
The pair is lossless: ``unsafe_cell(safe_cell(s)) == s`` for every text ``s`` (a property test
holds it), so a company called ``'=x`` comes back as ``'=x``.

A spreadsheet runs a cell as a formula when it starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, after a leading tab or carriage return); the guard puts a ``'`` before such
a text, and before a text that itself starts with ``'`` so that the quote can be undone
unambiguously (OWASP, "CSV Injection").
"""

from __future__ import annotations

__all__ = ["FORMULA_START", "safe_cell", "unsafe_cell"]

#: What a spreadsheet may take for the start of a formula, and the quote that escapes it.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n", "'")


def safe_cell(value: str) -> str:
    """A cell that a spreadsheet will not run as a formula: a ``'`` is put before a text that
    starts with ``= + - @``, a tab, a carriage return, a line feed or ``'`` itself.
    """
    return "'" + value if value.startswith(FORMULA_START) else value


def unsafe_cell(value: str) -> str:
    """Undo :func:`safe_cell`: ``unsafe_cell(safe_cell(s)) == s`` for every text ``s``."""
    return value[1:] if value.startswith("'") and value[1:2] in FORMULA_START else value
