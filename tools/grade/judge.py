"""The verdict: an exercise's checks, run in the grader's own process on the probe's plain data.

The checks are the course's own (``course_lib.checks``) and the instructor's: the same functions a
student runs in the notebook, called here with decoded values, or with :class:`tools.grade.codec.Replayer`
stand-ins for the student's functions. No student code runs here, so nothing a submission did in its
kernel (patching a check, NumPy, torch or the probe) reaches this code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json

from tools.grade.codec import DataError, Replayer, ReplayError, decode
from tools.grade.exercises import Graded

#: the largest probe payload judged
MAX_PAYLOAD = 32 * 2**20


@dataclasses.dataclass(frozen=True)
class Verdict:
    status: str  # pass, fail, not-done, error
    lines: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return "; ".join(self.lines)


def _code(name: str) -> str:
    return f"`{name}`"


def _result_status(result) -> tuple[str, tuple[str, ...]]:
    """A check's return value (a CheckResult, a bool, None) as (status, lines)."""
    status = getattr(result, "status", None)
    lines = tuple(str(line) for line in getattr(result, "lines", ()) or ())
    if status in ("right", "wrong", "not done"):
        return {"right": "pass", "wrong": "fail", "not done": "not-done"}[status], lines
    return ("pass" if result else "fail"), lines


def judge(graded: Graded, payload_text: str) -> Verdict:
    """The verdict on one exercise from the text its probe published."""
    if not isinstance(payload_text, str) or len(payload_text) > MAX_PAYLOAD:
        return Verdict("error", ("the grader got no readable answer data from the notebook's kernel",))
    try:
        payload = json.loads(payload_text)
        answers = payload["answers"]
        if payload.get("label") != graded.label or not isinstance(answers, dict):
            raise DataError("data for another exercise")
        states = {name: answers[name] for name in graded.answers}
        kinds = {name: state["state"] for name, state in states.items()}
    except (ValueError, KeyError, TypeError) as err:
        return Verdict("error", (f"the kernel sent answer data the grader cannot read ({type(err).__name__})",))
    missing = [n for n, k in kinds.items() if k == "missing"]
    placeholders = [n for n, k in kinds.items() if k == "placeholder"]
    if missing or placeholders:
        lines = [f"{_code(n)} is not defined: the exercise asks for a variable or function of exactly that name"
                 for n in missing]
        lines += [f"{_code(n)} is still the student edition's placeholder: exercise not done" for n in placeholders]
        return Verdict("not-done", tuple(lines))
    if any(k not in ("value", "callable") for k in kinds.values()):
        return Verdict("error", ("the kernel sent answer data the grader cannot read (unknown kind)",))
    callables = [n for n, k in kinds.items() if k == "callable"]
    transcripts = payload.get("transcripts") or []
    if callables and (not isinstance(transcripts, list) or len(transcripts) != len(graded.checks)):
        return Verdict("error", ("the kernel sent no record of the calls to your functions: the notebook's "
                                 "kernel did not run the grader's probe as written",))
    try:
        values = {n: decode(states[n]["v"]) for n in graded.answers if kinds[n] == "value"}
    except (DataError, KeyError, TypeError, ValueError) as err:
        return Verdict("error", (f"the kernel sent an answer the grader cannot read ({err})",))
    for k, check in enumerate(graded.checks):
        try:
            args = []
            for name in graded.answers:
                if kinds[name] == "callable":
                    calls = transcripts[k]["calls"][name]
                    args.append(Replayer(name, calls))
                else:
                    args.append(values[name])
            with contextlib.redirect_stdout(io.StringIO()):
                result = check(*args)
        except ReplayError as err:
            return Verdict("error", (f"the grader could not replay your functions' calls: {err}",))
        except (DataError, KeyError, TypeError, IndexError) as err:
            return Verdict("error", (f"the kernel sent a record of calls the grader cannot read "
                                     f"({type(err).__name__}: {str(err)[:200]})",))
        except Exception as err:  # noqa: BLE001 - an instructor's check may fail: report it, grade on
            where = "the check" if hasattr(check, "exercise") else "an instructor's check"
            return Verdict("error", (f"{where} failed in the grader: {type(err).__name__}: {str(err)[:300]}",))
        status, lines = _result_status(result)
        if status != "pass":
            return Verdict(status, lines or ("not right yet",))
    return Verdict("pass")
