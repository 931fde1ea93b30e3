"""How much a reader's browser loads for one page of the website: its HTML plus the local files it references.

The build fails when a page exceeds ``BUDGET`` (10 MiB): widgets carry every frame of
every control in the page, so an over-fine grid would otherwise make a chapter slow to open.
"""

from __future__ import annotations

import re
from pathlib import Path

BUDGET = 10 * 2**20
_REF = re.compile(r'(?:src|href)="([^"#?]+)')
_LOADED = (".js", ".css", ".png", ".svg", ".woff2", ".jpg", ".gif")


def page_weight(path: Path) -> int:
    """Bytes of the page's HTML and of every local script, style, image and font it references."""
    html = path.read_text(encoding="utf-8")
    total = len(html.encode())
    for ref in set(_REF.findall(html)):
        if ref.startswith(("http:", "https:", "data:", "mailto:")) or not ref.endswith(_LOADED):
            continue
        f = (path.parent / ref).resolve()
        if f.is_file():
            total += f.stat().st_size
    return total


def weights(html_dir: Path) -> dict[str, int]:
    """Every page's weight, heaviest first."""
    pages = {str(p.relative_to(html_dir)): page_weight(p) for p in html_dir.rglob("*.html")
             if "_static" not in p.parts and "_sources" not in p.parts}
    return dict(sorted(pages.items(), key=lambda kv: -kv[1]))


def over_budget(html_dir: Path, budget: int = BUDGET) -> list[str]:
    return [f"{page}: {w / 2**20:.1f} MiB" for page, w in weights(html_dir).items() if w > budget]
