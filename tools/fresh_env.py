"""A Colab-like kernel: a virtual environment with only ``course_lib`` and its declared dependencies.

    python tools/fresh_env.py            # create or refresh it, print the kernel's name
    python tools/fresh_env.py --check    # exit 1 if it is missing or stale

On Colab (or any Jupyter) a chapter's first cell installs ``course_lib`` from git and nothing else:
whatever a chapter imports must come with that install. ``make nbval`` therefore runs every notebook
under strict nbval in this environment's kernel (``descent-colab``), not in the development
environment that also holds Jupyter Book, pytest and the other tools: one execution proves both that
the stored outputs reproduce and that the notebooks need nothing the package does not declare.

The environment (``_build/colab-venv``) gets the package from a copy of this checkout (not an editable
install), ``ipykernel`` (what any Jupyter has), and every version pinned as in ``requirements.txt``,
so torch is 2.13.0's CPU build from this machine's disk and the outputs match the development
environment's. It is rebuilt when ``requirements.txt`` or ``pyproject.toml`` change, and the package
is reinstalled (a few seconds) when any file of ``course_lib`` changes. The kernelspec is written into
the development environment's ``share/jupyter/kernels``, where its Jupyter finds it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "_build" / "colab-venv"
KERNEL_NAME = "descent-colab"
# What the kernel sees of the development environment's variables: none that would let it import from there.
_DROP = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")


def pins(root: Path = ROOT) -> list[str]:
    """``requirements.txt``'s exact pins (``name==version``), as pip constraints."""
    out = []
    for line in (root / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            out.append(line)
    return out


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(ROOT)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def env_digest() -> str:
    """Changes when the environment must be created anew (its pins or the package's dependencies)."""
    return _digest([ROOT / "requirements.txt", ROOT / "pyproject.toml"])


def package_digest() -> str:
    """Changes when the package must be reinstalled."""
    files = [p for p in (ROOT / "course_lib").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return _digest(files + [ROOT / "pyproject.toml"])


def python() -> Path:
    return VENV / "bin" / "python"


def kernel_dir() -> Path:
    return Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME


def _stamp() -> dict:
    f = VENV / "descent-stamp.json"
    return json.loads(f.read_text()) if f.exists() else {}


def stale() -> list[str]:
    """Why the environment needs work (empty when it is current)."""
    why = []
    stamp = _stamp()
    if not python().exists() or stamp.get("env") != env_digest():
        why.append("the environment is missing or its pins changed")
    elif stamp.get("package") != package_digest():
        why.append("course_lib changed since it was installed")
    if not (kernel_dir() / "kernel.json").exists():
        why.append(f"the kernelspec {KERNEL_NAME} is missing")
    return why


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _DROP}


def _pip(*args: str) -> None:
    cmd = [str(python()), "-m", "pip", "install", "--disable-pip-version-check", "-q", *args]
    result = subprocess.run(cmd, env=_clean_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"fresh_env: {' '.join(cmd)} failed:\n{result.stderr[-3000:]}")


def _install_package(constraints: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="descent-pkg-") as tmp:
        src = Path(tmp)  # the package alone: building in the checkout would leave build/ behind
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (ROOT / name).exists():
                shutil.copy(ROOT / name, src / name)
        shutil.copytree(ROOT / "course_lib", src / "course_lib", ignore=shutil.ignore_patterns("__pycache__"))
        _pip("--force-reinstall", "--no-deps", str(src))
        _pip("-c", str(constraints), str(src))  # its dependencies, should the package have gained one


def ensure() -> str:
    """Create or refresh the environment and its kernelspec; return the kernel's name."""
    stamp = _stamp()
    VENV.parent.mkdir(parents=True, exist_ok=True)
    constraints = VENV.parent / "colab-constraints.txt"
    constraints.write_text("\n".join(pins()) + "\n", encoding="utf-8")
    if not python().exists() or stamp.get("env") != env_digest():
        shutil.rmtree(VENV, ignore_errors=True)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
        print(f"fresh_env: installing course_lib and its dependencies alone into {VENV.relative_to(ROOT)}")
        _pip("-c", str(constraints), "ipykernel")
        stamp = {"env": env_digest()}
    if stamp.get("package") != package_digest():
        _install_package(constraints)
        stamp["package"] = package_digest()
    (VENV / "descent-stamp.json").write_text(json.dumps(stamp))
    spec = kernel_dir()
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python()), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Descent, course_lib alone (as on Colab)",
        "language": "python",
        "env": {"PYTHONPATH": ""},  # nothing importable from the development checkout
    }, indent=1))
    return KERNEL_NAME


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the environment is missing or stale")
    opts = parser.parse_args(argv)
    if opts.check:
        why = stale()
        for w in why:
            print(f"fresh_env: {w}")
        return 1 if why else 0
    print(ensure())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
