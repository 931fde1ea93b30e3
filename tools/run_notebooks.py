"""Re-execute the book's notebooks in place: the one way outputs get into the repository.

    python tools/run_notebooks.py            # every notebook, in _toc.yml order
    python tools/run_notebooks.py book/05_momentum.ipynb   # just these

Each notebook runs in a fresh kernel started in its own folder, with one thread
(OMP_NUM_THREADS=1) and PYTHONHASHSEED=0; widget state is stored in the notebook
so the website can show the widgets; then everything that would differ between
two runs is normalised: widget model ids (random UUIDs) are renamed from the
notebook's name and their order, cell ids are numbered, the kernel spec is
``python3`` and volatile metadata (timings, interpreter patch version) is dropped.
Executing twice gives byte-identical files.

It fails (exit status 1, the notebook not written) when an official solution does not pass its
check: a cell tagged ``check`` must print ``✓`` and no ``✗``, and every exercise the registry
(``course_lib.checks.registry``) marks as checked must be followed by such a cell.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import sys
import time
import uuid
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.toc import toc_notebooks  # noqa: E402

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_UUID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def reproducible_env() -> dict[str, str]:
    """The variables that make a kernel's numbers the same on every run and every x86-64 machine.

    One thread (torch's results change with the thread count), a fixed hash seed, and the same
    floating-point code paths whatever the processor: MKL's conditional numerical reproducibility
    (``MKL_CBWR=COMPATIBLE``: the same BLAS results on Intel and AMD processors) and ATen's AVX2
    kernels (``ATEN_CPU_CAPABILITY=avx2``, and oneDNN's: AVX-512 kernels sum in another order). Without the last
    two, float32 training in chapters 7 and 8 printed other digits on an Intel Xeon than on the AMD
    EPYC the notebooks were executed on. The Makefile exports the same values.
    """
    env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "MKL_CBWR": "COMPATIBLE"}
    if platform.machine().lower() in ("x86_64", "amd64"):
        env["ATEN_CPU_CAPABILITY"] = "avx2"
        env["ONEDNN_MAX_CPU_ISA"] = "AVX2"  # oneDNN (mkldnn) kernels, where torch uses them
    return env


def kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(reproducible_env())
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


@contextlib.contextmanager
def kernel_environment():
    """Kernels started inside this block get :func:`kernel_env` (they inherit the parent's environment)."""
    old_env = dict(os.environ)
    os.environ.update(kernel_env())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(old_env)


def normalise(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Rename everything random or machine-specific so that two runs give the same bytes."""
    nb.metadata.kernelspec = dict(KERNELSPEC)
    nb.metadata.language_info = {"name": "python", "pygments_lexer": "ipython3"}
    for key in ("widgets", "toc", "vscode", "colab", "jupytext"):
        if key == "widgets":
            continue
        nb.metadata.pop(key, None)
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:03d}"
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        cell.metadata.pop("scrolled", None)
    widgets = nb.metadata.get("widgets", {}).get(WIDGET_STATE)
    if not widgets or not widgets.get("state"):
        nb.metadata.pop("widgets", None)
        return nb
    text = nbformat.writes(nb)
    mapping = {}
    for i, old in enumerate(widgets["state"]):
        mapping[old] = uuid.uuid5(uuid.NAMESPACE_URL, f"descent/{name}/{i}").hex
    text = _UUID.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
    return nbformat.reads(text, as_version=4)


class OfficialSolutionFails(RuntimeError):
    """An official solution does not pass its own check (or a checked exercise has no check cell)."""


def solution_problems(nb: nbformat.NotebookNode, name: str = "") -> list[str]:
    """What is wrong with an executed notebook's exercises: a check cell that does not print ``✓`` alone,
    or an exercise the registry marks as checked with no check cell after it."""
    from course_lib.checks.registry import EXERCISES

    problems, label, seen_check = [], None, True

    def close():
        if label is not None and not seen_check and label in EXERCISES and EXERCISES[label].checked:
            problems.append(f"{name}: exercise {label} has an automatic check but no cell tagged 'check' runs it")

    for i, cell in enumerate(nb.cells):
        tags = set(cell.metadata.get("tags", []))
        if "exercise" in tags and cell.cell_type == "markdown":
            close()
            label, seen_check = cell.metadata.get("exercise", {}).get("label"), False
        if "check" in tags and cell.cell_type == "code":
            seen_check = True
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
            if "✓" not in text or "✗" in text:
                shown = " / ".join(ln for ln in text.splitlines() if ln.strip()) or "nothing"
                problems.append(f"{name} cell {i} (exercise {label}): the official solution does not pass its "
                                f"check, which printed: {shown}")
    close()
    return problems


class ErrorOutput(RuntimeError):
    """A cell stored an error without failing: e.g. a figure whose rendering raised (a mathtext error)."""


def error_outputs(nb: nbformat.NotebookNode, name: str = "") -> list[str]:
    """Error outputs of an executed notebook. A failing display formatter (a figure that cannot be drawn)
    leaves one behind while the cell itself succeeds, so the kernel reports no error."""
    return [f"{name} cell {i}: {out.get('ename')}: {str(out.get('evalue', '')).strip()[:200]}"
            for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for out in cell.get("outputs", []) if out.get("output_type") == "error"]


def execute(path: Path, timeout: int = 900) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata.kernelspec = dict(KERNELSPEC)
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        record_timing=False,
        # ipykernel splits a cell's prints into messages at timer-dependent places: merge them (and
        # resolve carriage returns, e.g. of a progress bar) so that two runs store the same outputs
        coalesce_streams=True,
        allow_errors=False,
    )
    with kernel_environment():
        client.execute()
    elapsed = time.perf_counter() - start
    errors = error_outputs(nb, path.name)
    if errors:  # the notebook is not written: the repository keeps its last good outputs
        raise ErrorOutput("\n".join(errors))
    problems = solution_problems(nb, path.name)
    if problems:
        raise OfficialSolutionFails("\n".join(problems))
    nb = normalise(nb, path.stem)
    nbformat.validate(nb)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        nbformat.write(nb, fh)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in _toc.yml")
    args = parser.parse_args(argv)
    paths = args.notebooks or toc_notebooks(ROOT)
    total = 0.0
    for path in paths:
        path = Path(path).resolve()
        try:
            seconds = execute(path)
        except (OfficialSolutionFails, ErrorOutput) as err:
            print(f"FAILED {path.name}: not written\n{err}", file=sys.stderr, flush=True)
            return 1
        total += seconds
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"executed {shown} in {seconds:.1f} s", flush=True)
    print(f"{len(paths)} notebook(s) in {total:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
