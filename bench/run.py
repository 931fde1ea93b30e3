"""Measure how fast the book builds and runs, how fast its widgets and optimizers are, in one run.

    python bench/run.py                  # everything (under 10 minutes on 2 cores), a table on stdout
    python bench/run.py --json           # one JSON object on stdout (the table goes to stderr)
    python bench/run.py --quick          # tiny sizes: the smoke test's run (tests/test_bench.py)
    python bench/run.py --skip-notebooks # no kernels, no book build: widgets, optim, runner
    python bench/run.py --only optim --only runner

Sections (``--only`` names; repeat it or separate with commas):

- ``notebooks``: ``make notebooks``, i.e. ``tools/run_notebooks.py``'s ``execute``, on copies of the
  notebooks in a temporary folder, in ``_toc.yml`` order (the repository is not touched); the peak
  RSS of each notebook's kernel process tree, sampled every 50 ms with psutil (goal: < 1 GiB each).
- ``nbval``: the Makefile's ``nbval`` command (strict nbval) on those copies.
- ``book``: ``jupyter-book build -W -n --keep-going`` (the flags of ``tools/build_book.py``) on a
  copy of the book in the temporary folder, without the npm step of ``tools/build_book.py``.
- ``widgets``: every public ``course_lib.widgets.<module>`` function whose name ends with ``_widget``
  or which is annotated to return a ``FrameWidget``, called with no arguments: build time, the
  median time of ``FrameWidget.set(...)`` over 50 value changes against the median of 3 redraws
  from scratch (``FrameWidget.render``); goal: updates >= 3x faster than a redraw and < 100 ms.
- ``optim``: each ``course_lib.optim`` optimizer's ``step()`` against its ``torch.optim`` twin on
  an MLP of about a million float32 parameters, one thread, fixed gradients, interleaved
  repetitions; goal: ours/torch <= 1.25.
- ``runner``: ``course_lib.optim.run_trajectories`` (1,000 trajectories x 500 steps on Rosenbrock's
  valley) against a Python loop over the trajectories calling the same update rule; goal >= 50x.

``--quick`` uses tiny sizes: a tiny notebook written by the benchmark itself (or the ones given with
``--notebooks``), a tiny book, a synthetic widget with 2 value changes (the chapter widgets are
only discovered, unless ``--widgets`` names some), a 10k-parameter model, 20 trajectories x 20 steps.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import itertools
import json
import math
import os
import pkgutil
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# The Makefile's environment, before torch and matplotlib are imported. This process draws the widgets'
# frames headless (Agg); the kernels it starts keep their own inline backend (see subprocess_env).
for _key, _value in {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}.items():
    os.environ.setdefault(_key, _value)
import matplotlib  # noqa: E402

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECTIONS = ("notebooks", "nbval", "book", "widgets", "optim", "runner")
NOTEBOOK_SECTIONS = ("notebooks", "nbval", "book")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SUMMARY = re.compile(r"passed|failed|error|succeeded|finished|warning|timed out", re.I)
PROBLEM = re.compile(r"WARNING|ERROR|^FAILED|Traceback|Missing output|timed out")
GIB = 1024**3
MIB = 1024**2
GOALS = {
    "kernel_peak_rss_bytes": GIB,      # every notebook's kernel under 1 GiB
    "widget_speedup": 3.0,             # an update at least 3x faster than a redraw
    "widget_update_ms": 100.0,         # and under 100 ms
    "optim_ratio": 1.25,               # ours / torch step time at most 1.25
    "runner_speedup": 50.0,            # vectorised runner at least 50x faster than the loop
}


# --- small helpers ---------------------------------------------------------------------------------


def log(*parts: Any) -> None:
    """Progress goes to stderr, so that ``--json`` leaves one JSON object on stdout."""
    print(*parts, file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def ratio(a: float, b: float) -> float | None:
    if a is None or b is None or not (b > 0) or not math.isfinite(a) or not math.isfinite(b):
        return None
    return a / b


def short(exc: BaseException, limit: int = 300) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def machine() -> dict[str, Any]:
    import psutil
    import torch

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


# --- the temporary copy of the book ----------------------------------------------------------------

TINY_NOTEBOOK_CELLS = [
    ("markdown", "# Benchmark notebook\n\nA tiny notebook that the quick benchmark runs, checks and builds."),
    ("code", "import numpy as np\n\nprint(int(np.arange(10).sum()))"),
    ("code", "import torch\n\ntorch.manual_seed(0)\nprint(round(float(torch.ones(3).sum()), 3))"),
]


def write_tiny_notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    for kind, source in TINY_NOTEBOOK_CELLS:
        nb.cells.append(nbformat.v4.new_markdown_cell(source) if kind == "markdown"
                        else nbformat.v4.new_code_cell(source))
    nb.metadata.kernelspec = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


class Workspace:
    """A copy of the book in a temporary folder: ``<tmp>/_config.yml``, ``_toc.yml``, ``_static``, ``book/``.

    Either the repository's book (every notebook in ``_toc.yml`` order), or a small book made of the
    notebooks given (``--notebooks``, or the tiny notebook in quick mode), each one chapter.
    """

    def __init__(self, notebooks: list[Path] | None, quick: bool):
        from tools.toc import toc_notebooks

        self.tmp = tempfile.TemporaryDirectory(prefix="descent-bench-")
        self.root = Path(self.tmp.name)
        book = self.root / "book"
        shutil.copy(ROOT / "_config.yml", self.root / "_config.yml")
        if (ROOT / "_static").is_dir():
            shutil.copytree(ROOT / "_static", self.root / "_static")
        if notebooks is None and not quick:
            self.source = "the repository's book (_toc.yml order)"
            shutil.copy(ROOT / "_toc.yml", self.root / "_toc.yml")
            shutil.copytree(ROOT / "book", book, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_build"))
            self.notebooks = [book / p.relative_to(ROOT / "book") for p in toc_notebooks(ROOT)]
            self.notebooks = [p for p in self.notebooks if p.exists()]
            return
        book.mkdir()
        if notebooks is None:
            self.source = "a tiny notebook written by bench/run.py (--quick)"
            self.notebooks = [write_tiny_notebook(book / "bench_tiny.ipynb")]
        else:
            self.source = "the notebooks given with --notebooks"
            self.notebooks = []
            for p in notebooks:
                target = book / p.name
                shutil.copy(p, target)
                self.notebooks.append(target)
        (book / "intro.md").write_text("# Benchmark book\n\nThe notebooks the benchmark ran.\n", encoding="utf-8")
        chapters = "".join(f"  - file: book/{p.stem}\n" for p in self.notebooks)
        (self.root / "_toc.yml").write_text(f"format: jb-book\nroot: book/intro\nchapters:\n{chapters}",
                                            encoding="utf-8")

    def close(self) -> None:
        self.tmp.cleanup()


# --- notebooks: make notebooks, with each kernel's peak memory -------------------------------------


@contextlib.contextmanager
def capture_clients() -> Iterator[list]:
    """Record every ``NotebookClient`` that ``tools.run_notebooks.execute`` creates (to find its kernel)."""
    import tools.run_notebooks as rn

    original = rn.NotebookClient
    clients: list = []

    class RecordingClient(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            clients.append(self)

    rn.NotebookClient = RecordingClient
    try:
        yield clients
    finally:
        rn.NotebookClient = original


class PeakMemory(threading.Thread):
    """Sample the RSS of the kernel and its children every ``interval`` seconds; keep the peak.

    The kernel's pid comes from the notebook client's kernel manager (its provisioner); until it is
    known, and if it never is, the children of this process are sampled instead (during
    ``execute`` the kernel is this process's only child).
    """

    def __init__(self, clients: list, interval: float = 0.05):
        super().__init__(daemon=True)
        self.clients, self.interval = clients, interval
        self.peak, self.samples, self.pid_source = 0, 0, "none"
        self._stop_event = threading.Event()

    def kernel_pid(self) -> int | None:
        for client in reversed(self.clients):
            km = getattr(client, "km", None)
            provisioner = getattr(km, "provisioner", None)
            pid = getattr(provisioner, "pid", None)
            if pid is None:
                pid = getattr(getattr(provisioner, "process", None), "pid", None)
            if pid is not None:
                return int(pid)
        return None

    def sample(self) -> int | None:
        import psutil

        pid = self.kernel_pid()
        try:
            if pid is not None:
                root = psutil.Process(pid)
                procs = [root] + root.children(recursive=True)
                source = "kernel pid from NotebookClient.km.provisioner"
            else:
                procs = psutil.Process().children(recursive=True)
                source = "children of the benchmark process"
        except psutil.Error:
            return None
        total = 0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        if not procs or total == 0:
            return None
        if source.startswith("kernel") or self.pid_source == "none":
            self.pid_source = source
        return total

    def run(self) -> None:
        while not self._stop_event.is_set():
            rss = self.sample()
            if rss is not None:
                self.samples += 1
                self.peak = max(self.peak, rss)
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


def section_notebooks(ws: Workspace, opts) -> dict[str, Any]:
    from tools.run_notebooks import execute

    if not ws.notebooks:
        return {"skipped": "no notebooks to run (none of _toc.yml's notebooks exists yet)"}
    rows = []
    start = time.perf_counter()
    for path in ws.notebooks:
        log(f"[notebooks] executing {path.name}")
        with capture_clients() as clients:
            monitor = PeakMemory(clients)
            monitor.start()
            t0 = time.perf_counter()
            error = None
            try:
                execute(path)
            except Exception as exc:  # a chapter being written may fail: note it, go on
                error = short(exc)
            seconds = time.perf_counter() - t0
            monitor.stop()
        row = {"notebook": path.name, "seconds": seconds, "peak_rss_bytes": monitor.peak,
               "peak_rss_mib": monitor.peak / MIB, "samples": monitor.samples, "pid_source": monitor.pid_source,
               "under_1gib": monitor.peak < GOALS["kernel_peak_rss_bytes"], "ok": error is None}
        if error:
            row["error"] = error
        rows.append(row)
        log(f"[notebooks]   {seconds:.1f} s, peak RSS {monitor.peak / MIB:.0f} MiB"
            + (f", FAILED: {error}" if error else ""))
    total = time.perf_counter() - start
    return {"source": ws.source, "method": "tools/run_notebooks.py execute() on temporary copies",
            "total_seconds": total, "notebooks": rows, "all_ok": all(r["ok"] for r in rows),
            "all_under_1gib": all(r["under_1gib"] for r in rows), "sample_interval_s": 0.05}


# --- nbval and the book build: subprocesses on the temporary copy ----------------------------------


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"})
    env.pop("MPLBACKEND", None)  # as in the Makefile: nbval's kernels must draw with the inline backend
    return env


def timed_run(cmd: list[str], cwd: Path, timeout: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=timeout)
        code, out = proc.returncode, proc.stdout
    except subprocess.TimeoutExpired as exc:
        code = None
        out = exc.stdout if isinstance(exc.stdout, str) else (exc.stdout or b"").decode(errors="replace")
        out += f"\n(timed out after {timeout:.0f} s)"
    seconds = time.perf_counter() - t0
    lines = [line.rstrip() for line in ANSI.sub("", out).splitlines() if line.strip(" =-\t")]
    telling = [line for line in lines if SUMMARY.search(line)]
    summary = (telling or lines or [""])[-1].strip()
    problems = [line.strip() for line in lines if PROBLEM.search(line)]
    tail = (problems[:20] + ["..."] + lines[-3:]) if problems else lines[-15:]
    return {"seconds": seconds, "returncode": code, "ok": code == 0, "summary": summary,
            "tail": tail if code != 0 else []}


def section_nbval(ws: Workspace, opts) -> dict[str, Any]:
    if not ws.notebooks:
        return {"skipped": "no notebooks to check"}
    cmd = [sys.executable, "-m", "pytest", "-q", "--nbval", "--nbval-current-env",
           "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), "-p", "no:randomly",
           "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ws.root), str(ws.root / "book")]
    log(f"[nbval] strict nbval over {len(ws.notebooks)} notebook(s)")
    result = timed_run(cmd, ws.root, timeout=opts.subprocess_timeout)
    shown = [c if not c.startswith(str(ws.root)) else "<tmp>" + c[len(str(ws.root)):] for c in cmd[1:]]
    result.update({"command": "python " + " ".join(shown),
                   "on": "the temporary copies" + (" after `notebooks` re-executed them" if opts.ran_notebooks
                                                   else " of the committed notebooks")})
    log(f"[nbval]   {result['seconds']:.1f} s, {result['summary']}")
    return result


def section_book(ws: Workspace, opts) -> dict[str, Any]:
    jb = Path(sys.executable).with_name("jupyter-book")
    if not jb.exists():
        return {"skipped": f"{jb} is missing"}
    cmd = [str(jb), "build", str(ws.root), "-W", "-n", "--keep-going"]
    log("[book] jupyter-book build -W -n --keep-going on the temporary copy")
    result = timed_run(cmd, ws.root, timeout=opts.subprocess_timeout)
    pages = len(list((ws.root / "_build" / "html").rglob("*.html")))
    result.update({"method": "jupyter-book build <tmp copy> -W -n --keep-going (tools/build_book.py's flags; "
                             "no npm vendoring or post-processing)",
                   "source": ws.source, "html_pages": pages})
    log(f"[book]   {result['seconds']:.1f} s, exit {result['returncode']}, {pages} HTML pages")
    return result


# --- widgets: an update (switching frames) against a redraw from scratch -----------------------------


def synthetic_widget():
    """A small FrameWidget (6 frames) that always exists, for quick runs."""
    import numpy as np

    from course_lib.widgets.frames import Control, frame_widget

    def draw(fig, a, b):
        ax = fig.add_subplot()
        x = np.linspace(0, 1, 50)
        ax.plot(x, a * x**2 + b)
        ax.set_title(f"a={a}, b={b}")

    return frame_widget(draw, [Control("a", [1.0, 2.0, 3.0]), Control("b", [0, 1])], figsize=(3, 2))


def discover_widgets() -> tuple[list[tuple[str, Callable[[], Any], str]], list[dict[str, str]]]:
    """Every zero-argument widget factory of ``course_lib.widgets.<module>``, and notes on what was left out."""
    import course_lib.widgets as package

    found, notes = [], []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name == "frames" or info.name.startswith("_"):
            continue
        modname = f"course_lib.widgets.{info.name}"
        try:
            module = importlib.import_module(modname)
        except Exception as exc:
            notes.append({"widget": modname, "note": f"import failed: {short(exc)}"})
            continue
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != modname:
                continue
            sig = inspect.signature(fn)
            returns = sig.return_annotation
            returns = returns if isinstance(returns, str) else getattr(returns, "__name__", "")
            if name.endswith("_widget"):
                why = "name ends with _widget"
            elif returns.endswith("FrameWidget"):
                why = "returns a FrameWidget"
            else:
                continue
            required = [p.name for p in sig.parameters.values() if p.default is inspect.Parameter.empty
                        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
            label = f"{info.name}.{name}"
            if required:
                notes.append({"widget": label, "note": f"skipped: needs arguments {required}"})
                continue
            found.append((label, fn, why))
    return found, notes


def value_combos(widget) -> list[dict[str, Any]]:
    return [{c.name: v for c, v in zip(widget.controls, combo)}
            for combo in itertools.product(*(c.values for c in widget.controls))]


def measure_widget(label: str, factory: Callable[[], Any], updates: int, renders: int) -> dict[str, Any]:
    from course_lib.widgets.frames import FrameWidget

    t0 = time.perf_counter()
    widget = factory()
    build = time.perf_counter() - t0
    if not isinstance(widget, FrameWidget):
        raise TypeError(f"{label}() returned {type(widget).__name__}, not a FrameWidget")
    combos = value_combos(widget)
    if len(combos) < 2:
        raise ValueError(f"{label}() has a single frame: nothing to switch to")
    # Value changes: cycle over the grid, each call changing at least one control.
    update_times, k, checked = [], 0, False
    while len(update_times) < updates:
        values = combos[k % len(combos)]
        k += 1
        if values == widget.values:
            continue
        t = time.perf_counter()
        widget.set(**values)
        update_times.append(time.perf_counter() - t)
        if not checked:  # once, untimed: the update did show the frame for these values
            if widget.frame != widget.frame_for(**values):
                raise AssertionError(f"{label}: after set({values}) the frame shown is not the stored one")
            checked = True
    render_times = []
    for i in range(renders):
        values = combos[(i * 7 + 1) % len(combos)]
        t = time.perf_counter()
        widget.render(**values)
        render_times.append(time.perf_counter() - t)
    update_ms, render_ms = 1e3 * median(update_times), 1e3 * median(render_times)
    speedup = ratio(render_ms, update_ms)
    return {"widget": label, "frames": widget.n_frames, "controls": [c.name for c in widget.controls],
            "build_seconds": build, "updates": len(update_times), "update_median_ms": update_ms,
            "renders": len(render_times), "render_median_ms": render_ms, "speedup": speedup,
            "meets_goal": bool(speedup is not None and speedup >= GOALS["widget_speedup"]
                               and update_ms < GOALS["widget_update_ms"])}


def section_widgets(ws, opts) -> dict[str, Any]:
    updates, renders = (2, 1) if opts.quick else (opts.widget_updates, opts.widget_renders)
    found, notes = discover_widgets()
    todo: list[tuple[str, Callable[[], Any], str]] = []
    if opts.widgets:
        todo = [w for w in found if any(s in w[0] for s in opts.widgets)]
        notes += [{"widget": w[0], "note": "not built: not named by --widgets"} for w in found if w not in todo]
    elif opts.quick:
        notes += [{"widget": w[0], "note": "discovered; not built in --quick (use --widgets NAME)"} for w in found]
    else:
        todo = list(found)
    if opts.quick:
        todo.insert(0, ("bench.synthetic", synthetic_widget, "bench/run.py's own 6-frame widget"))
    rows = []
    for label, factory, why in todo:
        log(f"[widgets] {label}")
        try:
            row = measure_widget(label, factory, updates, renders)
        except Exception as exc:
            notes.append({"widget": label, "note": f"failed: {short(exc)}"})
            log(f"[widgets]   FAILED: {short(exc)}")
            continue
        row["discovered_because"] = why
        rows.append(row)
        log(f"[widgets]   build {row['build_seconds']:.1f} s, update {row['update_median_ms']:.3f} ms, "
            f"redraw {row['render_median_ms']:.0f} ms")
    return {"widgets": rows, "notes": notes, "updates_per_widget": updates, "renders_per_widget": renders,
            "all_meet_goal": bool(rows) and all(r["meets_goal"] for r in rows)}


# --- optimizers: ours against torch.optim ----------------------------------------------------------

OPTIM_SETTINGS = [
    ("SGD", "SGD", {"lr": 0.01}),
    ("SGD momentum", "SGD", {"lr": 0.01, "momentum": 0.9}),
    ("SGD nesterov", "SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", "Adagrad", {"lr": 0.01}),
    ("RMSprop", "RMSprop", {"lr": 0.01}),
    ("RMSprop centered+momentum", "RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9}),
    ("Adadelta", "Adadelta", {"lr": 1.0}),
    ("Adam", "Adam", {"lr": 1e-3}),
    ("Adam amsgrad", "Adam", {"lr": 1e-3, "amsgrad": True}),
    ("AdamW", "AdamW", {"lr": 1e-3, "weight_decay": 1e-2}),
]


def mlp_params(quick: bool):
    import torch

    sizes = (64, 128, 16, 10) if quick else (784, 1000, 200, 10)
    torch.manual_seed(0)
    layers: list = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    params = [p.detach().clone() for p in model.parameters()]
    grads = [torch.randn_like(p) * 0.01 for p in params]
    return sizes, params, grads


def torch_path(params) -> str:
    try:
        from torch.optim.optimizer import _default_to_fused_or_foreach

        fused, foreach = _default_to_fused_or_foreach(params, differentiable=False, use_fused=False)
    except Exception as exc:  # a private helper: say so if it moved
        return f"unknown ({short(exc, 80)})"
    kind = "fused" if fused else "foreach (multi-tensor)" if foreach else "single-tensor"
    return f"{kind} (foreach=None resolves to foreach={foreach}, fused={fused} on CPU)"


def section_optim(ws, opts) -> dict[str, Any]:
    import torch

    import course_lib.optim as ours_mod

    torch.set_num_threads(1)
    warmup, reps = (1, 5) if opts.quick else (opts.optim_warmup, opts.optim_steps)
    sizes, base, grads = mlp_params(opts.quick)
    n_params = sum(p.numel() for p in base)
    path = torch_path([p.clone().requires_grad_(True) for p in base])
    rows = []
    for label, cls_name, kwargs in OPTIM_SETTINGS:
        ps = {}
        for who in ("ours", "torch"):
            ps[who] = [p.clone().requires_grad_(True) for p in base]
            for p, g in zip(ps[who], grads):
                p.grad = g.clone()
        opt = {"ours": getattr(ours_mod, cls_name)(ps["ours"], **kwargs),
               "torch": getattr(torch.optim, cls_name)(ps["torch"], **kwargs)}
        times: dict[str, list[float]] = {"ours": [], "torch": []}
        for i in range(warmup + reps):
            order = ("ours", "torch") if i % 2 == 0 else ("torch", "ours")  # ABBA: drift cancels out
            for who in order:
                t = time.perf_counter()
                opt[who].step()
                dt = time.perf_counter() - t
                if i >= warmup:
                    times[who].append(dt)
        with torch.no_grad():
            diff = max(float((a - b).abs().max()) for a, b in zip(ps["ours"], ps["torch"]))
        ours_ms, torch_ms = 1e3 * median(times["ours"]), 1e3 * median(times["torch"])
        r = ratio(ours_ms, torch_ms)
        rows.append({"optimizer": label, "ours_ms": ours_ms, "torch_ms": torch_ms, "ratio": r,
                     "max_abs_diff": diff, "meets_goal": bool(r is not None and r <= GOALS["optim_ratio"])})
        log(f"[optim] {label}: ours {ours_ms:.2f} ms, torch {torch_ms:.2f} ms, ratio {r:.2f}, |diff| {diff:.1e}")
    return {"model": "MLP " + "-".join(map(str, sizes)), "params": n_params, "dtype": "float32",
            "threads": torch.get_num_threads(), "warmup_steps": warmup, "timed_steps": reps,
            "torch_path": path, "optimizers": rows, "all_meet_goal": all(r["meets_goal"] for r in rows)}


# --- the vectorised 2-D runner against a per-trajectory Python loop ---------------------------------

RUNNER_RULES = [("sgd", {"lr": 1e-4}), ("adam", {"lr": 1e-2})]


def loop_trajectory(surface, update, start, steps: int, hyper: dict):
    """One trajectory the plain way: gradient, update, loss, stored path, step by step."""
    import torch

    pos = torch.tensor(start, dtype=torch.float64)
    paths = torch.empty((steps + 1, 2), dtype=torch.float64)
    losses = torch.empty(steps + 1, dtype=torch.float64)
    state: dict = {}
    with torch.no_grad():
        paths[0], losses[0] = pos, surface.value(pos)
        for t in range(1, steps + 1):
            update(pos, surface.grad(pos), state, **hyper)
            paths[t], losses[t] = pos, surface.value(pos)
    return paths


def section_runner(ws, opts) -> dict[str, Any]:
    import numpy as np
    import torch

    from course_lib.optim import RULES, run_trajectories
    from course_lib.surfaces import Rosenbrock

    torch.set_num_threads(1)
    n, steps = (20, 20) if opts.quick else (opts.trajectories, opts.runner_steps)
    n_max = n if opts.loop_trajectories is None else max(1, min(n, opts.loop_trajectories))
    chunk = max(1, n // (2 if opts.quick else 20))
    surface = Rosenbrock()
    (x0, x1), (y0, y1) = surface.window
    rng = np.random.default_rng(0)
    starts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    rows = []
    for rule, hyper in RUNNER_RULES:
        log(f"[runner] {rule}: {n} trajectories x {steps} steps")
        runner_times, loop_time, finals = [], 0.0, []

        def run_vectorised(rule=rule, hyper=hyper, times=runner_times):
            t = time.perf_counter()
            out = run_trajectories(surface, rule, starts, steps, **hyper)
            times.append(time.perf_counter() - t)
            return out

        result = run_vectorised()
        # The loop in chunks, a runner repetition after each chunk (interleaved, so load changes cancel
        # out); it stops early, to be scaled linearly, only past --loop-trajectories or --loop-budget.
        while len(finals) < n_max:
            if loop_time >= opts.loop_budget:
                break
            t = time.perf_counter()
            for k in range(len(finals), min(len(finals) + chunk, n_max)):
                finals.append(loop_trajectory(surface, RULES[rule], starts[k], steps, hyper)[-1].numpy())
            loop_time += time.perf_counter() - t
            run_vectorised()
        n_loop = len(finals)
        scaled = n_loop < n
        loop_full = loop_time * n / n_loop
        runner_s = median(runner_times)
        ref = result.paths[:n_loop, -1]
        finite = ~result.diverged[:n_loop]
        diff = float(np.max(np.abs(np.asarray(finals)[finite] - ref[finite]))) if finite.any() else 0.0
        speedup = ratio(loop_full, runner_s)
        rows.append({"rule": rule, "hyper": hyper, "runner_seconds": runner_s, "runner_repeats": len(runner_times),
                     "loop_seconds": loop_full, "loop_trajectories_measured": n_loop, "loop_scaled": scaled,
                     "loop_measured_seconds": loop_time, "speedup": speedup,
                     "diverged": int(result.diverged.sum()), "max_abs_diff_final": diff,
                     "meets_goal": bool(speedup is not None and speedup >= GOALS["runner_speedup"])})
        log(f"[runner]   runner {runner_s:.3f} s (median of {len(runner_times)}), loop {loop_full:.1f} s"
            + (f" (measured on {n_loop} trajectories in {loop_time:.1f} s, scaled linearly)" if scaled else "")
            + f", {speedup:.0f}x, |diff| {diff:.1e}")
    return {"surface": "Rosenbrock()", "trajectories": n, "steps": steps,
            "loop": "per trajectory: surface.grad, the same RULES[rule] update, surface.value, stored path",
            "results": rows, "all_meet_goal": all(r["meets_goal"] for r in rows)}


# --- the table --------------------------------------------------------------------------------------


def fmt(x: Any, spec: str = ".2f") -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "NO"
    if isinstance(x, float):
        return format(x, spec)
    return str(x)


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    out = [f"Descent benchmark ({report['mode']}), {report['started']}",
           f"machine: {m['cpu']}, {m['logical_cores']} logical / {m['physical_cores']} physical cores, "
           f"{m['memory_gib']} GiB, Python {m['python']}, torch {m['torch']}",
           f"load average at start {m['load_average_at_start']}, at end {report.get('load_average_at_end')}", ""]
    s = report["sections"]
    if "notebooks" in s:
        r = s["notebooks"]
        out.append("## make notebooks (execute on temporary copies) and kernel peak RSS (goal < 1 GiB each)")
        if "skipped" in r:
            out.append(f"skipped: {r['skipped']}")
        else:
            out.append(f"source: {r['source']}; total wall time {r['total_seconds']:.1f} s")
            out.append(table([[x["notebook"], fmt(x["seconds"], ".1f"), fmt(x["peak_rss_mib"], ".0f"),
                               fmt(x["under_1gib"]), "ok" if x["ok"] else "FAILED: " + x["error"][:60]]
                              for x in r["notebooks"]], ["notebook", "seconds", "peak MiB", "< 1 GiB", "status"]))
        out.append("")
    for key, title in (("nbval", "strict nbval (the Makefile's command)"), ("book", "book build")):
        if key in s:
            r = s[key]
            out.append(f"## {title}")
            if "skipped" in r:
                out.append(f"skipped: {r['skipped']}")
            else:
                out.append(f"{r['seconds']:.1f} s, exit code {r['returncode']}: {r['summary'][:150]}")
                out.append(f"({r.get('on') or r.get('method')})")
                out.extend("  | " + line[:160] for line in r.get("tail", []))
            out.append("")
    if "widgets" in s:
        r = s["widgets"]
        out.append(f"## widgets: update (set, median of {r['updates_per_widget']}) vs redraw (render, median of "
                   f"{r['renders_per_widget']}); goal >= 3x and update < 100 ms")
        out.append(table([[x["widget"], x["frames"], fmt(x["build_seconds"], ".1f"), fmt(x["update_median_ms"], ".3f"),
                           fmt(x["render_median_ms"], ".1f"), fmt(x["speedup"], ".0f") + "x", fmt(x["meets_goal"])]
                          for x in r["widgets"]],
                         ["widget", "frames", "build s", "update ms", "redraw ms", "speedup", "goal"]))
        out.extend(f"note: {n['widget']}: {n['note']}" for n in r["notes"])
        out.append("")
    if "optim" in s:
        r = s["optim"]
        out.append(f"## optimizers: step() ours vs torch.optim, {r['model']} ({r['params']:,} {r['dtype']} "
                   f"params), {r['threads']} thread, median of {r['timed_steps']} interleaved steps; goal <= 1.25")
        out.append(f"torch's path: {r['torch_path']}")
        out.append(table([[x["optimizer"], fmt(x["ours_ms"]), fmt(x["torch_ms"]), fmt(x["ratio"]),
                           fmt(x["max_abs_diff"], ".1e"), fmt(x["meets_goal"])] for x in r["optimizers"]],
                         ["optimizer", "ours ms", "torch ms", "ours/torch", "max |diff|", "goal"]))
        out.append("")
    if "runner" in s:
        r = s["runner"]
        out.append(f"## run_trajectories vs a per-trajectory loop, {r['surface']}, {r['trajectories']} "
                   f"trajectories x {r['steps']} steps; goal >= 50x")
        out.append(table([[x["rule"], fmt(x["runner_seconds"], ".3f"), fmt(x["loop_seconds"], ".1f")
                           + (f" (scaled from {x['loop_trajectories_measured']})" if x["loop_scaled"] else ""),
                           fmt(x["speedup"], ".0f") + "x", fmt(x["max_abs_diff_final"], ".1e"), fmt(x["meets_goal"])]
                          for x in r["results"]], ["rule", "runner s", "loop s", "speedup", "max |diff|", "goal"]))
        out.append("")
    out.append("## goals")
    word = {True: "met   ", False: "MISSED", None: "n/a   "}
    out.extend(f"{word[g['met']]}  {g['goal']}" for g in report["goals"])
    if report["mode"] == "quick":
        out.append("(--quick sizes: the goals are not judged)")
    out.append(f"\ntotal {report['total_seconds']:.0f} s")
    return "\n".join(out)


def goals(sections: dict[str, Any], quick: bool) -> list[dict[str, Any]]:
    """Each goal met or missed; at --quick sizes the figures are not judged (``met`` is None)."""
    out = []
    nb = sections.get("notebooks", {})
    if nb.get("notebooks"):
        out.append({"goal": "every notebook's kernel peak RSS < 1 GiB", "met": nb["all_under_1gib"]})
    w = sections.get("widgets", {})
    if w.get("widgets"):
        out.append({"goal": "every widget update >= 3x faster than a redraw and < 100 ms", "met": w["all_meet_goal"]})
    o = sections.get("optim", {})
    if o.get("optimizers"):
        out.append({"goal": "every optimizer step <= 1.25x torch.optim's", "met": o["all_meet_goal"]})
    r = sections.get("runner", {})
    if r.get("results"):
        out.append({"goal": "run_trajectories >= 50x faster than a per-trajectory loop", "met": r["all_meet_goal"]})
    if quick:
        for g in out:
            g["met"] = None
    return out


# --- main --------------------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout (the table to stderr)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    parser.add_argument("--skip-notebooks", action="store_true", help="skip notebooks, nbval and book")
    parser.add_argument("--only", action="append", default=[], metavar="SECTION",
                        help=f"run only these sections (repeat or comma-separate): {', '.join(SECTIONS)}")
    parser.add_argument("--notebooks", nargs="+", type=Path, metavar="NB",
                        help="run these notebooks (as a small book) instead of the book's")
    parser.add_argument("--widgets", action="append", default=[], metavar="TEXT",
                        help="build only the widgets whose 'module.function' contains TEXT")
    parser.add_argument("--widget-updates", type=int, default=50)
    parser.add_argument("--widget-renders", type=int, default=3)
    parser.add_argument("--optim-steps", type=int, default=30)
    parser.add_argument("--optim-warmup", type=int, default=5)
    parser.add_argument("--trajectories", type=int, default=1000)
    parser.add_argument("--runner-steps", type=int, default=500)
    parser.add_argument("--loop-trajectories", type=int, default=None,
                        help="time the Python loop on at most this many trajectories, scaled linearly (default: all)")
    parser.add_argument("--loop-budget", type=float, default=60.0,
                        help="seconds per rule after which the loop stops and is scaled linearly (default 60)")
    parser.add_argument("--subprocess-timeout", type=float, default=1800.0, help="seconds, for nbval and the book")
    opts = parser.parse_args(argv)
    only = [s.strip() for item in opts.only for s in item.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {', '.join(SECTIONS)}")
    chosen = [s for s in SECTIONS if not only or s in only]
    if opts.skip_notebooks:
        chosen = [s for s in chosen if s not in NOTEBOOK_SECTIONS]
    opts.sections = chosen
    for p in opts.notebooks or []:
        if not p.is_file():
            parser.error(f"no such notebook: {p}")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse(argv)
    start = time.perf_counter()
    report: dict[str, Any] = {"mode": "quick" if opts.quick else "full",
                              "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                              "machine": machine(), "section_order": opts.sections, "sections": {}}
    ws = None
    if any(s in NOTEBOOK_SECTIONS for s in opts.sections):
        ws = Workspace([p.resolve() for p in opts.notebooks] if opts.notebooks else None, opts.quick)
    opts.ran_notebooks = "notebooks" in opts.sections
    runners = {"notebooks": section_notebooks, "nbval": section_nbval, "book": section_book,
               "widgets": section_widgets, "optim": section_optim, "runner": section_runner}
    try:
        for name in opts.sections:
            t0 = time.perf_counter()
            try:
                result = runners[name](ws, opts)
            except Exception as exc:  # one broken section must not hide the others
                result = {"error": short(exc, 1000)}
                log(f"[{name}] ERROR: {short(exc, 1000)}")
            result["section_seconds"] = time.perf_counter() - t0
            report["sections"][name] = result
    finally:
        if ws is not None:
            ws.close()
    report["goals"] = goals(report["sections"], opts.quick)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["total_seconds"] = time.perf_counter() - start
    text = render_safe(report)
    if opts.json:
        print(text, file=sys.stderr)
        print(json.dumps(report, allow_nan=False, default=str))
    else:
        print(text)
    return 0


def render_safe(report: dict[str, Any]) -> str:
    """The table; a section that errored is shown as its error instead."""
    shown = {k: v for k, v in report["sections"].items() if "error" not in v}
    errors = [f"## {k}\nERROR: {v['error']}\n" for k, v in report["sections"].items() if "error" in v]
    return render({**report, "sections": shown}) + ("\n\n" + "\n".join(errors) if errors else "")


if __name__ == "__main__":
    raise SystemExit(main())
