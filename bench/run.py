"""Measure how fast the book builds and runs, how fast its widgets and optimizers are, in one run.

    python bench/run.py                  # everything (10 to 20 minutes on 2 cores), a table on stdout
    python bench/run.py --json           # one JSON object on stdout (the table goes to stderr)
    python bench/run.py --quick          # tiny sizes: the smoke test's run (tests/test_bench.py)
    python bench/run.py --skip-notebooks # no kernels, no book build: widgets, optim, runner
    python bench/run.py --only optim --only runner

Sections (``--only`` names; repeat it or separate with commas), each in its own module of ``bench/``
(``book_runs``, ``widget_speed``, ``optim_speed``, ``runner_speed``, ``grade_speed``; ``core`` holds the goals
and helpers, ``report`` the table):

- ``notebooks``: ``make notebooks``, i.e. ``tools/run_notebooks.py``'s ``execute``, on copies of the
  notebooks in a temporary folder, in ``_toc.yml`` order (the repository is not touched); the peak
  RSS of each notebook's kernel process tree, sampled every 50 ms with psutil (goal: < 1 GiB each).
- ``nbval``: the Makefile's ``nbval`` command (strict nbval) on those copies.
- ``pages``: every page of the website of the last ``make book`` (``_build/html``): bytes on disk (the
  build's 10 MiB budget), gzip-compressed and its own share (``bench/page_sizes.py``).
- ``book``: ``jupyter-book build -W -n --keep-going`` (the flags of ``tools/build_book.py``) on a
  copy of the book in the temporary folder, without the npm step of ``tools/build_book.py``.
- ``widgets``: every public ``course_lib.widgets.<module>`` function whose name ends with ``_widget``
  or which is annotated to return a ``FrameWidget``, called with no arguments: build time, the
  median time of ``FrameWidget.set(...)`` over 50 value changes against the median of 3 redraws
  from scratch (``FrameWidget.render``); goal: updates >= 3x faster than a redraw and < 100 ms.
- ``optim``: each ``course_lib.optim`` optimizer's ``step()`` against its ``torch.optim`` twin (torch's
  single-tensor path, its CPU default) on an MLP of about a million float32 parameters, one thread,
  fixed gradients, 100 interleaved repetitions; both end with identical parameters; goal: ours/torch <= 1.0
  within the noise (torch's step timed against itself the same way, and at least 2%).
- ``runner``: ``course_lib.optim.run_trajectories`` (1,000 trajectories x 500 steps on Rosenbrock's
  valley) against a Python loop over the trajectories calling the same update rule; goal >= 50x.
- ``grading``: ``make grade`` (``tools.grade``) on a synthetic class of 30 students on one chapter
  (``--grade-chapter``, default 4): a third the official solutions, a third the student edition, a
  third partly wrong; two notebooks at a time; the throughput in notebooks per minute.

``--quick`` uses tiny sizes: a tiny notebook written by the benchmark itself (or the ones given with
``--notebooks``), a tiny book, a synthetic widget with 2 value changes (the chapter widgets are
only discovered, unless ``--widgets`` names some), a 10k-parameter model, 20 trajectories x 20 steps, a
class of two tiny notebooks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, this folder is sys.path[0]: replace it by the repository, so that the sections import as
# bench.<module> and no module here can shadow a library's.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

# The Makefile's environment, before torch and matplotlib are imported. This process draws the widgets'
# frames headless (Agg); the kernels it starts keep their own inline backend (see book_runs.subprocess_env).
from tools.run_notebooks import reproducible_env  # noqa: E402

for _key, _value in reproducible_env().items():
    os.environ.setdefault(_key, _value)
import matplotlib  # noqa: E402

matplotlib.use("Agg")

from bench.book_runs import Workspace, section_book, section_nbval, section_notebooks  # noqa: E402
from bench.core import NOTEBOOK_SECTIONS, SECTIONS, log, machine, short  # noqa: E402
from bench.grade_speed import section_grading  # noqa: E402
from bench.optim_speed import section_optim  # noqa: E402
from bench.page_sizes import section_pages  # noqa: E402
from bench.report import goals, render_safe  # noqa: E402
from bench.runner_speed import section_runner  # noqa: E402
from bench.widget_speed import section_widgets  # noqa: E402


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout (the table to stderr)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    parser.add_argument("--skip-notebooks", action="store_true", help="skip notebooks, nbval and book")
    parser.add_argument("--only", action="append", default=[], metavar="SECTION",
                        help=f"run only these sections (repeat or comma-separate): {', '.join(SECTIONS)}")
    parser.add_argument("--notebooks", nargs="+", type=Path, metavar="NB",
                        help="run these notebooks (as a small book) instead of the book's")
    parser.add_argument("--widgets", action="append", default=[], metavar="TEXT",
                        help="build only the widgets whose 'module.function' contains TEXT")
    parser.add_argument("--widget-updates", type=int, default=50)
    parser.add_argument("--widget-renders", type=int, default=3)
    parser.add_argument("--optim-steps", type=int, default=100)
    parser.add_argument("--optim-warmup", type=int, default=10)
    parser.add_argument("--trajectories", type=int, default=1000)
    parser.add_argument("--runner-steps", type=int, default=500)
    parser.add_argument("--loop-trajectories", type=int, default=None,
                        help="time the Python loop on at most this many trajectories, scaled linearly (default: all)")
    parser.add_argument("--loop-budget", type=float, default=60.0,
                        help="seconds per rule after which the loop stops and is scaled linearly (default 60)")
    parser.add_argument("--subprocess-timeout", type=float, default=1800.0, help="seconds, for nbval and the book")
    parser.add_argument("--grade-chapter", type=int, default=4, help="the chapter of the graded class (default 4)")
    parser.add_argument("--grade-students", type=int, default=30, help="students in the graded class (default 30)")
    parser.add_argument("--grade-jobs", type=int, default=2, help="notebooks graded at a time (default 2)")
    opts = parser.parse_args(argv)
    only = [s.strip() for item in opts.only for s in item.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {', '.join(SECTIONS)}")
    chosen = [s for s in SECTIONS if not only or s in only]
    if opts.skip_notebooks:
        chosen = [s for s in chosen if s not in NOTEBOOK_SECTIONS]
    opts.sections = chosen
    for p in opts.notebooks or []:
        if not p.is_file():
            parser.error(f"no such notebook: {p}")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    start = time.perf_counter()
    report: dict[str, Any] = {"mode": "quick" if opts.quick else "full",
                              "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                              "machine": machine(), "section_order": opts.sections, "sections": {}}
    ws = None
    if any(s in NOTEBOOK_SECTIONS for s in opts.sections):
        ws = Workspace([p.resolve() for p in opts.notebooks] if opts.notebooks else None, opts.quick)
    opts.ran_notebooks = "notebooks" in opts.sections
    runners = {"notebooks": section_notebooks, "nbval": section_nbval, "book": section_book,
               "pages": lambda ws, opts: section_pages(), "widgets": section_widgets,
               "optim": section_optim, "runner": section_runner, "grading": section_grading}
    try:
        for name in opts.sections:
            t0 = time.perf_counter()
            try:
                result = runners[name](ws, opts)
            except Exception as exc:  # one broken section must not hide the others
                result = {"error": short(exc, 1000)}
                log(f"[{name}] ERROR: {short(exc, 1000)}")
            result["section_seconds"] = time.perf_counter() - t0
            report["sections"][name] = result
    finally:
        if ws is not None:
            ws.close()
    report["goals"] = goals(report["sections"], opts.quick)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["total_seconds"] = time.perf_counter() - start
    text = render_safe(report)
    if opts.json:
        print(text, file=sys.stderr)
        print(json.dumps(report, allow_nan=False, default=str))
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
