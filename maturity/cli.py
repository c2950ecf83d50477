"""The ``maturity`` command line: thin, it parses arguments and calls the public API.

Every error the user can cause is printed as one line (``file:line:col: field: problem``) and
ends the program with a non-zero status; never a traceback. Exit status: 0 success, 1 invalid
input, 2 wrong usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from maturity import __version__
from maturity.errors import MaturityError, ResponseError, SpecError

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Dimension, Questionnaire
    from maturity.text import Text

__all__ = ["main"]

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    """Register a sub-command's implementation under ``name``."""

    def register(fn: Command) -> Command:
        _COMMANDS[name] = fn
        return fn

    return register


def _out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")


# --------------------------------------------------------------------------------------
# validate


def _format_of(path: Path) -> str | None:
    """The ``format:`` tag of a file, read cheaply from its first lines."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return None
    for line in head.splitlines():
        if line.startswith("format:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    return None


def _load_any(source: str, strict: bool) -> object:
    """Load a questionnaire or a scoring model, told apart by their ``format:`` tag."""
    from maturity.bundle import bundled, resolve
    from maturity.questionnaire import load_questionnaire

    p = Path(source)
    if not p.exists() and source in {b.id for b in bundled("scoring_model")}:
        p = resolve(source, "scoring_model")
    fmt = _format_of(p) if p.exists() else None
    if fmt and fmt.startswith("maturity/scoring-model"):
        from maturity.model import load_model  # type: ignore[import-not-found,unused-ignore]

        return load_model(p, strict=strict)
    return load_questionnaire(source, strict=strict)


@command("validate")
def _validate(args: argparse.Namespace) -> int:
    bad = 0
    for source in args.files:
        try:
            obj = _load_any(source, args.strict)
        except SpecError as exc:
            bad += 1
            for problem in exc.problems:
                _out(str(problem))
            continue
        for w in getattr(obj, "warnings", ()):
            _out(str(w))
        if not args.quiet:
            _err(f"{source}: valid ({obj!r})")
    n = len(args.files)
    if n > 1 or bad:
        _err(f"{n} file{'s' if n != 1 else ''} checked, {bad} invalid")
    return 1 if bad else 0


# --------------------------------------------------------------------------------------
# show


def _texts(q: Questionnaire) -> Iterator[Text]:
    yield q.title
    if q.description is not None:
        yield q.description
    for s in q.scales:
        if s.label is not None:
            yield s.label
        for o in s.options:
            yield o.label
    for d in q.dimensions:
        yield d.title
        if d.description is not None:
            yield d.description
    for i in q.items:
        yield i.text
        if i.help is not None:
            yield i.help
        if i.kind != "scale":
            for o in i.options:
                yield o.label


def coverage_by_language(q: Questionnaire) -> dict[str, float]:
    """Share of the questionnaire's text fields that have a translation, per language."""
    texts = list(_texts(q))
    return {lang: sum(lang in t for t in texts) / len(texts) for lang in q.languages}


@command("show")
def _show(args: argparse.Namespace) -> int:
    from maturity.questionnaire import load_questionnaire

    q = load_questionnaire(args.source)
    lang = args.lang or q.languages[0]
    cov = coverage_by_language(q)
    kinds: dict[str, int] = {}
    for i in q.items:
        kinds[i.kind] = kinds.get(i.kind, 0) + 1
    _out(f"{q.id} {q.version}: {q.title.lang(lang)}")
    _out("languages: " + ", ".join(f"{k} {v:.0%}" for k, v in cov.items()))
    _out(
        f"{len(q.items)} items ("
        + ", ".join(f"{n} {k}" for k, n in kinds.items())
        + f"), {len(q.dimensions)} dimensions, "
        f"{sum(1 for i in q.items if i.when or q.conditions_of(i.id))} conditional"
    )
    _out("")

    def count(d: Dimension) -> int:
        return sum(1 for _ in d.all_items())

    def tree(d: Dimension, prefix: str) -> None:
        children = [*d.dimensions]
        for k, sub in enumerate(children):
            last = k == len(children) - 1 and not (args.items and d.items)
            mark = "└─ " if last else "├─ "
            cond = "  [when]" if sub.when else ""
            _out(f"{prefix}{mark}{sub.id}  {sub.title.lang(lang)}  ({count(sub)} items){cond}")
            tree(sub, prefix + ("   " if last else "│  "))
        if args.items:
            for k, item in enumerate(d.items):
                mark = "└─ " if k == len(d.items) - 1 else "├─ "
                cond = "  [when]" if item.when else ""
                _out(f"{prefix}{mark}{item.id} ({item.kind}){cond}")

    _out(f"root  {q.title.lang(lang)}  ({len(q.items)} items)")
    tree(q.root, "")
    return 0


# --------------------------------------------------------------------------------------
# score


def _write_scores(scores: object, out: Path, force: bool) -> None:
    if out.suffix.lower() == ".json":
        scores.to_json(out, force=force)  # type: ignore[attr-defined]
    elif out.suffix.lower() == ".csv":
        scores.to_csv(out, force=force)  # type: ignore[attr-defined]
    else:
        raise ValueError(f"{out}: the output must end in .csv or .json")


@command("score")
def _score(args: argparse.Namespace) -> int:
    from maturity.io import read_responses
    from maturity.model import load_model
    from maturity.questionnaire import load_questionnaire
    from maturity.scoring import score

    q = load_questionnaire(args.questionnaire)
    model = load_model(args.model, q)
    out = Path(args.output)
    if out.exists() and not args.force:
        raise ValueError(f"{out}: the file exists; use --force to overwrite it")
    merged = _read_all(args.answers, q, args.skip_bad_rows, read_responses)
    scores = score(merged, model, by="company" if args.by_company else "respondent")
    _write_scores(scores, out, args.force)
    _err(
        f"scored {len(scores)} {'companies' if args.by_company else 'respondents'} with "
        f"{model.id} -> {out}"
    )
    return 0


def _read_all(
    paths: Sequence[str], q: Questionnaire, skip: bool, reader: Callable[..., Any]
) -> Any:
    """Read several answer files into one Responses (ids must stay unique)."""
    from maturity.errors import Problem, ResponseError
    from maturity.responses import Responses

    parts = [reader(p, q, on_error="skip" if skip else "raise") for p in paths]
    for part in parts:
        for problem in part.skipped:
            _err(f"skipped: {problem}")
    people = [r for part in parts for r in part.respondents]
    seen: dict[str, str] = {}
    for part in parts:
        for r in part.respondents:
            if r.id in seen and seen[r.id] != part.file:
                raise ResponseError(
                    [
                        Problem.make(
                            "R008",
                            file=part.file,
                            path="respondent_id",
                            found=r.id,
                            first=f"{seen[r.id]}",
                        )
                    ]
                )
            seen[r.id] = part.file
    return Responses(q, tuple(people), q.id, q.version, ", ".join(paths))


def _scored(args: argparse.Namespace) -> Any:
    """Load questionnaire and model, read the answers and score them (shared by commands)."""
    from maturity.io import read_responses
    from maturity.model import load_model
    from maturity.questionnaire import load_questionnaire
    from maturity.scoring import score

    q = load_questionnaire(args.questionnaire)
    model = load_model(args.model, q)
    merged = _read_all(args.answers, q, args.skip_bad_rows, read_responses)
    return score(merged, model, by="company" if args.by_company else "respondent")


def _check_output(out: Path, force: bool, suffixes: tuple[str, ...] = (".csv", ".json")) -> None:
    if out.suffix.lower() not in suffixes:
        raise ValueError(f"{out}: the output must end in {' or '.join(suffixes)}")
    if out.exists() and not force:
        raise ValueError(f"{out}: the file exists; use --force to overwrite it")


_FORMATS = ("html", "pdf")


def _choices(option: str, text: str, allowed: Sequence[str]) -> list[str]:
    """The comma-separated values of ``option``, each one of ``allowed`` (in order, once)."""
    values = list(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise ValueError(
            f"{option}: {bad[0] if bad else text!r} is not one of {', '.join(allowed)} "
            "(several are separated by commas)"
        )
    return values


def _target(text: str) -> object:
    if text in ("next_level", "p50", "p75", "p90", "median"):
        return text
    try:
        return float(text)
    except ValueError:
        pass
    p = Path(text)
    if p.suffix.lower() in (".json", ".yaml", ".yml"):
        from maturity.spec.yamlio import read_yaml

        data = read_yaml(p).data
        if not isinstance(data, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in data.values()
        ):
            raise ValueError(f"{p}: a target profile is a mapping node id -> score")
        return data
    raise ValueError(
        f"--target: '{text}' is not next_level, p50, p75, p90, a number or a "
        "file with a target profile"
    )


@command("gaps")
def _gaps(args: argparse.Namespace) -> int:
    from maturity.gap_analysis import gaps
    from maturity.peers import load_peers

    out = Path(args.output)
    _check_output(out, args.force)
    scores = _scored(args)
    peers = load_peers(args.peers, scores.model) if args.peers else None
    result = gaps(scores, _target(args.target), peers=peers)
    if out.suffix.lower() == ".json":
        result.to_json(out, force=args.force)
    else:
        result.to_csv(out, force=args.force)
    _err(f"gaps of {len(scores)} to {result.target_kind} -> {out}")
    return 0


@command("benchmark")
def _benchmark(args: argparse.Namespace) -> int:
    from maturity.benchmarking import benchmark, write_aggregate
    from maturity.model import load_model
    from maturity.peers import load_peers
    from maturity.scores import Scores

    out = Path(args.output)
    _check_output(out, args.force)
    model = (
        load_model(args.model, args.questionnaire) if args.questionnaire else load_model(args.model)
    )
    scores = Scores.from_json(args.scores, model)
    peers = load_peers(args.peers, model)
    by = tuple(f.strip() for f in args.by.split(",") if f.strip())
    if args.aggregate:
        write_aggregate(out, peers, by=by, min_group=args.min_group, force=args.force)
        _err(f"aggregate peer table (groups of at least {args.min_group}) -> {out}")
        return 0
    result = benchmark(scores, peers, by=by, min_group=args.min_group, bootstrap=args.bootstrap)
    if out.suffix.lower() == ".json":
        result.to_json(out, force=args.force)
    else:
        result.to_csv(out, force=args.force)
    note = " (synthetic peers)" if peers.synthetic else ""
    _err(f"benchmarked {len(scores)} against {len(peers)} peers{note} -> {out}")
    return 0


@command("report")
def _report(args: argparse.Namespace) -> int:
    import os

    from maturity.benchmarking import benchmark
    from maturity.gap_analysis import gaps
    from maturity.io import read_responses
    from maturity.model import load_model
    from maturity.peers import load_peers
    from maturity.questionnaire import load_questionnaire
    from maturity.report.batch import ReportJob, run_reports
    from maturity.report.render import LANGUAGES, Branding
    from maturity.scoring import score

    langs = _choices("--lang", args.lang, LANGUAGES)
    formats = cast("list[Literal['html', 'pdf']]", _choices("--format", args.format, _FORMATS))
    if "pdf" in formats:
        from maturity.report.pdf import require_weasyprint

        require_weasyprint()  # before any work: a clear message if the extra is missing
    date = None
    if args.date:
        try:
            date = _dt.date.fromisoformat(args.date)
        except ValueError:
            raise ValueError(f"--date: {args.date!r} is not a date YYYY-MM-DD") from None
    q = load_questionnaire(args.questionnaire)
    model = load_model(args.model, q)
    responses = _read_all(args.answers, q, args.skip_bad_rows, read_responses)
    present = list(dict.fromkeys(r.company_id for r in responses))  # as score() orders them
    unknown = [c for c in args.company or () if c not in present]
    if unknown:
        raise ValueError(
            f"no company '{unknown[0]}' in the answers (companies: "
            f"{', '.join(present[:10])}{', ...' if len(present) > 10 else ''})"
        )
    if args.company:  # only those: reports, portfolio, gaps and benchmark
        wanted = set(args.company)
        responses = dataclasses.replace(
            responses, respondents=tuple(r for r in responses if r.company_id in wanted)
        )
    scores = score(responses, model, by="company")
    companies = list(dict.fromkeys(args.company)) if args.company else list(scores.ids)
    bench = None
    if args.peers:
        bench = benchmark(scores, load_peers(args.peers, model), min_group=args.min_group)
    target = args.target or ("p75" if bench is not None else "next_level")
    previous = None
    if args.previous:
        if args.previous == "synthetic":
            raise ValueError(
                "--previous: give the scores or answers file of the earlier assessment"
            )
        previous = load_peers(args.previous, model)
    branding = Branding(args.branding, name=args.organisation, consultant=args.consultant)
    job = ReportJob(
        scores,
        bench,
        gaps(scores, _target(target), peers=bench),
        responses,
        branding,
        date,
        previous,
    )
    count = len(companies) * len(langs) * len(formats)
    workers = args.jobs or min(os.cpu_count() or 1, count)
    written = run_reports(
        job,
        companies,
        args.output,
        langs=langs,
        formats=formats,
        force=args.force,
        workers=workers,
        progress=not args.quiet,
        portfolio=args.portfolio,
    )
    for path in written[:5]:
        _err(f"wrote {path}")
    if len(written) > 5:
        _err(f"... and {len(written) - 5} more in {args.output}")
    return 0


@command("demo")
def _demo(args: argparse.Namespace) -> int:
    from maturity.demo import run_demo

    run_demo(args.output, force=args.force)
    return 0


# --------------------------------------------------------------------------------------
# entry point


def _answer_arguments(p: argparse.ArgumentParser, output: str) -> None:
    """The arguments of every command that scores answer files."""
    p.add_argument("answers", nargs="+", metavar="ANSWERS", help="answer files (CSV or JSON)")
    p.add_argument(
        "-q", "--questionnaire", required=True, metavar="Q", help="questionnaire file or bundled id"
    )
    p.add_argument(
        "-m", "--model", required=True, metavar="M", help="scoring-model file or bundled id"
    )
    p.add_argument("-o", "--output", required=True, metavar="OUT", help=output)
    p.add_argument(
        "--by-company",
        action="store_true",
        help="combine the respondents of each company (the 'company' column)",
    )
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="leave out rows with problems (reported) instead of refusing the file",
    )
    p.add_argument("--force", action="store_true", help="overwrite the output")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``maturity`` command."""
    p = argparse.ArgumentParser(
        prog="maturity",
        description="Industry 4.0 maturity assessment: questionnaires, scoring, benchmarks, "
        "reports.",
    )
    p.add_argument("--version", action="version", version=f"maturity {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    v = sub.add_parser(
        "validate",
        help="check questionnaires and scoring models",
        description="Check questionnaire and scoring-model files. Prints every "
        "problem as file:line:col: field: message; exit status 1 if any file "
        "is invalid.",
    )
    v.add_argument("files", nargs="+", metavar="FILE", help="YAML files or bundled ids")
    v.add_argument(
        "--strict", action="store_true", help="treat warnings (e.g. missing translations) as errors"
    )
    v.add_argument("-q", "--quiet", action="store_true", help="print problems only")

    s = sub.add_parser(
        "show",
        help="print a questionnaire's tree",
        description="Print the tree of a questionnaire with item counts per "
        "node and the languages covered.",
    )
    s.add_argument("source", metavar="FILE|ID")
    s.add_argument("--lang", help="language of titles (default: the questionnaire's first)")
    s.add_argument("--items", action="store_true", help="list the items too")

    sc = sub.add_parser(
        "score",
        help="score answers with a scoring model",
        description="Score answer files (CSV or JSON) with a scoring model and "
        "write the scores (CSV or JSON, by the output's suffix).",
    )
    _answer_arguments(sc, "scores.csv or scores.json")

    g = sub.add_parser(
        "gaps",
        help="gaps to a target and priorities",
        description="Score answers, compare them with a target and rank what "
        "to do first (gap x weight x importance).",
    )
    _answer_arguments(g, "gaps.csv or gaps.json")
    g.add_argument(
        "--target",
        default="next_level",
        help="next_level (default), p50, p75, p90 (needs --peers), a number, or a "
        "JSON/YAML file mapping node ids to target scores",
    )
    g.add_argument("--peers", help="peer scores (JSON), answers (CSV/JSON) or 'synthetic'")

    bm = sub.add_parser(
        "benchmark",
        help="compare scores with peers",
        description="Percentile ranks and peer statistics per company and "
        "node; peer groups by sector, size class and region, widened when too "
        "small, never reported below --min-group companies.",
    )
    bm.add_argument("scores", metavar="SCORES", help="scores JSON written by 'maturity score'")
    bm.add_argument(
        "--peers", required=True, help="peer scores (JSON), answers (CSV/JSON) or 'synthetic'"
    )
    bm.add_argument(
        "-m",
        "--model",
        required=True,
        metavar="M",
        help="the scoring model the scores were made with",
    )
    bm.add_argument(
        "-q",
        "--questionnaire",
        metavar="Q",
        help="questionnaire file (default: the bundled one of the model)",
    )
    bm.add_argument(
        "--by",
        default="sector,size_class,region",
        help="profile fields that define peer groups (default: %(default)s)",
    )
    bm.add_argument(
        "--min-group",
        type=int,
        default=5,
        metavar="N",
        help="smallest group ever reported (default: %(default)s)",
    )
    bm.add_argument(
        "--bootstrap",
        action="store_true",
        help="add a bootstrap confidence interval of the peer median",
    )
    bm.add_argument(
        "--aggregate",
        action="store_true",
        help="write the publishable aggregate peer table instead",
    )
    bm.add_argument("-o", "--output", required=True, metavar="OUT")
    bm.add_argument("--force", action="store_true", help="overwrite the output")

    rp = sub.add_parser(
        "report",
        help="HTML or PDF reports of companies",
        description="Score answers and write one report per company (or the "
        "one named) into a directory, in the languages asked.",
    )
    _answer_arguments(rp, "directory for the reports")
    rp.add_argument("--peers", help="peer scores (JSON), answers (CSV/JSON) or 'synthetic'")
    rp.add_argument(
        "--min-group",
        type=int,
        default=5,
        metavar="N",
        help="smallest peer group ever shown (default: %(default)s)",
    )
    rp.add_argument(
        "--target",
        help="target of the gaps: next_level, p50, p75, p90, a number or a JSON/YAML "
        "file (default: p75 with --peers, else next_level)",
    )
    who = rp.add_mutually_exclusive_group()
    who.add_argument(
        "--company",
        action="append",
        metavar="ID",
        help="only this company (repeat for several)",
    )
    who.add_argument("--all", action="store_true", help="every company (the default)")
    rp.add_argument(
        "--previous",
        metavar="FILE",
        help="an earlier assessment (scores JSON/CSV or answers) to show the change since",
    )
    rp.add_argument(
        "--portfolio",
        action="store_true",
        help="also write the portfolio overview of all the companies",
    )
    rp.add_argument("--lang", default="en", help="it, en or both: it,en (default: en)")
    rp.add_argument("--format", default="html", help="html, pdf or both: html,pdf (default: html)")
    rp.add_argument(
        "--branding",
        metavar="DIR",
        help="a directory with templates, report.css and logo.svg/png to override",
    )
    rp.add_argument("--organisation", metavar="NAME", help="who hands the report over (cover)")
    rp.add_argument("--consultant", metavar="NAME", help="who ran the assessment (cover)")
    rp.add_argument("--date", metavar="YYYY-MM-DD", help="report date on the cover (default: none)")
    rp.add_argument("-j", "--jobs", type=int, default=0, help="processes (default: one per CPU)")
    rp.add_argument("--quiet", action="store_true", help="no progress bar")

    d = sub.add_parser(
        "demo",
        help="run the whole pipeline on the shipped data",
        description="Run the pipeline on the shipped questionnaires, models and "
        "sample answers, writing the results into a directory.",
    )
    d.add_argument("-o", "--output", default="maturity-demo", metavar="DIR")
    d.add_argument("--force", action="store_true", help="overwrite existing files")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (SpecError, ResponseError) as exc:
        for problem in exc.problems:
            _err(str(problem))
        return 1
    except MaturityError as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            _err(f"maturity: error: {line}")
        return 1
    except KeyboardInterrupt:  # pragma: no cover
        _err("maturity: interrupted")
        return 130
    except BrokenPipeError:  # pragma: no cover
        return 0
    except (OSError, ValueError) as exc:
        _err(f"maturity: error: {exc}")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
