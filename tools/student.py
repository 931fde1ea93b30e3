"""Write the student edition of every chapter to ``_build/student/`` (or build a website without solutions).

    python tools/student.py [--out DIR] [notebooks ...]   # the student edition's notebooks
    python tools/student.py --site                           # a website without solutions: _build/student-site/html

In the student edition (the exercise format is described in CONTRIBUTING.md, "Exercises"):

- every run of cells tagged ``solution`` is removed; in its place comes a code cell tagged
  ``answer`` with one placeholder per name the exercise's registry entry lists in ``answers``
  (``y_star = exercise_stub("y_star")``: a check run on it says "exercise not done yet" in one
  line), or an empty code cell for an exercise without a check, and, when the exercise asks a question
  in words (``written``), a Markdown cell tagged ``answer`` for that answer;
- exercise statements (plain Markdown), their inputs cells and the check cells are kept;
- all outputs and widget state are cleared: students run the notebook themselves.
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_lib.checks.registry import exercise  # noqa: E402
from tools.sphinx_ext.exercises import exercise_label, split_statement  # noqa: E402
from tools.toc import toc_notebooks  # noqa: E402

WRITTEN_ANSWER = "**Your answer.** *(Double-click this cell to write your answer here.)*"
#: the texts of the cells the student edition adds; tools/i18n passes the Chinese ones
TEXTS = {"written_answer": WRITTEN_ANSWER,
         "answer_code": ["# Exercise: {title}.", "# Write {names} here (replace the placeholders),",
                         "# then run this cell and the check below it."],
         "answer_code_free": "# Exercise: {title}. Your code here."}


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def placeholder_cells(label: str, title: str, had_code: bool, texts: dict | None = None) -> list:
    """The cells that stand where exercise ``label``'s solution was (``texts``: :data:`TEXTS` or a translation)."""
    texts = texts or TEXTS
    ex = exercise(label)
    cells = []
    if ex.answers:
        names = ", ".join(f"`{n}`" for n in ex.answers)
        lines = [line.format(title=title, names=names) for line in texts["answer_code"]]
        lines += ["from course_lib.checks import exercise_stub", ""]
        lines += [f"{n} = exercise_stub({n!r})" for n in ex.answers]
        cells.append(nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": ["answer"]}))
    elif had_code:
        cells.append(nbformat.v4.new_code_cell(texts["answer_code_free"].format(title=title),
                                               metadata={"tags": ["answer"]}))
    if ex.written or not cells:
        cells.append(nbformat.v4.new_markdown_cell(texts["written_answer"], metadata={"tags": ["answer"]}))
    return cells


def student_notebook(nb: nbformat.NotebookNode, texts: dict | None = None) -> nbformat.NotebookNode:
    """The student edition of one notebook (a new object; ``nb`` is not changed; ``texts``: see :data:`TEXTS`)."""
    nb = copy.deepcopy(nb)
    cells = []
    label = title = None
    run: list | None = None  # the solution cells being removed

    def close():
        nonlocal run
        if run is not None:
            cells.extend(placeholder_cells(label, title, any(c.cell_type == "code" for c in run), texts))
            run = None

    for cell in nb.cells:
        tags = _tags(cell)
        if "solution" in tags:
            if label is None:
                raise ValueError(f"a solution cell before any exercise: {cell.source[:60]!r}")
            run = (run or []) + [cell]
            continue
        close()
        if "exercise" in tags and cell.cell_type == "markdown":
            label = exercise_label(cell)
            title, _ = split_statement(cell.source)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    close()
    for i, cell in enumerate(cells):
        cell.id = f"s{i:03d}"
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def build_site(out: Path) -> int:
    """Build the website without solutions (``descent_solutions: remove``) into ``out``/html."""
    from tools.build_book import build_config, postprocess

    config_path = build_config()
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config.setdefault("sphinx", {}).setdefault("config", {})["descent_solutions"] = "remove"
    config["title"] = f"{config.get('title', '')} (student edition)"
    for name, path in config["sphinx"].get("local_extensions", {}).items():
        config["sphinx"]["local_extensions"][name] = str((ROOT / path).resolve())
    out.mkdir(parents=True, exist_ok=True)
    student_config = out / "_config.yml"
    student_config.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--config", str(student_config), "--path-output", str(out),
           "-W", "-n", "--keep-going"]
    print("+", " ".join(cmd), flush=True)
    code = subprocess.call(cmd, cwd=ROOT)
    if code == 0:
        postprocess(out / "_build" / "html", local=config_path != ROOT / "_config.yml")
        print(f"the website without solutions is in {out / '_build' / 'html'}")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="default: _build/student (_build/student-site)")
    parser.add_argument("--site", action="store_true", help="build the website without solutions instead")
    args = parser.parse_args(argv)
    if args.site:
        return build_site(args.out or ROOT / "_build" / "student-site")
    out = args.out or ROOT / "_build" / "student"
    paths = args.notebooks or toc_notebooks(ROOT)
    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        target = out / Path(path).name
        nbformat.write(student_notebook(nb), target)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
