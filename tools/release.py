"""The course's repository and release, named in one place (pyproject.toml), copied everywhere else.

    python tools/release.py check                    # do the copies agree with pyproject.toml?
    python tools/release.py sync                     # rewrite the copies from pyproject.toml
    python tools/release.py sync --repo URL          # a fork: set the repository, then rewrite the copies
    python tools/release.py tag                      # check, then create the git tag v<version>

The one place: ``[project] version`` and ``[project.urls] Repository`` in ``pyproject.toml``.
The copies: the ``RELEASE = "<repo>@v<version>"`` line of the install cell, the first code cell of every
chapter, whose ``%pip install -q "course_lib @ git+{RELEASE}"`` installs the checks of the release the
notebook belongs to on Colab and Binder (IPython expands ``{RELEASE}``; the name keeps the pip line within
the 79 columns the website shows), ``repository.url``
in ``_config.yml`` (launch and repository buttons), and ``version`` / ``repository-code`` in
``CITATION.cff``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.toc import toc_notebooks  # noqa: E402

#: the line of the install cell that names the repository and the release
RELEASE = re.compile(r'^RELEASE = "(?P<url>[^"@]+?)(@(?P<ref>[^"]+))?"$', re.M)
#: the pip line that installs from it
PIP_LINE = '%pip install -q "course_lib @ git+{RELEASE}"'
#: an install line that names the repository itself (the cell's earlier form): ``sync`` rewrites it
INSTALL = re.compile(r'^(?P<indent>[ \t]*)%pip install -q "course_lib(?P<extras>\[[^\]]*\])? @ '
                     r'git\+(?P<url>[^"@{]+?)(@(?P<ref>[^"]+))?"$', re.M)


def project(root: Path = ROOT) -> tuple[str, str]:
    """(repository URL, version) from pyproject.toml."""
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return meta["urls"]["Repository"].rstrip("/"), meta["version"]


def release_line(repo: str, version: str) -> str:
    return f'RELEASE = "{repo}@v{version}"'


def install_cell_source(source: str, repo: str, version: str) -> str:
    """The install cell with its ``RELEASE`` line naming ``repo`` at ``v<version>`` (an earlier cell that
    named the repository in the pip line itself gets the ``RELEASE`` line above its ``if``)."""
    if RELEASE.search(source):
        return RELEASE.sub(release_line(repo, version), source, count=1)
    m = INSTALL.search(source)
    if m is None:
        return source
    source = INSTALL.sub(lambda m: m.group("indent") + PIP_LINE, source, count=1)
    lines = source.splitlines()
    at = next((i for i, ln in enumerate(lines) if ln.startswith("if ") and "course_lib" in ln), None)
    if at is None:
        return source
    return "\n".join(lines[:at] + [release_line(repo, version)] + lines[at:])


def _notebooks(root: Path) -> list[Path]:
    return toc_notebooks(root)


def problems(root: Path = ROOT) -> list[str]:
    """Every copy that disagrees with pyproject.toml."""
    repo, version = project(root)
    out = []
    for path in _notebooks(root):
        nb = nbformat.read(path, as_version=4)
        code = next((c for c in nb.cells if c.cell_type == "code"), None)
        m = RELEASE.search(code.source) if code is not None else None
        if m is None or PIP_LINE not in code.source:
            out.append(f"{path.name}: the first code cell has no `{release_line('<repo>', '<version>')}` line "
                       f"with `{PIP_LINE}` under it")
        elif m.group("url").rstrip("/") != repo or m.group("ref") != f"v{version}":
            out.append(f"{path.name}: installs {m.group('url')}@{m.group('ref')}, not {repo}@v{version}")
    config = (root / "_config.yml").read_text(encoding="utf-8")
    m = re.search(r"^repository:\s*\n\s+url:\s*(\S+)", config, re.M)
    if m is None or m.group(1).rstrip("/") != repo:
        out.append(f"_config.yml: repository.url is {m.group(1) if m else 'missing'}, not {repo}")
    citation = (root / "CITATION.cff").read_text(encoding="utf-8")
    if not re.search(rf"^version:\s*\"?{re.escape(version)}\"?\s*$", citation, re.M):
        out.append(f"CITATION.cff: version is not {version}")
    if not re.search(rf"^repository-code:\s*\"?{re.escape(repo)}\"?\s*$", citation, re.M):
        out.append(f"CITATION.cff: repository-code is not {repo}")
    return out


def set_repository(root: Path, repo: str) -> None:
    path = root / "pyproject.toml"
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(r'^(Repository\s*=\s*)"[^"]*"', rf'\g<1>"{repo}"', text, flags=re.M)
    if n != 1:
        raise SystemExit("pyproject.toml has no [project.urls] Repository = \"…\" line")
    path.write_text(new, encoding="utf-8")


def sync(root: Path = ROOT) -> list[str]:
    """Rewrite every copy from pyproject.toml; return the files changed."""
    repo, version = project(root)
    changed = []
    for path in _notebooks(root):
        nb = nbformat.read(path, as_version=4)
        code = next((c for c in nb.cells if c.cell_type == "code"), None)
        if code is None:
            continue
        new = install_cell_source(code.source, repo, version)
        if new != code.source:
            code.source = new
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                nbformat.write(nb, fh)
            changed.append(path.name)
    for name, pattern, value in (
        ("_config.yml", r"^(repository:\s*\n\s+url:\s*)\S+", repo),
        ("CITATION.cff", r"^(version:\s*)\S+", f'"{version}"'),
        ("CITATION.cff", r"^(repository-code:\s*)\S+", f'"{repo}"'),
    ):
        path = root / name
        text = path.read_text(encoding="utf-8")
        new = re.sub(pattern, lambda m, value=value: m.group(1) + value, text, count=1, flags=re.M)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(name)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("check", "sync", "tag"))
    parser.add_argument("--repo", help="with sync: the repository URL of a fork, e.g. https://github.com/me/descent")
    args = parser.parse_args(argv)
    if args.command == "sync":
        if args.repo:
            set_repository(ROOT, args.repo.rstrip("/"))
        changed = sync(ROOT)
        print("updated: " + (", ".join(changed) if changed else "nothing (all copies agree)"))
        return 0
    found = problems(ROOT)
    for p in found:
        print(p)
    if found:
        print("run `python tools/release.py sync` (or `make fork REPO=…`)")
        return 1
    repo, version = project(ROOT)
    print(f"the notebooks, _config.yml and CITATION.cff name {repo} at v{version}")
    if args.command == "tag":
        return subprocess.call(["git", "tag", "-a", f"v{version}", "-m", f"Descent {version}"], cwd=ROOT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
