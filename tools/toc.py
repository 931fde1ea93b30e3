"""Read the book's table of contents."""

from __future__ import annotations

from pathlib import Path

import yaml


def _files(node) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        if "file" in node:
            out.append(node["file"])
        for key in ("root", ):
            if key in node:
                out.append(node[key])
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                out.extend(_files(child))
    elif isinstance(node, list):
        for child in node:
            out.extend(_files(child))
    return out


def toc_entries(root: Path) -> list[str]:
    """Every document named in ``_toc.yml``, root first, in reading order, without suffix."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    return [str(Path(f).with_suffix("")) if Path(f).suffix in (".ipynb", ".md") else f for f in _files(toc)]


def toc_notebooks(root: Path) -> list[Path]:
    """The notebooks of the book in ``_toc.yml`` order (entries with an ``.ipynb`` file)."""
    out = []
    for entry in toc_entries(root):
        nb = root / f"{entry}.ipynb"
        if nb.exists():
            out.append(nb)
    return out
