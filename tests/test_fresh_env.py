"""Every chapter runs where only ``course_lib`` and its declared dependencies are installed, as on Colab.

Creates a fresh virtual environment, installs the package alone from this checkout (pinned to the
versions of requirements.txt, torch to its CPU build on this disk), and runs every notebook top to
bottom with nbclient in that environment's kernel. A chapter that imports something the package
does not declare (mlxtend for chapter 7 was one) fails here, as it would on Colab.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools.toc import toc_notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = toc_notebooks(ROOT)

pytestmark = pytest.mark.slow


def _pins() -> list[str]:
    """requirements.txt's exact pins (``name==version``), as pip constraints."""
    pins = []
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            pins.append(line)
    return pins


@pytest.fixture(scope="module")
def fresh_kernel(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fresh")
    src = tmp / "src"  # the package alone: a build in the checkout would leave build/ behind
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "course_lib", src / "course_lib", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp / "constraints.txt").write_text("\n".join(_pins()) + "\n", encoding="utf-8")
    venv = tmp / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # ipykernel: what any Jupyter (and Colab) has to run a notebook at all; everything else comes from course_lib
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "-c", str(tmp / "constraints.txt"),
                              str(src), "ipykernel"], env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-3000:]
    spec = tmp / "kernels" / "fresh"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh course_lib", "language": "python",
        "env": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "PYTHONPATH": "",
                "MPLBACKEND": "module://matplotlib_inline.backend_inline"}}))
    book = tmp / "book"  # copies: running writes nothing into the checkout
    shutil.copytree(ROOT / "book", book, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    return tmp / "kernels", book, python


def test_the_fresh_environment_has_only_the_package_and_its_dependencies(fresh_kernel):
    _, _, python = fresh_kernel
    out = subprocess.run([str(python), "-c", "import course_lib, torch, mlxtend; print(course_lib.__file__, "
                          "torch.__version__)"], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr
    where, torch_version = out.stdout.split()
    assert str(ROOT) not in where  # the installed copy, not this checkout
    assert torch_version.endswith("+cpu")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_runs_top_to_bottom_in_the_fresh_environment(fresh_kernel, notebook):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    kernels, book, _ = fresh_kernel
    path = book / notebook.relative_to(ROOT / "book")
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="fresh", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    client = NotebookClient(nb, km=km, timeout=900, resources={"metadata": {"path": str(path.parent)}},
                            allow_errors=False)
    client.execute()  # raises CellExecutionError, naming the cell, on the first error
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code" and c.source.strip())
