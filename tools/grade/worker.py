"""Run one submission's cells in a fresh, limited kernel, talking with the grader in JSON lines.

    python -m tools.grade.worker        (the grader writes on its stdin and reads its stdout)

The grader starts one worker per notebook (through an optional command prefix, e.g. ``docker run``).
Its first line is the job::

    {"cells": [{"source": "...", "probe": null | "label"}, ...],
     "timeout": seconds for everything run in the kernel, "memory_mb": the kernel's address-space limit}

The worker runs the cells in order in one kernel and goes on after a cell's error. For each cell it
writes ``{"ev": "cell", "i", "status": "ok"|"error", "error": [name, message] | null}``; for a probe
cell ``{"ev": "probe", "i", "status", "error", "payload": what the probe published}``, and then waits:
the grader may send ``{"cmd": "run", "source": ...}`` (a call of the student's function, answered by
``{"ev": "ran", "status", "error", "payload"}``) any number of times, then ``{"cmd": "next"}``.
It stops at the time budget, at the memory limit (a ``MemoryError``, or torch's "can't allocate
memory") or when the kernel dies, and always ends with
``{"ev": "end", "stopped": null | {"reason": "timeout"|"memory"|"died", "i": index, "run": bool, "detail"},
"seconds"}`` (``run``: it stopped in a call the grader asked for).

The worker judges nothing: whatever it writes is untrusted data for the grader, since the kernel runs
as the same user. The kernel gets its limits from :data:`LIMITS_SOURCE` (``setrlimit`` before
``exec``), its own session, ``/dev/null`` for its stdout and stderr, and a temporary working folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path

# nbformat's validator imports jsonschema, which compiles rfc3987_syntax's grammar (about 3 s per process)
# for a URL format no notebook cell uses: a worker starts once per notebook, so skip that optional checker
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import nbformat  # noqa: E402
from jupyter_client.manager import AsyncKernelManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.grade.probe import MIME  # noqa: E402
from tools.run_notebooks import kernel_env  # noqa: E402

#: the biggest job a worker reads (a chapter notebook with its outputs cleared is far smaller)
MAX_JOB = 64 * 2**20
#: the biggest probe payload kept
MAX_PAYLOAD = 32 * 2**20

#: run in the kernel's process before it becomes the kernel: lower its limits, then exec the kernel
LIMITS_SOURCE = """\
import json, os, resource, sys
for name, value in json.loads(sys.argv[1]).items():
    resource.setrlimit(getattr(resource, name), (value, value))
os.execvp(sys.argv[2], sys.argv[2:])
"""

_MEMORY_ERRORS = ("MemoryError", "_ArrayMemoryError", "OutOfMemoryError")


def kernel_limits(timeout: float, memory_mb: int) -> dict[str, int]:
    """The kernel's rlimits: address space, CPU seconds (a backstop if the kernel outlives its worker),
    size of a file it writes, no core dumps."""
    return {"RLIMIT_AS": int(memory_mb) * 2**20, "RLIMIT_CPU": int(2 * timeout + 120),
            "RLIMIT_FSIZE": 256 * 2**20, "RLIMIT_CORE": 0}


class LimitedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel starts under :func:`kernel_limits`."""

    limits: dict[str, int] = {}

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        return [sys.executable, "-c", LIMITS_SOURCE, json.dumps(self.limits), *cmd]


class GradingClient(NotebookClient):
    """nbclient, keeping only what grading needs: the probes' payloads (and no widget state)."""

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if msg.get("msg_type") == "display_data" and MIME in content.get("data", {}):
            data = content["data"][MIME]
            if isinstance(data, str) and len(data) <= MAX_PAYLOAD and self.nb.cells[cell_index].metadata.get("probe"):
                outs[:] = [nbformat.v4.new_output("display_data", data={MIME: data})]
        return None


def _memory(ename: str, evalue: str) -> bool:
    return ename in _MEMORY_ERRORS or "can't allocate memory" in evalue or "Cannot allocate memory" in evalue


class Stop(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


class Session:
    """One kernel, a time budget, and the two JSON-line streams."""

    def __init__(self, client: GradingClient, replies: dict, timeout: float, emit, read):
        self.client, self.replies, self.emit, self.read = client, replies, emit, read
        self.deadline = time.monotonic() + timeout

    def execute(self, cell, index: int, history: bool) -> dict:
        """Run one cell; its status, error and probe payload, or :class:`Stop`."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Stop("timeout")
        self.client.timeout = max(1, int(left + 0.999))
        try:
            self.client.execute_cell(cell, index, store_history=history)
        except CellTimeoutError:
            raise Stop("timeout") from None
        except DeadKernelError as err:
            raise Stop("died", str(err)[:200]) from None
        reply = self.replies.pop(index, {})
        ok = reply.get("status") == "ok"
        error = None if ok else [str(reply.get("ename", "Error"))[:100], str(reply.get("evalue", ""))[:500]]
        payload = next((o.data[MIME] for o in cell.outputs if MIME in o.get("data", {})), None)
        if error and _memory(*error):
            raise Stop("memory", f"{error[0]}: {error[1]}" if error[1] else error[0])
        return {"status": "ok" if ok else "error", "error": error, "payload": payload}

    def serve(self, index: int) -> None:
        """After a probe: run the grader's calls until it says "next"."""
        nb = self.client.nb
        while True:
            command = self.read()
            if not isinstance(command, dict) or command.get("cmd") != "run":
                return
            cell = nbformat.v4.new_code_cell(str(command.get("source", "")), metadata={"probe": "call"})
            nb.cells.append(cell)
            try:
                self.emit({"ev": "ran", **self.execute(cell, len(nb.cells) - 1, False)})
            except Stop as stop:
                stop.run = True
                raise
            finally:
                nb.cells.pop()

    def run(self, cells: list) -> dict | None:
        """Run every cell; the reason it stopped, or None."""
        index = 0
        try:
            for index, cell in enumerate(cells):
                probe = cell.metadata.get("probe")
                out = self.execute(cell, index, not probe)
                self.emit({"ev": "probe" if probe else "cell", "i": index, **out})
                if probe:
                    self.serve(index)
        except Stop as stop:
            return {"reason": stop.reason, "i": index, "run": getattr(stop, "run", False), "detail": stop.detail}
        return None


def run(job: dict, emit, read) -> None:
    cells = [nbformat.v4.new_code_cell(c["source"], metadata={"probe": c.get("probe")}) for c in job["cells"]]
    nb = nbformat.v4.new_notebook(cells=cells)
    timeout = float(job["timeout"])
    replies: dict[int, dict] = {}
    start = time.monotonic()
    stopped = None
    with tempfile.TemporaryDirectory(prefix="descent-grade-") as work:
        km = LimitedKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(work, "kernel"))
        km.limits = kernel_limits(timeout, int(job["memory_mb"]))

        def end(signum, frame):  # the grader ends this worker: take the kernel (its own session) along
            process = getattr(getattr(km, "provisioner", None), "process", None)
            if process is not None:
                with contextlib.suppress(OSError):
                    os.killpg(process.pid, signal.SIGKILL)
            os._exit(3)

        signal.signal(signal.SIGTERM, end)
        client = GradingClient(nb, km=km, kernel_name="python3", allow_errors=True, store_widget_state=False,
                               shutdown_kernel="immediate", startup_timeout=120, iopub_timeout=10,
                               resources={"metadata": {"path": work}},
                               on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(
                                   cell_index, execute_reply.get("content", {})))
        env = kernel_env() | {"MPLBACKEND": "agg"}
        try:
            with client.setup_kernel(env=env):
                stopped = Session(client, replies, timeout, emit, read).run(cells)
        except DeadKernelError as err:  # died while starting or shutting down
            stopped = stopped or {"reason": "died", "i": 0, "run": False, "detail": str(err)[:200]}
        except RuntimeError as err:  # the kernel never became ready
            stopped = stopped or {"reason": "died", "i": 0, "run": False,
                                  "detail": f"the kernel did not start: {str(err)[:200]}"}
    emit({"ev": "end", "stopped": stopped, "seconds": round(time.monotonic() - start, 3)})


def main() -> int:
    # the kernel inherits fds 1 and 2: point them at /dev/null, keep private copies for the replies and logs
    out_fd, log_fd = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    sys.stderr = os.fdopen(log_fd, "w", buffering=1)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    out = os.fdopen(out_fd, "w", encoding="utf-8")

    def emit(obj: dict) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    def read():
        line = sys.stdin.buffer.readline(MAX_JOB + 1)
        return json.loads(line) if line.strip() else None

    job = read()
    if not isinstance(job, dict):
        print("no job on stdin", file=sys.stderr)
        return 2
    run(job, emit, read)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
