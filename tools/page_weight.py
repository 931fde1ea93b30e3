"""How much a reader's browser loads for one page of the website: its HTML plus the local files it references.

The build fails when a page exceeds ``BUDGET`` (10 MiB): widgets carry every frame of
every control in the page, so an over-fine grid would otherwise make a chapter slow to open.
The budget counts bytes on disk; :func:`page_weight_gzip` gives what a server that compresses
(gzip, level 6) sends, for the benchmark's table.
"""

from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path

BUDGET = 10 * 2**20
_REF = re.compile(r'(?:src|href)="([^"#?]+)')
_LOADED = (".js", ".css", ".png", ".svg", ".woff2", ".jpg", ".gif")


def loaded_files(path: Path) -> list[Path]:
    """The local scripts, styles, images and fonts the page references."""
    html = path.read_text(encoding="utf-8")
    out = set()
    for ref in set(_REF.findall(html)):
        if ref.startswith(("http:", "https:", "data:", "mailto:")) or not ref.endswith(_LOADED):
            continue
        f = (path.parent / ref).resolve()
        if f.is_file():
            out.add(f)
    return sorted(out)


def page_weight(path: Path) -> int:
    """Bytes of the page's HTML and of every local script, style, image and font it references."""
    return path.stat().st_size + sum(f.stat().st_size for f in loaded_files(path))


@functools.lru_cache(maxsize=512)
def _gzipped(path: Path, mtime: float) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6, mtime=0))


def page_weight_gzip(path: Path) -> int:
    """What :func:`page_weight` counts, each file gzip-compressed as a web server sends it (level 6)."""
    return sum(_gzipped(f, f.stat().st_mtime) for f in [path, *loaded_files(path)])


def weights(html_dir: Path) -> dict[str, int]:
    """Every page's weight, heaviest first."""
    pages = {str(p.relative_to(html_dir)): page_weight(p) for p in html_dir.rglob("*.html")
             if "_static" not in p.parts and "_sources" not in p.parts}
    return dict(sorted(pages.items(), key=lambda kv: -kv[1]))


def over_budget(html_dir: Path, budget: int = BUDGET) -> list[str]:
    return [f"{page}: {w / 2**20:.1f} MiB" for page, w in weights(html_dir).items() if w > budget]
