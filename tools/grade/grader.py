"""Grade a class: read every submission, run each notebook in its own worker, judge, write the gradebook.

Every file is read into memory before any student code runs (a submission cannot change another's
file), every row comes from the verdict on that student's own notebook, and nothing a notebook does
stops the run: a file that is no notebook, a crash, a loop, a memory hog or a killed worker each
becomes rows with a status and a message.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import sys
from pathlib import Path

from tqdm import tqdm

from tools.grade import output
from tools.grade.codec import CallError, Kernel, KernelStopped
from tools.grade.exercises import Graded, Rules, load_rules
from tools.grade.judge import Verdict, judge
from tools.grade.output import Row
from tools.grade.plan import MAX_FILE, Plan, SubmissionError, call_source, check_probe_source, plan, read_notebook
from tools.grade.runner import OVERHEAD, Job, Outcome, WorkerGone, run_all, worker_command

OUTPUT_FILES = ("grades.csv", "summary.csv", "report.md")


@dataclasses.dataclass
class Settings:
    submissions: Path
    timeout: float = 600.0
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
                with open(f, "rb") as fh:  # no more than a notebook can be: read_notebook refuses the rest
                    files[f.name] = fh.read(MAX_FILE + 1)
            else:
                notes.append(f"{entry.name}/{f.name}: not a chapter's file name, ignored")
        students[entry.name] = files
    return students, notes


# --- rows from a worker's outcome ------------------------------------------------------------------


def _where(the_plan: Plan, stopped: dict) -> str:
    i = stopped.get("i")
    if not isinstance(i, int) or not 0 <= i < len(the_plan.cells):
        return "before this exercise"
    probe = the_plan.cells[i]["probe"]
    if probe and stopped.get("run"):
        return f"while the check of `{probe}` ran your function (it did not return)"
    if probe:
        return f"while reading the answers of `{probe}`"
    return f"in cell {the_plan.cell_number[i]}"


def stopped_message(stopped: dict, the_plan: Plan, settings: Settings) -> str:
    where = _where(the_plan, stopped)
    reason = stopped.get("reason")
    if reason == "memory":
        detail = clean(stopped.get("detail", ""), 200)
        return f"the notebook hit the memory limit ({settings.memory_mb} MiB) {where} ({detail}) and stopped there"
    if reason == "died":
        return (f"the notebook's kernel died {where} (a crash, or the memory limit of {settings.memory_mb} MiB) "
                "and stopped there")
    return f"the notebook ran out of time (TIMEOUT = {settings.timeout:g} s) {where} and stopped there"


def _error_of(event) -> tuple[str, str] | None:
    if not isinstance(event, dict) or event.get("status") != "error":
        return None
    err = event.get("error")
    err = list(err) if isinstance(err, list) else []
    return str((err + [""])[0]), str((err + ["", ""])[1])


def _allowance(settings: Settings) -> str:
    return (f"the notebook's worker did not finish within TIMEOUT + its start-up allowance ({settings.timeout:g} s + "
            f"{OVERHEAD:g} s) and was stopped")


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def rows_for(student: str, graded: list[Graded], the_plan: Plan, outcome: Outcome, settings: Settings) -> list[Row]:
    """The rows of one notebook from what its worker sent (untrusted) and the verdicts given meanwhile."""
    rows = []
    stopped = outcome.end.get("stopped") if isinstance(outcome.end, dict) else None
    stopped = stopped if isinstance(stopped, dict) else None
    for g in graded:
        p = the_plan.probe_at[g.label]
        note = ("its statement cell is missing, so the answer was looked for at the end of the notebook"
                if g.label in the_plan.missing_statement else "")
        verdict = outcome.verdicts.get(p)
        if verdict is None:  # the probe never ran
            if outcome.problem == "timeout":
                status, msg = "timeout", _allowance(settings)
            elif stopped is not None:
                status, msg = "timeout", stopped_message(stopped, the_plan, settings)
            else:
                status, msg = "error", f"the notebook's worker ended before this exercise: {outcome.problem or '?'}"
            rows.append(Row(student, g.notebook, g.label, status, 0.0, _join(clean(msg), note)))
            continue
        status, lines = verdict.status, list(verdict.lines)
        if status == "timeout":  # the kernel stopped while a check ran the student's code
            if stopped is not None:
                lines = [stopped_message(stopped, the_plan, settings)]
            elif outcome.problem == "timeout":
                lines = [_allowance(settings)]
            else:
                status, lines = "error", [f"the notebook's worker ended while the check of `{g.label}` ran your "
                                          f"code: {outcome.problem or '?'}"]
        if status == "not-done":
            errors = [(i, e) for i in the_plan.region.get(g.label, []) if (e := _error_of(outcome.events.get(i)))]
            if errors:
                i, (ename, evalue) = errors[0]
                status = "error"
                lines.insert(0, f"cell {the_plan.cell_number[i]} raised {ename}: {evalue}")
        msg = _join(clean("; ".join(lines)), note)
        rows.append(Row(student, g.notebook, g.label, status, g.points if status == "pass" else 0.0, msg,
                        tuple(clean(line) for line in lines) if status == "fail" else ()))
    return rows


class WorkerKernel(Kernel):
    """The kernel of a notebook's worker, reached with ``run`` (one probe cell, one "ran" event back)."""

    def __init__(self, run):
        self._run = run

    def _ask(self, source: str) -> dict:
        try:
            event = self._run({"cmd": "run", "source": source})
        except WorkerGone as gone:
            raise KernelStopped({"reason": "stopped", "detail": str(gone)}) from None
        try:
            return json.loads(event["payload"])
        except (KeyError, TypeError, ValueError):
            err = _error_of(event) or ("", "no reply")
            raise CallError(clean(f"the probe failed in the kernel ({err[0]}: {err[1]})")) from None

    def call(self, name: str, request: dict) -> dict:
        return self._ask(call_source(name, request))

    def probe(self, ref: str, names: list[str]) -> dict:
        return self._ask(check_probe_source(ref, names))


def probe_judge(graded: Graded, event: dict, run) -> Verdict:
    """Judge one exercise from its probe event; ``run`` runs a cell in the worker's kernel."""
    if not event.get("payload"):
        err = _error_of(event) or ("", "no answer data")
        return Verdict("error", (clean(f"the grader's probe failed in the notebook's kernel ({err[0]}: {err[1]}): "
                                       "did the notebook change Python, IPython or the course's modules?"),))
    return judge(graded, event["payload"], WorkerKernel(run))


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
    by_label = {g.label: g for g in exercises}
    bar = tqdm(total=len(jobs), desc="grading", unit="notebook", file=sys.stderr, disable=not settings.progress)

    def on_probe(key: tuple, index: int, event: dict, run) -> Verdict:
        try:
            return probe_judge(by_label[plans[key].cells[index]["probe"]], event, run)
        except Exception as err:  # noqa: BLE001 - a fault of the grader itself costs this exercise, not the run
            return Verdict("error", (clean(f"the grader failed on this exercise: {type(err).__name__}: {err}"),))

    def done(outcome: Outcome) -> None:
        student, name = outcome.key
        graded = list(rules.exercises[rules.chapter_of(name)])
        try:
            rows[outcome.key] = rows_for(student, graded, plans[outcome.key], outcome, settings)
        except Exception as err:  # noqa: BLE001 - a fault of the grader costs this notebook's rows, not the run
            msg = clean(f"the grader failed on this notebook: {type(err).__name__}: {err}")
            rows[outcome.key] = [Row(student, name, g.label, "error", 0.0, msg) for g in graded]
        seconds[outcome.key] = outcome.seconds
        bar.update(1)

    try:  # the checks print their ✓/✗ lines: not on the instructor's terminal
        with contextlib.redirect_stdout(io.StringIO()):
            run_all(jobs, worker_command(settings.prefix, settings.python), settings.jobs, on_probe, done)
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
