"""The errors of report making."""

from __future__ import annotations

from maturity.errors import MaturityError

__all__ = ["ReportError", "TemplateError"]


class ReportError(MaturityError, ValueError):
    """A report cannot be made: an unknown company or language, or a bad branding directory."""


class TemplateError(ReportError):
    """A branding template is broken, or tried what the sandbox refuses (reaching Python
    internals, switching autoescape off, changing the data).

    The message names the template file and line; the Jinja2 exception (for example
    :class:`jinja2.exceptions.SecurityError`) is the ``__cause__``.
    """
