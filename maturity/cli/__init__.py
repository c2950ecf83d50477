"""The ``maturity`` command line: thin, it parses arguments and calls the public API.

Every sub-command is one module of this package that registers itself with
:func:`maturity.cli.common.command`: its arguments (``add``) and what it does (``run``).
Every error the user can cause is printed as one line (``file:line:col: field: problem``) and
ends the program with a non-zero status; never a traceback. Exit status: 0 success, 1 invalid
input, 2 wrong usage, 130 interrupted (Ctrl-C), 143 terminated (``SIGTERM``); an interrupted
command leaves its outputs complete or absent. Wrong usage is what is wrong whatever the files
hold (argparse's errors, one line through :class:`~maturity.cli.common.Parser`, and
:class:`~maturity.cli.common.UsageError`); invalid input is what a file holds or the state of
the file system.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from maturity import __version__
from maturity.cli.common import COMMANDS, Parser, UsageError, err, os_problem
from maturity.errors import MaturityError, ResponseError, SpecError

__all__ = ["build_parser", "main"]

#: The modules of the sub-commands, in the order ``maturity --help`` lists them.
_MODULES = (
    "validate",
    "show",
    "export",
    "score",
    "gaps",
    "benchmark",
    "plan",
    "report",
    "demo",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``maturity`` command."""
    for name in _MODULES:
        importlib.import_module(f"maturity.cli.{name}")
    p = Parser(
        prog="maturity",
        description="Industry 4.0 maturity assessment: questionnaires, scoring, benchmarks, "
        "plans, reports.",
    )
    p.add_argument("--version", action="version", version=f"maturity {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        cmd.add(sub)
    return p


class Terminated(KeyboardInterrupt):
    """``SIGTERM`` received: stop as after Ctrl-C (outputs complete or absent), status 143."""


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While a command runs, ``SIGTERM`` (``kill PID``) stops it as Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with _terminate_as_interrupt():
            return COMMANDS[args.command].run(args)
    except UsageError as exc:
        err(f"maturity {args.command}: error: {exc}")
        return 2
    except (SpecError, ResponseError) as exc:
        for problem in exc.problems:
            err(str(problem))
        return 1
    except MaturityError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            err(f"maturity: error: {line}")
        return 1
    except KeyboardInterrupt as exc:
        err("maturity: interrupted")
        return 143 if isinstance(exc, Terminated) else 130
    except BrokenPipeError:  # pragma: no cover
        return 0
    except OSError as exc:
        err(f"maturity: error: {os_problem(exc)}")
        return 1
    except ValueError as exc:
        err(f"maturity: error: {exc}")
        return 1
