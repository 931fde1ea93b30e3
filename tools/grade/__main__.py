"""Grade a class's notebooks: ``python -m tools.grade SUBMISSIONS`` (what ``make grade`` runs).

SUBMISSIONS holds one folder per student (the folder's name is the student), each with that student's
chapter notebooks under their student-edition file names. Writes ``grades.csv``, ``summary.csv`` and
``report.md`` into SUBMISSIONS (or ``--out``). See ``book/instructors.md``, "Grading a class".
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.grade.exercises import RulesError  # noqa: E402
from tools.grade.grader import GradeError, Settings, grade  # noqa: E402


def parse(argv: list[str] | None = None) -> Settings:
    p = argparse.ArgumentParser(prog="python -m tools.grade", description=__doc__.split("\n\n")[0])
    p.add_argument("submissions", type=Path, help="one folder per student, holding their chapter notebooks")
    p.add_argument("--timeout", type=float, default=600.0,
                   help="seconds each notebook may run, all its cells and checks together (default 600)")
    p.add_argument("--memory", type=int, default=4096, dest="memory_mb",
                   help="address-space limit of each notebook's kernel, in MiB (default 4096)")
    p.add_argument("--jobs", type=int, default=2, help="notebooks run at the same time (default 2)")
    p.add_argument("--checks", type=Path, default=None,
                   help="the instructor's own rules: a Python file with POINTS, CHECKS, ANSWERS, CHAPTERS, SKIP")
    p.add_argument("--chapters", type=int, nargs="+", default=None,
                   help="grade these chapters (default: every chapter some student handed in)")
    p.add_argument("--prefix", default="",
                   help='a command put before each notebook\'s worker, e.g. "docker run --rm -i … descent-grade"')
    p.add_argument("--python", default=None,
                   help="the Python that runs the worker (default: this one; with a container, its python)")
    p.add_argument("--out", type=Path, default=None, help="write the gradebook here (default: SUBMISSIONS)")
    p.add_argument("--no-progress", action="store_false", dest="progress", help="no progress bar")
    args = p.parse_args(argv)
    return Settings(args.submissions, args.timeout, args.memory_mb, args.jobs, args.checks, args.chapters,
                    shlex.split(args.prefix), args.python, args.out, args.progress)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    settings = parse(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # stopped: end every worker first (runner.run_all)
        signal.signal(sig, _interrupt)
    try:
        book = grade(settings)
    except (GradeError, RulesError) as err:
        print(f"make grade: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:
        print(f"make grade: stopped ({stop or 'SIGINT'}); no gradebook written", file=sys.stderr)
        return 130
    counts = {s: sum(r.status == s for r in book.rows) for s in ("pass", "fail", "not-done", "timeout", "error")}
    where = settings.out or settings.submissions
    print(f"graded {len(book.students)} student(s), {len(book.rows)} exercise row(s): "
          + ", ".join(f"{n} {s}" for s, n in counts.items()))
    if book.seconds:
        (student, name), slowest = max(book.seconds.items(), key=lambda kv: kv[1])
        print(f"slowest notebook: {student}/{name}, {slowest:.0f} s (TIMEOUT {settings.timeout:g} s)")
    print(f"wrote {', '.join(str(Path(where) / name) for name in book.files)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
