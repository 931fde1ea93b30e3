"""The gradebook: ``grades.csv``, ``summary.csv`` and ``report.md``, the same bytes for the same inputs."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from pathlib import Path

from tools.grade.exercises import Graded

STATUSES = ("pass", "fail", "not-done", "timeout", "error")
GRADES_COLUMNS = ("student", "notebook", "exercise", "status", "points", "message")


@dataclasses.dataclass(frozen=True)
class Row:
    student: str
    notebook: str
    exercise: str
    status: str
    points: float
    message: str
    hints: tuple[str, ...] = ()  # the check's lines, for the report


def fmt_points(x: float) -> str:
    return f"{x:g}"


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def grades_csv(rows: list[Row]) -> str:
    return _csv([list(GRADES_COLUMNS)] + [[r.student, r.notebook, r.exercise, r.status, fmt_points(r.points),
                                          r.message] for r in rows])


def summary_csv(students: list[str], notebooks: list[str], rows: list[Row]) -> str:
    """One row per student: points per chapter notebook, and the total."""
    points = {(r.student, r.notebook): 0.0 for r in rows}
    for r in rows:
        points[(r.student, r.notebook)] += r.points
    header = ["student", *[Path(n).stem for n in notebooks], "total"]
    body = []
    for s in students:
        per = [points.get((s, n), 0.0) for n in notebooks]
        body.append([s, *map(fmt_points, per), fmt_points(sum(per))])
    return _csv([header, *body])


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def report_md(exercises: list[Graded], students: list[str], rows: list[Row], notes: list[str],
              settings: list[tuple[str, str]], top: int = 3) -> str:
    """The class report: per exercise, how many passed and the most common hints; then the problems."""
    out = ["# Grading report", ""]
    out += [f"- {k}: {v}" for k, v in settings]
    totals = {s: 0.0 for s in students}
    for r in rows:
        totals[r.student] = totals.get(r.student, 0.0) + r.points
    best = sum(g.points for g in exercises)
    mean = sum(totals.values()) / len(totals) if totals else 0.0
    out += [f"- students: {len(students)}; points: {fmt_points(round(mean, 2))} on average out of "
            f"{fmt_points(best)}", ""]
    out += ["## Exercises", "",
            "| exercise | notebook | points | " + " | ".join(STATUSES) + " |",
            "|---|---|---:|" + "---:|" * len(STATUSES)]
    by_label: dict[str, list[Row]] = {}
    for r in rows:
        by_label.setdefault(r.exercise, []).append(r)
    for g in exercises:
        counts = Counter(r.status for r in by_label.get(g.label, []))
        out.append(f"| `{g.label}` | {g.notebook} | {fmt_points(g.points)} | "
                   + " | ".join(str(counts.get(s, 0)) for s in STATUSES) + " |")
    out += ["", "## What the class got wrong", "",
            f"The {top} hints the checks gave most often for each exercise (how many students got each).", ""]
    any_hint = False
    for g in exercises:
        hints = Counter(h for r in by_label.get(g.label, []) if r.status == "fail" for h in dict.fromkeys(r.hints))
        if not hints:
            continue
        any_hint = True
        out += [f"### `{g.label}`", ""]
        for hint, n in sorted(hints.items(), key=lambda kv: (-kv[1], kv[0]))[:top]:
            out.append(f"- {n} × {_md(hint)}")
        out.append("")
    if not any_hint:
        out += ["No exercise got a wrong answer.", ""]
    problems: dict[tuple, list[str]] = {}
    for r in rows:
        if r.status in ("error", "timeout"):
            problems.setdefault((r.student, r.notebook, r.status, r.message), []).append(r.exercise)
    out += ["## Notebooks that did not run through", ""]
    for (student, notebook, status, message), labels in problems.items():
        out.append(f"- {_md(student)}, {notebook}, {status} ({', '.join(f'`{x}`' for x in labels)}): {_md(message)}")
    if not problems:
        out.append("None: every notebook ran to its end.")
    out.append("")
    out += ["## Other notes", ""] + ([f"- {_md(n)}" for n in notes] or ["None."]) + [""]
    return "\n".join(out)


def write(folder: Path, files: dict[str, str]) -> list[Path]:
    out = []
    for name, text in files.items():
        path = Path(folder) / name
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        out.append(path)
    return out
