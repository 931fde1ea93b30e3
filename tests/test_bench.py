"""bench/run.py --quick --json: every figure is present and sane (timings are not tests: no speed is asserted)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

pytestmark = pytest.mark.slow  # starts a kernel and builds a (tiny) book

ROOT = Path(__file__).resolve().parents[1]
OPTIMIZERS = {"SGD", "SGD momentum", "SGD nesterov", "Adagrad", "RMSprop", "RMSprop centered+momentum",
              "Adadelta", "Adam", "Adam amsgrad", "AdamW"}


def positive(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    # A notebook of our own, so that the test does not depend on the chapters being finished.
    nb = new_notebook(cells=[new_markdown_cell("# A tiny chapter"), new_code_cell("print(sum(range(10)))")])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    path = tmp_path_factory.mktemp("bench") / "tiny.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--json", "--notebooks",
                           str(path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert path.read_bytes() == before, "the benchmark must work on copies"
    return json.loads(proc.stdout)  # stdout is exactly one JSON object


def test_machine_is_described(report):
    m = report["machine"]
    assert m["cpu"] and m["logical_cores"] >= 1 and m["memory_gib"] > 0
    assert m["python"].count(".") == 2 and m["torch"]
    assert report["mode"] == "quick"
    assert set(report["sections"]) == {"notebooks", "nbval", "book", "pages", "widgets", "optim", "runner", "grading"}
    assert not [k for k, v in report["sections"].items() if "error" in v]
    assert positive(report["total_seconds"])


def test_notebooks_and_kernel_memory(report):
    nb = report["sections"]["notebooks"]
    assert positive(nb["total_seconds"])
    [row] = nb["notebooks"]
    assert row["notebook"] == "tiny.ipynb" and row["ok"], row
    assert positive(row["seconds"]) and row["samples"] >= 1
    assert 10 * 2**20 < row["peak_rss_bytes"] < 64 * 2**30  # a Python kernel: more than 10 MiB, not absurd
    assert row["pid_source"].startswith("kernel pid")


@pytest.mark.parametrize("section", ["nbval", "book"])
def test_nbval_and_book_build_ran(report, section):
    r = report["sections"][section]
    assert positive(r["seconds"])
    assert r["returncode"] == 0, r


def test_widgets(report):
    w = report["sections"]["widgets"]
    assert w["widgets"], w["notes"]
    for row in w["widgets"]:
        assert row["frames"] >= 2 and row["updates"] >= 1 and row["renders"] >= 1
        for key in ("build_seconds", "update_median_ms", "render_median_ms", "speedup"):
            assert positive(row[key]), (row["widget"], key)
    assert all(n["widget"] and n["note"] for n in w["notes"])


def test_optimizers(report):
    o = report["sections"]["optim"]
    assert {r["optimizer"] for r in o["optimizers"]} == OPTIMIZERS
    assert o["threads"] == 1 and o["params"] > 1000 and "foreach" in o["torch_path"]
    for r in o["optimizers"]:
        assert positive(r["ours_ms"]) and positive(r["torch_ms"]) and positive(r["ratio"]), r
        assert positive(r["torch_again_ms"]) and r["noise"] >= 0, r
        assert r["max_abs_diff"] == 0, r  # the twins did the same steps, to the bit


def test_runner(report):
    r = report["sections"]["runner"]
    assert {x["rule"] for x in r["results"]} == {"sgd", "adam"}
    for x in r["results"]:
        assert positive(x["runner_seconds"]) and positive(x["loop_seconds"]) and positive(x["speedup"]), x
        assert x["max_abs_diff_final"] < 1e-9, x  # the loop and the runner computed the same trajectories


def test_goals_listed_not_judged(report):
    # the page-size goal is listed when a built website was there to measure (make test builds it first)
    pages_measured = bool(report["sections"]["pages"].get("pages"))
    assert len(report["goals"]) == 4 + pages_measured
    assert all(g["met"] is None for g in report["goals"])


def test_grading_throughput(report):
    g = report["sections"]["grading"]
    assert g["students"] == 2 and g["notebooks"] == 2 and g["jobs"] == 2
    assert positive(g["seconds"]) and positive(g["notebooks_per_minute"]) and positive(g["median_notebook_seconds"])
    assert g["statuses"]["pass"] == 2  # both tiny notebooks answer their one exercise right
