"""Start the workers, a few at a time, and always end them and everything they started.

Each notebook gets its own worker process (:mod:`tools.grade.worker`), started as
``[*prefix, python, "-m", "tools.grade.worker"]`` in a session of its own, with the job on stdin.
A worker that outlives the notebook's time budget (plus the kernel's start and stop) is ended: first
SIGTERM to its session (a ``docker run`` passes it on to the container), then SIGKILL. While a worker
runs, its descendants are noted every half second, so that a kernel left behind by a killed worker
(a kernel starts in a session of its own) is killed too.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]

#: what a worker may need beyond the notebook's budget: starting and stopping the kernel
OVERHEAD = 150.0
#: the most a worker may write as its result
MAX_RESULT = 128 * 2**20


@dataclasses.dataclass
class Job:
    key: tuple  # (student, notebook): the caller's handle
    cells: list[dict]
    timeout: float
    memory_mb: int


@dataclasses.dataclass
class Outcome:
    key: tuple
    result: dict | None  # the worker's JSON, unchecked (untrusted)
    problem: str | None  # why there is no result
    seconds: float


def worker_command(prefix: list[str] | None = None, python: str | None = None) -> list[str]:
    return [*(prefix or []), python or sys.executable, "-m", "tools.grade.worker"]


class _Watch(threading.Thread):
    """Note the worker's descendants while it runs (pid and start time, to kill exactly those later)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.seen: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.note()
            self.done.wait(0.5)

    def note(self) -> None:
        try:
            for child in psutil.Process(self.pid).children(recursive=True):
                try:
                    self.seen.setdefault(child.pid, child.create_time())
                except psutil.Error:
                    pass
        except psutil.Error:
            pass

    def kill_left(self) -> None:
        for pid, created in self.seen.items():
            try:
                proc = psutil.Process(pid)
                if proc.create_time() == created:
                    proc.kill()
            except psutil.Error:
                pass


def _end(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM to the worker's session, then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue


def run_job(job: Job, command: list[str], env: dict[str, str] | None = None) -> Outcome:
    """Run one worker to the end; never raises for anything the notebook did."""
    start = time.monotonic()
    payload = json.dumps({"cells": job.cells, "timeout": job.timeout, "memory_mb": job.memory_mb}).encode()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out, stderr=err, cwd=ROOT,
                                    env=env, start_new_session=True)
        except OSError as exc:
            return Outcome(job.key, None, f"the grader could not start its worker ({exc})", 0.0)
        watch = _Watch(proc.pid)
        watch.start()
        problem = None
        try:
            try:
                proc.stdin.write(payload)
                proc.stdin.close()
            except BrokenPipeError:
                pass
            proc.wait(job.timeout + OVERHEAD)
        except subprocess.TimeoutExpired:
            problem = "timeout"
        finally:
            watch.note()
            watch.done.set()
            _end(proc)
            watch.kill_left()
        seconds = time.monotonic() - start
        if problem:
            return Outcome(job.key, None, problem, seconds)
        out.seek(0)
        raw = out.read(MAX_RESULT + 1)
        if proc.returncode != 0 or not raw:
            err.seek(0)
            tail = err.read()[-300:].decode("utf-8", "replace").strip().splitlines()
            why = f"exit status {proc.returncode}" + (f": {tail[-1]}" if tail else "")
            return Outcome(job.key, None, f"the notebook's worker process ended without a result ({why})", seconds)
        if len(raw) > MAX_RESULT:
            return Outcome(job.key, None, "the notebook's worker wrote more than a result can be", seconds)
        try:
            result = json.loads(raw)
        except json.JSONDecodeError:
            return Outcome(job.key, None, "the notebook's worker wrote something other than its result", seconds)
        return Outcome(job.key, result, None, seconds)


def run_all(jobs: Iterable[Job], command: list[str], workers: int = 2,
            on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run the jobs ``workers`` at a time; ``on_done`` is called in the calling thread as each finishes."""
    jobs = list(jobs)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    outcomes = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(run_job, job, command, env) for job in jobs]
        for fut in as_completed(futures):
            outcome = fut.result()
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes
