"""The notebooks, strict nbval and the book build, on a copy of the book in a temporary folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.core import ANSI, GOALS, MIB, PROBLEM, ROOT, SUMMARY, log, short
from tools.run_notebooks import reproducible_env

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


def local_extension_dirs(config: Path) -> list[str]:
    """The folders of the book's own Sphinx extensions (``sphinx.local_extensions`` in ``_config.yml``)."""
    import yaml

    sphinx = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("sphinx") or {}
    return sorted(set((sphinx.get("local_extensions") or {}).values()))


class Workspace:
    """A copy of the book in a temporary folder: ``<tmp>/_config.yml``, ``_toc.yml``, ``_static``, ``book/``
    and the folders of the book's local Sphinx extensions.

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
        for folder in local_extension_dirs(ROOT / "_config.yml"):
            shutil.copytree(ROOT / folder, self.root / folder, ignore=shutil.ignore_patterns("__pycache__"))
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
    env.update(reproducible_env())
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
