"""The Colab-like environment that strict nbval runs the chapters in has only ``course_lib`` and its
declared dependencies (``tools/fresh_env.py``; ``make nbval`` uses its kernel).

A chapter that imports something the package does not declare (mlxtend for chapter 7 was one) fails
under nbval there, as it would on Colab. These tests check that the environment is what it claims:
the installed package (not this checkout), torch's CPU build, none of the development tools.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tools import fresh_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kernel():
    fresh_env.ensure()  # a no-op when `make nbval` already made it and nothing changed
    return fresh_env.python()


def test_the_environment_is_current_after_ensure(kernel):
    assert fresh_env.stale() == []
    spec = json.loads((fresh_env.kernel_dir() / "kernel.json").read_text())
    assert spec["argv"][0] == str(kernel)


def test_it_has_the_installed_package_and_torch_cpu(kernel):
    out = subprocess.run([str(kernel), "-c", "import course_lib, torch, mlxtend, ipykernel; "
                          "print(course_lib.__file__, torch.__version__)"],
                         capture_output=True, text=True, cwd="/", env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    where, torch_version = out.stdout.split()
    assert str(fresh_env.ROOT / "course_lib") not in where  # the installed copy, not this checkout
    assert torch_version.endswith("+cpu")


@pytest.mark.parametrize("tool", ["jupyter_book", "pytest", "nbval", "sphinx", "playwright", "ruff"])
def test_it_lacks_the_development_tools(kernel, tool):
    out = subprocess.run([str(kernel), "-c", f"import importlib.util; print(importlib.util.find_spec({tool!r}))"],
                         capture_output=True, text=True, cwd="/", env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "None"


def test_a_change_to_the_package_makes_it_stale(kernel, monkeypatch):
    monkeypatch.setattr(fresh_env, "package_digest", lambda: "changed")
    assert fresh_env.stale() == ["course_lib changed since it was installed"]
