"""tools.grade.worker and runner on small notebooks: a cell's error costs that cell, time, memory and a dead
kernel stop the notebook where they happen, and whatever the kernel does, the run ends cleanly."""

from __future__ import annotations

import json
import sys
import time

import psutil
import pytest

from tools.grade.runner import Job, run_all, run_job, worker_command

pytestmark = pytest.mark.slow


def cells(*sources, probe_at=()):
    return [{"source": s, "probe": f"p{i}" if i in probe_at else None} for i, s in enumerate(sources)]


def run(job_cells, timeout=30.0, memory_mb=1024, on_probe=None):
    job = Job(("s", "nb"), job_cells, timeout, memory_mb)
    return run_job(job, worker_command(), None, on_probe or (lambda i, ev, run: ev))


PUBLISH = "from IPython.display import publish_display_data as p; p({'text/x-descent-grade': %r})"


def test_cells_run_in_order_and_an_error_costs_only_its_cell():
    out = run(cells("x = 1", "1 / 0", "x += 1", "undefined_name", "print(x)"))
    assert out.problem is None and out.end["stopped"] is None
    statuses = [out.events[i]["status"] for i in range(5)]
    assert statuses == ["ok", "error", "ok", "error", "ok"]
    assert out.events[1]["error"] == ["ZeroDivisionError", "division by zero"]
    assert out.events[3]["error"][0] == "NameError"


def test_a_probe_waits_for_the_graders_calls():
    seen = []

    def on_probe(index, event, run_):
        seen.append(json.loads(event["payload"]))
        ran = run_({"cmd": "run", "source": "p({'text/x-descent-grade': str(x)})"})
        seen.append(ran["payload"])
        return "judged"

    out = run(cells("x = 41", "x += 1; " + PUBLISH % '{"a": 1}', "x = 0", probe_at=(1,)), on_probe=on_probe)
    assert out.verdicts == {1: "judged"} and seen == [{"a": 1}, "42"]
    assert out.end["stopped"] is None and 2 in out.events


def test_an_endless_loop_stops_the_notebook_at_its_timeout():
    start = time.monotonic()
    out = run(cells("x = 1", "while True: pass", "x = 2"), timeout=3)
    assert out.end["stopped"]["reason"] == "timeout" and out.end["stopped"]["i"] == 1
    assert 2 not in out.events and time.monotonic() - start < 30


def test_a_call_that_loops_stops_the_notebook_while_it_runs():
    def on_probe(index, event, run_):
        try:
            run_({"cmd": "run", "source": "while True: pass"})
        except Exception as err:  # noqa: BLE001 - WorkerGone: the worker ended during the call
            return type(err).__name__
        return "returned"

    out = run(cells("x = 1", PUBLISH % "{}", "x = 2", probe_at=(1,)), timeout=3, on_probe=on_probe)
    assert out.verdicts == {1: "WorkerGone"}
    assert out.end["stopped"]["reason"] == "timeout" and out.end["stopped"]["run"] is True


def test_a_memory_hog_stops_the_notebook_at_the_memory_limit():
    hog = "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))"
    out = run(cells("x = 1", hog, "x = 2"), memory_mb=1024)
    assert out.end["stopped"]["reason"] == "memory" and "MemoryError" in out.end["stopped"]["detail"]
    assert 2 not in out.events


def test_a_kernel_that_dies_stops_the_notebook():
    out = run(cells("x = 1", "import os; os._exit(1)", "x = 2"))
    assert out.end["stopped"]["reason"] == "died" and out.end["stopped"]["i"] == 1


def test_the_kernel_runs_limited_in_a_folder_of_its_own_and_cannot_write_on_the_workers_channel():
    probe = PUBLISH.replace("%r", "json.dumps([os.getcwd(), resource.getrlimit(resource.RLIMIT_AS)[0], "
                                   "os.environ.get('OMP_NUM_THREADS'), os.getsid(0) != os.getsid(os.getppid())])")
    got = []
    out = run(cells("import json, os, resource", "os.write(1, b'{\"ev\": \"end\"}\\n'); os.write(2, b'noise')",
                    probe, probe_at=(2,)), memory_mb=1500,
              on_probe=lambda i, ev, r: got.append(json.loads(ev["payload"])))
    assert out.problem is None and out.end["stopped"] is None
    cwd, address_space, threads, own_session = got[0]
    assert "descent-grade-" in cwd and address_space == 1500 * 2**20 and threads == "1" and own_session


def test_a_kernel_that_kills_its_worker_costs_only_its_notebook_and_leaves_nothing_behind(tmp_path):
    pid_file = tmp_path / "kernel.pid"
    evil = f"import os, signal, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\n" \
           "time.sleep(1.5)\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(60)"
    jobs = [Job(("evil", "nb"), cells("x = 1", evil, "x = 2"), 30, 1024),
            Job(("fine", "nb"), cells("x = 1", "x = 2"), 30, 1024)]
    outcomes = {o.key[0]: o for o in run_all(jobs, worker_command(), 2, lambda key, i, ev, r: None)}
    assert outcomes["fine"].problem is None and outcomes["fine"].end["stopped"] is None
    assert outcomes["evil"].end is None and "exit status -9" in outcomes["evil"].problem
    kernel = int(pid_file.read_text())
    time.sleep(0.5)
    assert not psutil.pid_exists(kernel) or psutil.Process(kernel).status() == psutil.STATUS_ZOMBIE


def test_a_worker_that_outlives_its_allowance_is_stopped(monkeypatch):
    """The grader's own clock: a worker that never answers is ended after TIMEOUT + OVERHEAD."""
    from tools.grade import runner

    monkeypatch.setattr(runner, "OVERHEAD", 2.0)
    start = time.monotonic()
    job = Job(("s", "nb"), cells("x = 1"), 1.0, 1024)
    hung = [sys.executable, "-c", "import time; time.sleep(600)"]
    out = run_job(job, hung, None, lambda i, ev, r: None)
    assert out.problem == "timeout" and out.end is None and time.monotonic() - start < 30
