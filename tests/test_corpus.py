"""The bad-input corpus: every realistic mistake gives its one-line error, exit 1, no traceback.

Each file in tests/corpus/ starts with ``# expect: CODE line N``: the code the mistake must be
reported with and the line it is on (counted by hand when the file was written).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from maturity.cli import main

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.yaml"))
LINE = re.compile(
    r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<path>[^:]+): (?P<msg>.+) "
    r"\[(?P<code>[A-Z]\d{3})\]$"
)


def expectation(path: Path) -> tuple[str, int]:
    m = re.match(r"# expect: ([A-Z]\d{3}) line (\d+)", path.read_text().splitlines()[0])
    assert m, f"{path.name} has no expectation header"
    return m.group(1), int(m.group(2))


def test_corpus_is_big_enough():
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_each_mistake_is_reported_on_its_line(path, capsys):
    code, line = expectation(path)
    rc = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "Traceback" not in out + err
    problems = [LINE.match(x) for x in out.splitlines() if x.strip()]
    assert problems and all(problems), out  # every printed line is one well-formed problem
    assert any(p["code"] == code and int(p["line"]) == line for p in problems), out


def test_real_process_prints_no_traceback():
    # a few files through the installed entry point, as a user runs it
    paths = [str(p) for p in CORPUS[:5]]
    proc = subprocess.run(
        [sys.executable, "-m", "maturity.cli", "validate", *paths],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "5 files checked, 5 invalid" in proc.stderr


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
