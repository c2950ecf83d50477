"""The Python examples of the README and of docs/ run as written (docs kept true)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from maturity.demo import sample_path

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _with_examples() -> list[Path]:
    return [p for p in DOCS if _BLOCK.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("doc", _with_examples(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_examples_run(
    doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every ```python block of a page, in order, in one namespace, in a directory holding the
    ``answers.csv`` the examples read (unless the page writes it, as the tutorial does); ``ax``
    is a polar Axes for the chart examples."""
    from matplotlib.figure import Figure

    pytest.importorskip("weasyprint", reason="the PDF examples need the pdf extra (weasyprint)")
    blocks = _BLOCK.findall(doc.read_text(encoding="utf-8"))
    if not any('write_responses(answers, "answers.csv")' in b for b in blocks):
        shutil.copy(sample_path("i40-readiness"), tmp_path / "answers.csv")  # else it writes it
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"ax": Figure().add_subplot(projection="polar")}
    for k, block in enumerate(blocks):
        exec(compile(block, f"{doc.name}, example {k + 1}", "exec"), namespace)
    capsys.readouterr()
