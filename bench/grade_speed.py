"""Grading throughput: ``make grade`` on a synthetic class of 30 on one chapter (notebooks per minute).

The class is built by ``tools.grade.synthetic`` from the chapter's real notebook: a third hand in the
official solutions, a third the student edition untouched, a third a partly wrong notebook; the
grader runs ``--jobs`` notebooks at a time (2: one per core) with its default limits. ``--quick``
grades two students whose notebook is a tiny chapter-4 file with one exercise (the smoke test's run).
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import nbformat

from bench.core import log, median

QUICK_CELLS = [
    ("markdown", "# A tiny chapter"),
    ("markdown", "### Exercise: How far behind?", {"exercise": {"label": "ema-lag"}, "tags": ["exercise"]}),
    ("code", "lag = 9.0"),
]


def _quick_class(folder: Path) -> tuple[int, str]:
    from tools.grade.exercises import chapter_notebooks

    name = chapter_notebooks()[4]
    cells = [nbformat.v4.new_markdown_cell(c[1], metadata=c[2] if len(c) > 2 else {}) if c[0] == "markdown"
             else nbformat.v4.new_code_cell(c[1]) for c in QUICK_CELLS]
    for student in ("a", "b"):
        (folder / student).mkdir()
        nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / student / name)
    return 4, name


def section_grading(ws, opts) -> dict[str, Any]:
    from tools.grade import synthetic
    from tools.grade.exercises import chapter_notebooks
    from tools.grade.grader import Settings, grade

    with tempfile.TemporaryDirectory(prefix="descent-bench-grade-") as tmp:
        folder = Path(tmp) / "class"
        folder.mkdir()
        if opts.quick:
            chapter, name = _quick_class(folder)
        else:
            chapter, name = opts.grade_chapter, chapter_notebooks()[opts.grade_chapter]
            synthetic.build(folder, chapter, kinds=("right", "empty", "partly"), copies=opts.grade_students // 3)
        students = sorted(p.name for p in folder.iterdir() if p.is_dir())
        log(f"[grading] {len(students)} students, {name}, {opts.grade_jobs} at a time")
        start = time.perf_counter()
        book = grade(Settings(folder, jobs=opts.grade_jobs, progress=False))
        seconds = time.perf_counter() - start
    notebooks = len(book.seconds)
    return {
        "chapter": name,
        "students": len(students),
        "notebooks": notebooks,
        "jobs": opts.grade_jobs,
        "seconds": seconds,
        "notebooks_per_minute": notebooks / seconds * 60 if seconds > 0 else None,
        "median_notebook_seconds": median(list(book.seconds.values())) if book.seconds else None,
        "statuses": dict(sorted(Counter(r.status for r in book.rows).items())),
        "class": "synthetic: 1/3 official solutions, 1/3 student edition, 1/3 partly wrong" if not opts.quick
        else "two tiny notebooks with one exercise",
    }
