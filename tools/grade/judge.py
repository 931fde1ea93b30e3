"""The verdict: an exercise's checks, run in the grader's own process.

The checks are the course's own (``course_lib.checks``) and the instructor's: the same functions a
student runs in the notebook. Here they get the student's values decoded from the probe's plain data,
and, for a student's function, a :class:`tools.grade.codec.Caller` that runs each call the check makes
in the student's kernel and hands back only the result. A check in two halves
(``exercise_check(label, probe=...)``, for an object to look inside, such as a model) has its probe
run in the kernel and its judge here. The inputs are the check's, the comparison is the check's, in
this process: nothing the notebook did in its kernel (patching a check, NumPy, torch, course_lib or
the probe) reaches them.
"""

from __future__ import annotations

import dataclasses
import json

from tools.grade.codec import Caller, CallError, DataError, Kernel, KernelStopped, StudentError, decode
from tools.grade.exercises import Graded
from tools.grade.probe import named

#: the largest probe payload judged
MAX_PAYLOAD = 32 * 2**20


@dataclasses.dataclass(frozen=True)
class Verdict:
    status: str  # pass, fail, not-done, timeout, error
    lines: tuple[str, ...] = ()
    stopped: dict | None = None  # for "timeout": how the kernel stopped

    @property
    def message(self) -> str:
        return "; ".join(self.lines)


def _result_status(result) -> tuple[str, tuple[str, ...]]:
    """A check's return value (a CheckResult, a bool, None) as (status, lines)."""
    status = getattr(result, "status", None)
    lines = tuple(str(line) for line in getattr(result, "lines", ()) or ())
    if status in ("right", "wrong", "not done"):
        return {"right": "pass", "wrong": "fail", "not done": "not-done"}[status], lines
    return ("pass" if result else "fail"), lines


def read_answers(graded: Graded, payload_text) -> dict:
    """``{name: state}`` from the probe's payload; :class:`DataError` if it is not the probe's."""
    if not isinstance(payload_text, str) or len(payload_text) > MAX_PAYLOAD:
        raise DataError("no readable answer data")
    try:
        payload = json.loads(payload_text)
        answers = payload["answers"]
        if payload.get("label") != graded.label or not isinstance(answers, dict):
            raise DataError("answer data for another exercise")
        states = {name: answers[name] for name in graded.answers}
        if not all(isinstance(s, dict) and s.get("state") in ("missing", "placeholder", "value", "callable")
                   for s in states.values()):
            raise DataError("answer data of an unknown kind")
        return states
    except (ValueError, KeyError, TypeError) as err:
        raise DataError(f"unreadable answer data ({type(err).__name__})") from None


def _ref(fn) -> str | None:
    """``module:name`` of a module-level course_lib function (how the kernel finds a check's probe)."""
    module, name = getattr(fn, "__module__", ""), getattr(fn, "__qualname__", "")
    if not module.startswith("course_lib.") or "." in name or "<" in name:
        return None
    return f"{module}:{name}"


def _probed(check, graded: Graded, kernel: Kernel):
    """What a two-halved check's probe returned in the kernel (or the error it raised, as an exception)."""
    ref = _ref(check.probe)
    if ref is None:
        raise CallError("the check's probe is not a module-level function of course_lib")
    record = kernel.probe(ref, list(graded.answers))
    if not isinstance(record, dict):
        raise CallError("the kernel's reply to the check's probe is not readable")
    try:
        if "raised" in record:
            kind, message = (list(record["raised"]) + ["", ""])[:2]
            return named(StudentError, kind)(str(message))
        return decode(record["out"])
    except (DataError, KeyError, TypeError, ValueError) as err:
        raise CallError(f"the kernel's reply to the check's probe is not readable ({err})") from None


def judge(graded: Graded, payload_text, kernel: Kernel) -> Verdict:
    """The verdict on one exercise, from the text its probe published; ``kernel`` runs the student's code."""
    try:
        states = read_answers(graded, payload_text)
    except DataError as err:
        return Verdict("error", (f"the kernel sent answer data the grader cannot read: {err}",))
    kinds = {name: state["state"] for name, state in states.items()}
    missing = [n for n, k in kinds.items() if k == "missing"]
    placeholders = [n for n, k in kinds.items() if k == "placeholder"]
    if missing or placeholders:
        lines = [f"`{n}` is not defined: the exercise asks for a variable or function of exactly that name"
                 for n in missing]
        lines += [f"`{n}` is still the student edition's placeholder: exercise not done" for n in placeholders]
        return Verdict("not-done", tuple(lines))
    try:
        args = [decode(states[n].get("v")) if kinds[n] == "value" else Caller(n, kernel) for n in graded.answers]
    except DataError as err:
        return Verdict("error", (f"the kernel sent an answer the grader cannot read ({err})",))
    for check in graded.checks:
        try:
            if getattr(check, "probe", None) is not None and getattr(check, "judge", None) is not None:
                result = check.judge(_probed(check, graded, kernel))
            else:
                result = check(*args)
        except KernelStopped as stop:
            return Verdict("timeout", (), stop.stopped)
        except CallError as err:
            return Verdict("error", (f"the grader could not run the check: {err}",))
        except Exception as err:  # noqa: BLE001 - an instructor's check may fail: report it, grade on
            where = "the check" if hasattr(check, "exercise") else "an instructor's check"
            return Verdict("error", (f"{where} failed in the grader: {type(err).__name__}: {str(err)[:300]}",))
        status, lines = _result_status(result)
        if status != "pass":
            return Verdict(status, lines or ("not right yet",))
    return Verdict("pass")
