"""Start the workers, a few at a time, and always end them and everything they started.

Each notebook gets its own worker process (:mod:`tools.grade.worker`), started as
``[*prefix, python, "-m", "tools.grade.worker"]`` in a session of its own, with the job on stdin.
A worker that outlives the notebook's time budget (plus the kernel's start and stop) is ended: first
SIGTERM to its session (a ``docker run`` passes it on to the container), then SIGKILL. While a worker
runs, its descendants are noted every half second, so that a kernel left behind by a killed worker
(a kernel starts in a session of its own) is killed too.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
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
#: the longest line a worker may write (a probe's payload is at most 32 MiB)
MAX_LINE = 40 * 2**20


@dataclasses.dataclass
class Job:
    key: tuple  # (student, notebook): the caller's handle
    cells: list[dict]
    timeout: float
    memory_mb: int


@dataclasses.dataclass
class Outcome:
    """What came back from one notebook's worker (events as sent: untrusted, checked by the caller)."""

    key: tuple
    events: dict[int, dict]  # cell index -> its "cell" or "probe" event
    verdicts: dict[int, object]  # probe cell index -> what ``on_probe`` returned
    end: dict | None  # the "end" event, if the worker got that far
    problem: str | None  # why the worker ended without one ("timeout" if the grader stopped it)
    seconds: float


class WorkerGone(Exception):
    pass


#: the workers running now (to end them all if the run is interrupted)
_LIVE: set[subprocess.Popen] = set()


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


class _Channel:
    """The JSON-line conversation with one worker."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.end: dict | None = None

    def send(self, obj: dict) -> None:
        try:
            self.proc.stdin.write((json.dumps(obj) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise WorkerGone("the worker stopped reading") from None

    def receive(self) -> dict:
        line = self.proc.stdout.readline(MAX_LINE + 1)
        if not line:
            raise WorkerGone("the worker ended")
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            raise WorkerGone("the worker wrote a line longer than any reply")
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            raise WorkerGone("the worker wrote something other than its replies") from None
        if not isinstance(event, dict) or event.get("ev") not in ("cell", "probe", "ran", "end"):
            raise WorkerGone("the worker wrote something other than its replies")
        if event["ev"] == "end":
            self.end = event
        return event


def run_job(job: Job, command: list[str], env: dict[str, str] | None,
            on_probe: Callable[[int, dict, Callable[[dict], dict]], object]) -> Outcome:
    """Run one worker to its end; never raises for anything the notebook did.

    ``on_probe(index, event, run)`` is called for each probe event, in this thread, while the worker
    waits; ``run(command)`` sends the worker a ``{"cmd": "run", ...}`` and returns its "ran" event (or
    raises :class:`WorkerGone` when the worker ended instead; :attr:`_Channel.end` then says how).
    """
    start = time.monotonic()
    events: dict[int, dict] = {}
    verdicts: dict[int, object] = {}
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=ROOT,
                                    env=env, start_new_session=True)
        except OSError as exc:
            return Outcome(job.key, {}, {}, None, f"the grader could not start its worker ({exc})", 0.0)
        _LIVE.add(proc)
        watch = _Watch(proc.pid)
        watch.start()
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            _end(proc)

        timer = threading.Timer(job.timeout + OVERHEAD, stop)
        timer.start()
        channel = _Channel(proc)
        problem = None

        def run(command_: dict) -> dict:
            channel.send(command_)
            event = channel.receive()
            if event["ev"] != "ran":
                raise WorkerGone("the worker ended during a call")
            return event

        try:
            channel.send({"cells": job.cells, "timeout": job.timeout, "memory_mb": job.memory_mb})
            while True:
                event = channel.receive()
                if event["ev"] == "end":
                    break
                index = event.get("i")
                if event["ev"] not in ("cell", "probe") or not isinstance(index, int) or index in events:
                    raise WorkerGone("the worker's replies are out of order")
                events[index] = event
                if event["ev"] == "probe":
                    verdicts[index] = on_probe(index, event, run)
                    if channel.end is not None:
                        break
                    channel.send({"cmd": "next"})
        except WorkerGone as gone:
            problem = str(gone)
        finally:
            timer.cancel()
            watch.note()
            watch.done.set()
            with contextlib.suppress(OSError, ValueError):
                proc.stdin.close()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
            _end(proc)
            watch.kill_left()
            proc.stdout.close()
            _LIVE.discard(proc)
        if timed_out.is_set():
            problem = "timeout"
        elif problem and channel.end is None:
            err.seek(0)
            tail = err.read()[-300:].decode("utf-8", "replace").strip().splitlines()
            problem = f"{problem} (exit status {proc.returncode}" + (f": {tail[-1]})" if tail else ")")
        elif channel.end is not None:
            problem = None
        return Outcome(job.key, events, verdicts, channel.end, problem, time.monotonic() - start)


def run_all(jobs: Iterable[Job], command: list[str], workers: int,
            on_probe: Callable[[tuple, int, dict, Callable[[dict], dict]], object],
            on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run the jobs ``workers`` at a time. ``on_probe(key, index, event, run)`` judges, in the job's thread;
    ``on_done`` is called in the calling thread as each job finishes."""
    jobs = list(jobs)
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    outcomes = []
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    futures = {pool.submit(run_job, job, command, env, functools.partial(on_probe, job.key)): job for job in jobs}
    try:
        for fut in as_completed(futures):
            try:
                outcome = fut.result()
            except Exception as exc:  # noqa: BLE001 - a fault of the grader costs this notebook, not the run
                outcome = Outcome(futures[fut].key, {}, {}, None, f"the grader failed on this notebook ({exc})", 0.0)
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    except BaseException:  # Ctrl-C, or on_done failing: stop everything that still runs
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in list(_LIVE):
            _end(proc, grace=1.0)
        raise
    pool.shutdown(wait=True)
    return outcomes
