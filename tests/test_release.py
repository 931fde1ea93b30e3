"""The repository and the release are named once (pyproject.toml); every copy agrees, and a fork is one command."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

import course_lib
from tools import release

ROOT = Path(__file__).resolve().parents[1]


def test_install_lines_config_citation_and_package_agree_on_repository_and_release():
    repo, version = release.project(ROOT)
    assert release.problems(ROOT) == []
    assert course_lib.__version__ == version, "reinstall the package (`make env`) after changing the version"
    assert repo.startswith("https://github.com/")


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "book").mkdir(parents=True)
    for name in ("pyproject.toml", "_config.yml", "_toc.yml", "CITATION.cff"):
        shutil.copy(ROOT / name, root / name)
    for path in release.toc_notebooks(ROOT):
        shutil.copy(path, root / "book" / path.name)
    return root


def test_a_fork_rewrites_every_copy_from_the_one_place(tmp_path):
    root = _copy(tmp_path)
    release.set_repository(root, "https://github.com/someone/descent-fork")
    assert release.problems(root)  # the copies still name the old repository
    changed = release.sync(root)
    assert "_config.yml" in changed and "CITATION.cff" in changed and len(changed) >= 10
    assert release.problems(root) == []
    _, version = release.project(root)
    for path in (root / "book").glob("*.ipynb"):
        first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        assert f'RELEASE = "https://github.com/someone/descent-fork@v{version}"' in first.source
        assert release.PIP_LINE in first.source
    assert "url: https://github.com/someone/descent-fork" in (root / "_config.yml").read_text()
    assert release.sync(root) == []  # a second sync changes nothing


def test_a_notebook_installing_the_moving_main_is_reported(tmp_path):
    root = _copy(tmp_path)
    release.sync(root)
    path = sorted((root / "book").glob("*.ipynb"))[0]
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    first.source = release.RELEASE.sub('RELEASE = "https://github.com/x/y"', first.source)
    nbformat.write(nb, path)
    assert any(path.name in p and "not" in p for p in release.problems(root))


def test_an_install_cell_of_the_earlier_form_gets_its_release_line():
    old = ('import importlib.util\n\nif importlib.util.find_spec("course_lib") is None:\n'
           '    %pip install -q "course_lib @ git+https://github.com/a/b@v1.0.0"\nfrom course_lib import setup')
    new = release.install_cell_source(old, "https://github.com/a/b", "1.1.0")
    assert new.splitlines()[2:5] == ['RELEASE = "https://github.com/a/b@v1.1.0"',
                                     'if importlib.util.find_spec("course_lib") is None:',
                                     "    " + release.PIP_LINE]
    assert release.install_cell_source(new, "https://github.com/a/b", "1.1.0") == new
