"""Grade a class: read every submission, run each notebook in its own worker, judge, write the gradebook.

Every file is read into memory before any student code runs (a submission cannot change another's
file), every row comes from the verdict on that student's own notebook, and nothing a notebook does
stops the run: a file that is no notebook, a crash, a loop, a memory hog or a killed worker each
becomes rows with a status and a message.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

from tqdm import tqdm

from tools.grade import output
from tools.grade.exercises import Graded, Rules, load_rules
from tools.grade.judge import judge
from tools.grade.output import Row
from tools.grade.plan import Plan, SubmissionError, plan, read_notebook
from tools.grade.runner import Job, Outcome, run_all, worker_command

OUTPUT_FILES = ("grades.csv", "summary.csv", "report.md")


@dataclasses.dataclass
class Settings:
    submissions: Path
    timeout: float = 300.0
    memory_mb: int = 4096
    jobs: int = 2
    checks: Path | None = None
    chapters: list[int] | None = None
    prefix: list[str] = dataclasses.field(default_factory=list)
    python: str | None = None
    out: Path | None = None
    progress: bool = True


@dataclasses.dataclass
class Gradebook:
    rows: list[Row]
    students: list[str]
    notebooks: list[str]
    exercises: list[Graded]
    notes: list[str]
    files: dict[str, str]
    seconds: dict[tuple, float]


class GradeError(ValueError):
    """The command cannot run (no such folder, a bad setting): one line for the instructor."""


# --- messages ---------------------------------------------------------------------------------------

_VOLATILE = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x…"),
    (re.compile(r"/tmp/ipykernel_\d+/"), ""),
    (re.compile(r"[^\s'\"]*descent-grade-[^\s/'\"]+"), "<work>"),
]


def clean(text: str, limit: int = 500) -> str:
    """A message with nothing that changes between runs (addresses, temporary paths), on one line."""
    text = " ".join(str(text).split())
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- submissions ------------------------------------------------------------------------------------


def read_submissions(folder: Path, notebooks: dict[int, str]) -> tuple[dict[str, dict[str, bytes]], list[str]]:
    """``{student: {file name: bytes}}`` for the chapter notebooks, and notes on anything else found."""
    students: dict[str, dict[str, bytes]] = {}
    notes: list[str] = []
    wanted = set(notebooks.values())
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir():
            if entry.name not in OUTPUT_FILES:
                notes.append(f"{entry.name}: a file beside the students' folders, ignored")
            continue
        files: dict[str, bytes] = {}
        for f in sorted(entry.iterdir(), key=lambda p: p.name):
            if f.name.startswith("."):
                continue
            if f.name in wanted and f.is_file():
                files[f.name] = f.read_bytes()
            else:
                notes.append(f"{entry.name}/{f.name}: not a chapter's file name, ignored")
        students[entry.name] = files
    return students, notes


# --- rows from a worker's result -------------------------------------------------------------------


def _stopped_message(stopped: dict, at_probe: str | None, cell: int | None, settings: Settings) -> tuple[str, str]:
    reason = stopped.get("reason")
    where = f"while grading `{at_probe}` (a function of yours did not return)" if at_probe else (
        f"in cell {cell}" if cell else "before this exercise")
    if reason == "memory":
        detail = clean(stopped.get("detail", ""), 200)
        return "timeout", f"the notebook hit the memory limit ({settings.memory_mb} MiB) {where}: {detail}; " \
                          "it stopped there"
    if reason == "died":
        return "timeout", f"the notebook's kernel died {where} (a crash, or the memory limit of " \
                          f"{settings.memory_mb} MiB); it stopped there"
    return "timeout", f"the notebook ran out of time (TIMEOUT = {settings.timeout:g} s) {where}; it stopped there"


def _valid(result) -> bool:
    if not isinstance(result, dict) or not isinstance(result.get("cells"), list):
        return False
    if not all(isinstance(c, dict) and c.get("status") in ("ok", "error") for c in result["cells"]):
        return False
    stopped = result.get("stopped")
    return stopped is None or (isinstance(stopped, dict) and isinstance(stopped.get("cell"), int))


def rows_for(student: str, graded: list[Graded], the_plan: Plan, outcome: Outcome, settings: Settings) -> list[Row]:
    """The rows of one notebook from its worker's (untrusted) result."""
    rows = []
    result = outcome.result
    if outcome.problem == "timeout":
        msg = (f"the notebook's worker did not finish within TIMEOUT + its start-up allowance "
               f"({settings.timeout:g} s + 150 s) and was stopped")
        return [Row(student, g.notebook, g.label, "timeout", 0.0, msg) for g in graded]
    if outcome.problem or not _valid(result):
        msg = clean(outcome.problem or "the notebook's worker sent a result the grader cannot read")
        return [Row(student, g.notebook, g.label, "error", 0.0, msg) for g in graded]
    cells = result["cells"]
    stopped = result.get("stopped")
    for g in graded:
        p = the_plan.probe_at[g.label]
        note = (" (its statement cell is missing, so the answer was looked for at the end of the notebook)"
                if g.label in the_plan.missing_statement else "")
        if p >= len(cells):
            if stopped is None:
                status, msg = "error", "the notebook's worker stopped early without saying why"
            else:
                at = stopped["cell"]
                probe = the_plan.cells[at]["probe"] if 0 <= at < len(the_plan.cells) else None
                number = the_plan.cell_number[at] if 0 <= at < len(the_plan.cell_number) else None
                status, msg = _stopped_message(stopped, probe, number, settings)
            rows.append(Row(student, g.notebook, g.label, status, 0.0, msg + note))
            continue
        probe_cell = cells[p]
        if not probe_cell.get("payload"):
            err = probe_cell.get("error") or ["", ""]
            msg = clean(f"the grader's probe failed in the notebook's kernel ({err[0]}: {err[1]}): did the notebook "
                        "change Python, IPython or the course's modules?")
            rows.append(Row(student, g.notebook, g.label, "error", 0.0, msg + note))
            continue
        verdict = judge(g, probe_cell["payload"])
        status, lines = verdict.status, list(verdict.lines)
        if status == "not-done":
            errors = [(i, cells[i].get("error")) for i in the_plan.region.get(g.label, [])
                      if i < len(cells) and cells[i].get("status") == "error"]
            if errors:
                i, (ename, evalue) = errors[0][0], (list(errors[0][1] or []) + ["", ""])[:2]
                status = "error"
                lines.insert(0, f"cell {the_plan.cell_number[i]} raised {ename}: {evalue}")
        msg = clean("; ".join(lines)) + note
        rows.append(Row(student, g.notebook, g.label, status, g.points if status == "pass" else 0.0, msg,
                        tuple(clean(line) for line in lines) if status == "fail" else ()))
    return rows


# --- the whole class ---------------------------------------------------------------------------------


def chapters_to_grade(rules: Rules, submissions: dict[str, dict[str, bytes]]) -> list[int]:
    """The chapters chosen, or else every chapter some student handed in."""
    if rules.chosen:
        return sorted(rules.exercises)
    present = {name for files in submissions.values() for name in files}
    return [c for c in sorted(rules.exercises) if rules.notebooks[c] in present]


def grade(settings: Settings) -> Gradebook:
    folder = Path(settings.submissions)
    if not folder.is_dir():
        raise GradeError(f"SUBMISSIONS: no such folder {folder}")
    if not settings.timeout > 0 or not settings.memory_mb >= 256 or not settings.jobs >= 1:
        raise GradeError("TIMEOUT must be > 0 seconds, MEMORY at least 256 MiB and JOBS at least 1")
    rules = load_rules(settings.checks, settings.chapters)
    submissions, notes = read_submissions(folder, rules.notebooks)
    chapters = chapters_to_grade(rules, submissions)
    notebooks = [rules.notebooks[c] for c in chapters]
    exercises = [g for c in chapters for g in rules.exercises[c]]
    students = sorted(submissions)
    rows: dict[tuple, list[Row]] = {}
    plans: dict[tuple, Plan] = {}
    jobs: list[Job] = []
    for student in students:
        for chapter in chapters:
            name = rules.notebooks[chapter]
            graded = list(rules.exercises[chapter])
            key = (student, name)
            if name not in submissions[student]:
                rows[key] = [Row(student, name, g.label, "not-done", 0.0, f"no {name} in the submission")
                             for g in graded]
                continue
            try:
                nb = read_notebook(submissions[student][name], name)
                plans[key] = plan(nb, chapter, rules)
            except SubmissionError as err:
                rows[key] = [Row(student, name, g.label, "error", 0.0, clean(str(err))) for g in graded]
                continue
            jobs.append(Job(key, plans[key].cells, settings.timeout, settings.memory_mb))
    seconds: dict[tuple, float] = {}
    bar = tqdm(total=len(jobs), desc="grading", unit="notebook", file=sys.stderr, disable=not settings.progress)

    def done(outcome: Outcome) -> None:
        student, name = outcome.key
        graded = list(rules.exercises[rules.chapter_of(name)])
        rows[outcome.key] = rows_for(student, graded, plans[outcome.key], outcome, settings)
        seconds[outcome.key] = outcome.seconds
        bar.update(1)

    try:
        run_all(jobs, worker_command(settings.prefix, settings.python), settings.jobs, done)
    finally:
        bar.close()
    ordered = [r for s in students for n in notebooks for r in rows.get((s, n), [])]
    shown = [("chapters", ", ".join(notebooks) or "none"), ("TIMEOUT", f"{settings.timeout:g} s per notebook"),
             ("memory limit", f"{settings.memory_mb} MiB per kernel"),
             ("instructor checks", Path(rules.instructor_path).name if rules.instructor_path else "none")]
    files = {
        "grades.csv": output.grades_csv(ordered),
        "summary.csv": output.summary_csv(students, notebooks, ordered),
        "report.md": output.report_md(exercises, students, ordered, notes, shown),
    }
    output.write(settings.out or folder, files)
    return Gradebook(ordered, students, notebooks, exercises, notes, files, seconds)
