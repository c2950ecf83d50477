"""Speed and memory of reading answers, from a file to scores (issue 15).

    python benchmarks/bench_reading.py [--rows 1000000 100000] [--repeat 3] [--dir DIR]

Generates answers of N respondents to a generated 100-item questionnaire (5 dimensions x 4
sub-dimensions x 5 items: scales with N/A, choices, numbers with decimals and bands, yes/no,
multiple choice; conditions on answers and on the profile; a profile with company, sector,
employees, region) as CSV, as Parquet (typed, as ``write_responses`` writes it, and every
column plain text, as pandas and most tools write it), and as a CSV with an error in every
row. Then, each step in a fresh process (so that its peak memory is its own), alternating the
steps and repeating them, it prints the median time and peak memory of:

- ``pyarrow.csv.read_csv`` alone and ``pandas.read_csv`` alone (the references);
- ``read_responses`` + ``matrix()``, and then ``score()`` (our whole road, file to scores);
- the same from each Parquet file, beside ``pyarrow.parquet.read_table`` of it alone;
- ``read_responses`` on the file with an error in every row (refused, first 50 problems);
- the matrix floor: making the answer matrix's four arrays and writing each once
  (``numpy.empty`` and ``fill``), the least any road through the matrix must do, as fresh
  memory costs on this machine;
- the Parquet floor, of any road from Parquet to scores however it turns codes into what the
  engine reads: ``read_table``, the full check of the arrays an untrusted file decodes into,
  whether the respondent ids are unique, and one pass of the numba engine with its outputs
  written, each timed in one process (numba loaded before);

with the time of each road split into reading (``read_responses``), the matrix
(``Responses.matrix()``) and scoring (``score()``), so that one sees where the time goes; and
the ratios the issue sets targets for: CSV to scores within 3x ``pyarrow.csv.read_csv``,
Parquet within 2x ``pyarrow.parquet.read_table``, peak memory under 3x the final answer
matrix (values float64 and three boolean masks: 11 bytes per cell), the file with errors in
about the time of a clean read. Peak memory is the high-water mark of the process's resident
memory (``VmHWM``) minus that of a process that only imported the same modules.

With ``--dir``, files already there for the same number of rows are used again.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DIMS, SUBS, ITEMS = 5, 4, 5  # 100 items
KINDS = ("scale", "choice", "number", "boolean", "multi")


def questionnaire_yaml() -> str:
    lines = [
        "format: maturity/questionnaire@1",
        "id: bench-read",
        "version: 1.0.0",
        "languages: [en]",
        "title: Bench",
        "profile: {company: {}, sector: {}, employees: {}, region: {}}",
        "scales:",
        "  s:",
        "    na: true",
        "    dont_know: true",
        "    options:",
    ]
    lines += [f"      - {{code: c{k}, value: {k}, label: L{k}}}" for k in range(6)]
    lines.append("dimensions:")
    for d in range(DIMS):
        lines += [f"  - id: d{d}", f"    title: D{d}", "    dimensions:"]
        for s in range(SUBS):
            lines += [f"      - id: d{d}.s{s}", f"        title: S{s}", "        items:"]
            for i, kind in enumerate(KINDS):
                iid = f"i{d}.{s}.{i}"
                if kind == "scale":
                    lines.append(f"          - {{id: {iid}, kind: scale, scale: s, text: Q}}")
                elif kind == "choice":
                    opts = ", ".join(f"{{code: o{k}, value: {k}, label: O{k}}}" for k in range(4))
                    when = f'answer("i{d}.{s}.3")' if s % 2 else "profile.employees >= 10"
                    lines.append(
                        f"          - {{id: {iid}, kind: choice, text: Q, options: [{opts}],"
                        f" when: '{when}'}}"
                    )
                elif kind == "number":
                    lines.append(
                        f"          - {{id: {iid}, kind: number, text: Q, min: 0, max: 100,"
                        " bands: [10, 30, 50, 70, 90], na: true}"
                    )
                elif kind == "boolean":
                    lines.append(f"          - {{id: {iid}, kind: boolean, text: Q}}")
                else:
                    opts = ", ".join(f"{{code: m{k}, points: 1, label: M{k}}}" for k in range(3))
                    lines.append(
                        f"          - {{id: {iid}, kind: multi, text: Q, options: [{opts},"
                        " {code: none, points: 0, label: None, exclusive: true}]}"
                    )
    return "\n".join(lines) + "\n"


def model_yaml() -> str:
    return """\
format: maturity/scoring-model@1
id: bench-read-model
version: 1.0.0
title: Bench
questionnaire: {id: bench-read}
range: [0, 5]
default: {operator: weighted_mean, min_coverage: 0.5}
levels:
  - {min: 0, code: l0, label: L0}
  - {min: 2.5, code: l1, label: L1}
"""


def generate(n: int, directory: Path) -> dict[str, Path]:
    """Write answers.csv, answers.parquet, plain.parquet and bad.csv for ``n`` respondents."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(7)
    cols: dict[str, object] = {}
    ids = np.char.add("r", np.arange(n).astype(str))
    cols["respondent_id"] = ids
    cols["company"] = np.char.add("Company ", (np.arange(n) // 2).astype(str))
    cols["sector"] = np.array(["C", "28.41", "10.11", "J", "62.01"])[rng.integers(0, 5, n)]
    cols["employees"] = rng.integers(1, 500, n).astype(str)
    cols["region"] = np.array(["ITC4C", "ITH3", "ITI4", ""])[rng.integers(0, 4, n)]
    for d in range(DIMS):
        for s in range(SUBS):
            yes = rng.random(n) < 0.6
            for i, kind in enumerate(KINDS):
                iid = f"i{d}.{s}.{i}"
                if kind == "scale":
                    v = np.array([f"c{k}" for k in range(6)] + ["n/a", "dont_know", ""])
                    cols[iid] = v[rng.choice(9, n, p=[0.14] * 6 + [0.06, 0.05, 0.05])]
                elif kind == "choice":
                    v = np.array([f"o{k}" for k in range(4)])[rng.integers(0, 4, n)]
                    asked = yes if s % 2 else None
                    cols[iid] = v if asked is None else np.where(asked, v, "")
                    if asked is None:  # asked only of companies of 10 employees or more
                        big = cols["employees"].astype(int) >= 10
                        cols[iid] = np.where(big, v, "")
                elif kind == "number":
                    x = np.round(rng.uniform(0, 100, n), 1).astype(str)
                    cols[iid] = np.where(rng.random(n) < 0.05, "n/a", x)
                elif kind == "boolean":
                    cols[iid] = np.where(yes, "yes", "no")
                else:
                    v = np.array(["m0", "m1", "m2", "m0|m1", "m1|m2", "m0|m1|m2", "none", ""])
                    cols[iid] = v[rng.integers(0, 8, n)]
    table = pa.table({k: pa.array(v) for k, v in cols.items()})
    out = {"csv": directory / "answers.csv", "parquet": directory / "answers.parquet"}
    pcsv.write_csv(table, out["csv"], pcsv.WriteOptions(quoting_style="none"))
    # Parquet as write_responses writes it (typed columns)
    from maturity.io import read_responses, write_responses

    q = load()[0]
    write_responses(read_responses(out["csv"], q), out["parquet"], force=True)
    # and as pandas and most tools write it: every column plain text
    import pyarrow.parquet as pq

    out["plain"] = directory / "plain.parquet"
    pq.write_table(table, out["plain"])
    # an error in every row: a code that is not an option
    bad = table.set_column(table.column_names.index("i0.0.0"), "i0.0.0", pa.array(np.full(n, "c9")))
    out["bad"] = directory / "bad.csv"
    pcsv.write_csv(bad, out["bad"], pcsv.WriteOptions(quoting_style="none"))
    return out


def load():
    from maturity.model import parse_model
    from maturity.questionnaire import parse_questionnaire

    q = parse_questionnaire(questionnaire_yaml())
    return q, parse_model(model_yaml(), q)


# -- the steps, each run in a fresh process --------------------------------------------------

STEPS = {
    "import": "nothing (the baseline of memory)",
    "pyarrow.csv.read_csv": "pyarrow.csv.read_csv alone",
    "pandas.read_csv": "pandas.read_csv alone",
    "read+matrix csv": "read_responses + matrix() (CSV)",
    "read+matrix+score csv": "read_responses + matrix() + score() (CSV)",
    "read+matrix csv python": "the same with Python's csv module (engine='python')",
    "pyarrow.parquet.read_table": "pyarrow.parquet.read_table alone",
    "read+matrix+score parquet": "read_responses + matrix() + score() (Parquet)",
    "pyarrow.parquet.read_table plain": "pyarrow.parquet.read_table alone (plain text)",
    "read+matrix+score parquet plain": "read_responses + matrix() + score() (plain text)",
    "errors in every row": "the CSV with an error in every row (refused)",
    "floor": "matrix floor: make the answer matrix, write it once",
    "floor parquet": "Parquet floor: read, check, unique ids, one engine pass",
}


def peak_memory() -> float:
    """The most resident memory this process has had, in bytes (VmHWM; ru_maxrss elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def child(step: str, files: dict[str, str]) -> None:
    import numpy as np
    import pandas as pd
    import pyarrow.compute  # noqa: F401
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    import maturity
    import maturity.columnar
    import maturity.engine
    import maturity.io.arrow
    import maturity.io.check
    import maturity.io.parquet
    import maturity.scoring  # every step starts with its modules imported
    from maturity.errors import ResponseError
    from maturity.io import read_responses

    q, model = load()
    out: dict[str, float] = {}
    start = time.perf_counter()
    cells = 0
    if step == "pyarrow.csv.read_csv":
        pcsv.read_csv(files["csv"])
    elif step == "pandas.read_csv":
        pd.read_csv(files["csv"], low_memory=False)
    elif step.startswith("read+matrix"):
        engine = "python" if step.endswith("python") else "auto"
        road = step.split()[-1]
        path = files[road if road in ("parquet", "plain") else "csv"]
        r = read_responses(path, q, engine=engine)
        out["read"] = time.perf_counter() - start
        m = r.matrix()
        out["read+matrix"] = time.perf_counter() - start
        out["matrix"] = out["read+matrix"] - out["read"]
        cells = m.values.size
        if "score" in step:
            t = time.perf_counter()
            maturity.score(r, model)
            out["score"] = time.perf_counter() - t
    elif step == "floor":
        n, m_items = pq.read_metadata(files["parquet"]).num_rows, len(model.items)
        start = time.perf_counter()
        values = np.empty((n, m_items))
        values.fill(np.nan)
        masks = [np.empty((n, m_items), dtype=bool) for _ in range(3)]  # na, dk, applicable
        for mask in masks:
            mask.fill(False)  # all four held at once, as the matrix holds them
        cells = values.size
    elif step.startswith("pyarrow.parquet.read_table"):
        pq.read_table(files["plain" if step.endswith("plain") else "parquet"])
    elif step == "floor parquet":
        # the steps no road from a Parquet file to scores can leave out, timed one by one in
        # this process: reading the file, the full check of its arrays (an untrusted file can
        # hold dictionary indices past the dictionary's end), whether the respondent ids are
        # unique, and one pass of the fastest engine over the answers with its outputs
        # written; turning the file's codes into what the engine reads (the matrix) is left
        # out, as is loading numba (done untimed before)
        import pyarrow.compute as pc  # imported above, before the clock started

        from maturity.engine import run as engine_run
        from maturity.scoring import compile_model

        table = pq.read_table(files["parquet"])
        out["read"] = time.perf_counter() - start
        t = time.perf_counter()
        maturity.io.parquet._validate(table)
        out["validate"] = time.perf_counter() - t
        t = time.perf_counter()
        pc.count_distinct(table.column("respondent_id"))
        out["unique ids"] = time.perf_counter() - t
        del table
        m = read_responses(files["parquet"], q).matrix()
        cm = compile_model(model, m.item_ids)
        warm = slice(0, 64)
        engine_run(cm, m.values[warm], m.na[warm], m.dont_know[warm], m.applicable[warm])
        t = time.perf_counter()
        engine_run(cm, m.values, m.na, m.dont_know, m.applicable)
        out["engine"] = time.perf_counter() - t
        cells = m.values.size
        out["seconds"] = sum(out[k] for k in ("read", "validate", "unique ids", "engine"))
        out["maxrss"] = peak_memory()
        out["matrix_bytes"] = cells * 11
        print(json.dumps(out))
        return
    elif step == "errors in every row":
        try:
            read_responses(files["bad"], q)
        except ResponseError as exc:
            out["problems"] = len(exc.problems)
    out["seconds"] = time.perf_counter() - start
    out["maxrss"] = peak_memory()
    out["matrix_bytes"] = cells * 11
    print(json.dumps(out))


def run(step: str, files: dict[str, Path]) -> dict[str, float]:
    args = [
        sys.executable,
        __file__,
        "--child",
        step,
        "--files",
        json.dumps({k: str(v) for k, v in files.items()}),
    ]
    proc = subprocess.run(args, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def generated(n: int, files: dict[str, Path]) -> bool:
    """Whether ``files`` are there already, for ``n`` respondents."""
    import pyarrow.parquet as pq

    if not all(f.is_file() for f in files.values()):
        return False
    return bool(pq.read_metadata(files["parquet"]).num_rows == n)


def measure(n: int, directory: Path, repeat: int, python_rows: int) -> None:
    t = time.perf_counter()
    files = {
        "csv": directory / "answers.csv",
        "parquet": directory / "answers.parquet",
        "plain": directory / "plain.parquet",
        "bad": directory / "bad.csv",
    }
    if not generated(n, files):
        # generated in another process, so that this one stays small: a child started from a
        # big process would count its memory as its own
        subprocess.run(
            [sys.executable, __file__, "--generate", str(n), "--dir", str(directory)], check=True
        )
    size = files["csv"].stat().st_size
    print(
        f"\n## {n:,} respondents x 100 items: answers.csv {size / 1e6:,.0f} MB, "
        f"answers.parquet {files['parquet'].stat().st_size / 1e6:,.0f} MB "
        f"(generated in {time.perf_counter() - t:.0f} s)"
    )
    steps = [s for s in STEPS if s != "read+matrix csv python" or n <= python_rows]
    results: dict[str, list[dict[str, float]]] = {s: [] for s in steps}
    for _ in range(repeat):  # side by side: every step once per round
        for s in steps:
            results[s].append(run(s, files))

    def med(s: str, key: str = "seconds") -> float:
        return statistics.median(x[key] for x in results[s])

    base = med("import", "maxrss")
    matrix = max(x["matrix_bytes"] for x in results["read+matrix csv"])
    print(f"median of {repeat} runs each; peak memory net of a bare import ({base / 1e6:,.0f} MB)")
    print(f"{'step':58} {'seconds':>9} {'peak MB':>9}")
    for s in steps:
        if s == "import":
            continue
        mem = (med(s, "maxrss") - base) / 1e6
        print(f"{STEPS[s]:58} {med(s):9.2f} {mem:9,.0f}")
    ref_csv, ref_pq = med("pyarrow.csv.read_csv"), med("pyarrow.parquet.read_table")
    whole_csv, whole_pq = med("read+matrix+score csv"), med("read+matrix+score parquet")
    peak = med("read+matrix+score csv", "maxrss") - base
    peak_pq = med("read+matrix+score parquet", "maxrss") - base
    for road in ("csv", "parquet"):
        step = f"read+matrix+score {road}"
        parts = ", ".join(f"{k} {med(step, k):.2f} s" for k in ("read", "matrix", "score"))
        print(f"  {road:7} to scores: {parts}")
    print(f"answer matrix (float64 + 3 bool masks): {matrix / 1e6:,.0f} MB")
    print("ratios (the issue's targets are for 1,000,000 rows):")

    def ratio(label: str, x: float, limit: float | None = None) -> None:
        target = ""
        if limit is not None:
            verdict = ("met" if x < limit else "MISSED") if n >= 1_000_000 else "-"
            target = f"  (< {limit:g}: {verdict})"
        print(f"  {label:44} {x:5.2f}{target}")

    ratio("CSV to scores / pyarrow.csv.read_csv", whole_csv / ref_csv, 3)
    ratio("CSV to scores / pandas.read_csv", whole_csv / med("pandas.read_csv"))
    ratio("Parquet to scores / pyarrow.parquet.read", whole_pq / ref_pq, 2)
    plain = med("read+matrix+score parquet plain") / med("pyarrow.parquet.read_table plain")
    ratio("the same, text written plain (as by pandas)", plain)
    ratio("peak memory CSV to scores / answer matrix", peak / matrix, 3)
    ratio("peak memory Parquet to scores / matrix", peak_pq / matrix, 3)
    ratio("matrix floor / pyarrow.parquet.read", med("floor") / ref_pq)
    parts = ", ".join(
        f"{k} {med('floor parquet', k):.2f} s" for k in ("read", "validate", "unique ids", "engine")
    )
    ratio("Parquet floor / pyarrow.parquet.read", med("floor parquet") / ref_pq)
    print(f"    ({parts})")
    bad = med("errors in every row") / med("read+matrix csv")
    print(f"  {'errors in every row / clean read+matrix':44} {bad:5.2f}  (~1)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 100_000])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--python-rows", type=int, default=100_000, help="largest size for engine=python"
    )
    p.add_argument(
        "--dir", type=Path, default=None, help="where to write the files (default: a temp dir)"
    )
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    p.add_argument("--files", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child, json.loads(args.files))
        return
    if args.generate:
        generate(args.generate, args.dir)
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for n in args.rows:
        if args.dir:
            args.dir.mkdir(parents=True, exist_ok=True)
            measure(n, args.dir, args.repeat, args.python_rows)
        else:
            with tempfile.TemporaryDirectory() as d:
                measure(n, Path(d), args.repeat, args.python_rows)


if __name__ == "__main__":
    main()
