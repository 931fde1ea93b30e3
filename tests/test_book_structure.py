"""The book's frame: toc and notebooks agree, every cell was executed in order, nbval is strict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools.nbcheck import book_notebooks, execution_problems, toc_problems

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = book_notebooks(ROOT)


def test_book_has_notebooks():
    assert NOTEBOOKS, "book/ holds no notebook"


def test_toc_and_notebooks_agree():
    assert toc_problems(ROOT) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_code_cell_executed_in_order_without_errors(path):
    assert execution_problems(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_calls_setup_first(path):
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "setup(" in first_code.source, f"{path.name}: the first code cell must call course_lib.setup()"


#: the characters of code the website's code column shows at 1280 px (book/ruff.toml formats to it);
#: ruff's E501 lets a line made of one long token through, so the width is checked here too
CODE_COLUMNS = 79


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_code_line_is_wider_than_the_websites_column(path):
    nb = nbformat.read(path, as_version=4)
    long = [f"cell {i}: {line!r}" for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for line in c.source.splitlines() if len(line) > CODE_COLUMNS]
    assert long == [], f"{path.name}: lines over {CODE_COLUMNS} characters"


# --- the checks themselves fail when the book is broken -------------------------------------------


def _write(path: Path, cells, kernel="python3") -> Path:
    nb = new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": kernel, "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _executed(source: str, count: int, text: str):
    cell = new_code_cell(source, execution_count=count)
    cell.outputs = [new_output("stream", name="stdout", text=text)]
    return cell


def test_a_notebook_missing_from_the_toc_is_reported(tmp_path):
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    _write(tmp_path / "book" / "orphan.ipynb", [new_markdown_cell("# Orphan")])
    assert toc_problems(tmp_path) == ["book/orphan.ipynb is not in _toc.yml"]


def test_a_toc_entry_without_file_is_reported(tmp_path):
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n- file: book/ghost\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    assert toc_problems(tmp_path) == ["_toc.yml names book/ghost, which has no .ipynb or .md file"]


def test_an_unexecuted_cell_is_reported(tmp_path):
    path = _write(tmp_path / "nb.ipynb", [new_markdown_cell("# T"), _executed("print(1)", 1, "1\n"),
                                         new_code_cell("print(2)")])
    problems = execution_problems(path)
    assert any("no execution count" in p for p in problems), problems


def test_out_of_order_execution_is_reported(tmp_path):
    path = _write(tmp_path / "nb.ipynb", [new_markdown_cell("# T"), _executed("print(1)", 2, "1\n"),
                                         _executed("print(2)", 1, "2\n")])
    assert any("out of order" in p for p in execution_problems(path))


def test_an_error_output_is_reported(tmp_path):
    cell = new_code_cell("1/0", execution_count=1)
    cell.outputs = [new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])]
    path = _write(tmp_path / "nb.ipynb", [new_markdown_cell("# T"), cell])
    assert any("error output" in p for p in execution_problems(path))


def _nbval(path: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
           "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=path.parent, timeout=300)


@pytest.mark.slow
def test_strict_nbval_fails_on_a_stale_output_and_passes_on_a_fresh_one(tmp_path):
    """The exact nbval command of `make test` catches an output that no longer matches its code."""
    (tmp_path / "conftest.py").write_text("")
    fresh = _write(tmp_path / "fresh.ipynb", [new_markdown_cell("# T"), _executed("print(2 + 2)", 1, "4\n"),
                                              _executed("print(object())", 2, "<object object at 0x7f00aa>\n")])
    stale = _write(tmp_path / "stale.ipynb", [new_markdown_cell("# T"), _executed("print(2 + 3)", 1, "4\n")])
    ok, bad = _nbval(fresh), _nbval(stale)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert bad.returncode != 0 and "1 failed" in bad.stdout, bad.stdout
