"""Time the reports: one HTML report (warm), one PDF report, 1,000 HTML reports on 2 processes.

    python benchmarks/bench_report.py [--n 1000] [--workers 2]

Goals: HTML < 0.3 s warm, PDF < 1.5 s, 1,000 HTML < 60 s. The 1,000 reports are for 1,000
different companies (the shipped synthetic population, scored with its answers), so nothing is
reused between reports; each worker reads and scores the inputs once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_STATE: dict[str, Any] = {}


def build_inputs() -> dict[str, Any]:
    """Questionnaire, model, the sample companies and the synthetic population, scored."""
    import maturity
    import maturity.demo
    import maturity.model
    import maturity.responses
    import maturity.scoring
    from maturity.gap_analysis import gaps
    from maturity.peers import bundled_peers

    q = maturity.load_questionnaire("i40-readiness")
    m = maturity.model.load_model("i40-readiness-weighted")
    sample = maturity.io.read_responses(maturity.demo.sample_path("i40-readiness"), q)
    scores = maturity.scoring.score(sample, m, by="company")
    meta = bundled_peers()["i40-readiness"]
    population = maturity.io.read_responses(meta.parent / "i40-readiness-synthetic.csv", q)
    many = maturity.scoring.score(population, m, by="company")
    return {
        "sample": scores,
        "responses": sample,
        "gaps": gaps(scores, "next_level"),
        "many": many,
        "many_gaps": gaps(many, "next_level"),
    }


def _init_worker() -> None:
    # one BLAS thread per worker: the workers already use every CPU
    from threadpoolctl import threadpool_limits

    _STATE["limits"] = threadpool_limits(1)
    _STATE.update(build_inputs())
    from maturity.report.render import render_report

    render_report(_STATE["many"], _STATE["many"].ids[0])  # warm: imports, templates, fonts


def _render_one(company: str) -> int:
    from maturity.report.render import render_report

    html = render_report(
        _STATE["many"], company, lang="it", gaps=_STATE["many_gaps"], format="html"
    )
    return len(html)


def _timed(fn: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="reports in the batch (1000)")
    parser.add_argument("--workers", type=int, default=2, help="processes (2)")
    args = parser.parse_args(argv)

    from maturity.report.render import render_report

    t0 = time.perf_counter()
    inputs = build_inputs()
    print(f"inputs (read and score {len(inputs['many'])} companies): "
          f"{time.perf_counter() - t0:.2f} s")  # fmt: skip
    s, r, g = inputs["sample"], inputs["responses"], inputs["gaps"]

    t0 = time.perf_counter()
    render_report(s, s.ids[0], lang="en", gaps=g, responses=r)
    print(f"HTML report, cold (imports, templates):     {time.perf_counter() - t0:.3f} s")
    times = _timed(lambda: render_report(s, s.ids[1], lang="it", gaps=g, responses=r), 5)
    print(
        f"HTML report, warm (median of 5):           {statistics.median(times):.3f} s"
        "   goal < 0.3 s"
    )

    try:
        import weasyprint  # noqa: F401
    except ImportError:
        print("PDF report: skipped (weasyprint not installed)")
    else:
        from maturity.report.pdf import render_pdf

        render_report(s, s.ids[0], lang="en", gaps=g, format="pdf")  # warm: fonts
        times = _timed(lambda: render_report(s, s.ids[2], lang="en", gaps=g, format="pdf"), 3)
        html = render_report(s, s.ids[2], lang="en", gaps=g)
        assert isinstance(html, str)
        conv = _timed(lambda: render_pdf(html), 3)
        print(
            f"PDF report, warm (median of 3):            {statistics.median(times):.3f} s"
            f"   goal < 1.5 s  (of which HTML → PDF {statistics.median(conv):.3f} s)"
        )

    companies = list(inputs["many"].ids[: args.n])
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers, initializer=_init_worker) as pool:
        sizes = list(pool.map(_render_one, companies, chunksize=20))
    wall = time.perf_counter() - t0
    print(
        f"{len(sizes)} HTML reports, {args.workers} processes:        {wall:.1f} s"
        f"   goal < 60 s  ({wall / len(sizes) * args.workers:.3f} s per report per process, "
        f"including each worker's start; {os.cpu_count()} CPUs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
