"""The built website's HTML, checked without a browser: launch buttons, downloads, page weight, local assets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tools.toc import toc_notebooks

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHAPTERS = [p.relative_to(ROOT).with_suffix("") for p in toc_notebooks(ROOT)]
PAGE_BUDGET = 10 * 2**20

pytestmark = pytest.mark.skipif(not (HTML / "book" / "intro.html").exists(),
                                reason="the website is not built: run `make book` first (`make test` does)")


def _page(entry: Path) -> str:
    return (HTML / f"{entry}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("entry", CHAPTERS, ids=[e.name for e in CHAPTERS])
def test_chapter_pages_have_launch_and_download_buttons(entry):
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    slug = repo["url"].removeprefix("https://github.com/")
    html = _page(entry)
    assert f'href="https://mybinder.org/v2/gh/{slug}/{repo["branch"]}?urlpath=lab/tree/{entry}.ipynb"' in html
    assert f'href="https://colab.research.google.com/github/{slug}/blob/{repo["branch"]}/{entry}.ipynb"' in html
    assert "btn-download-source-button" in html
    assert (HTML / "_sources" / f"{entry}.ipynb").exists()


def page_weight(path: Path) -> int:
    """The page's HTML plus every local script, style, image and font it references."""
    html = path.read_text(encoding="utf-8")
    total = len(html.encode())
    for ref in set(re.findall(r'(?:src|href)="([^"#?]+)', html)):
        if ref.startswith(("http:", "https:", "data:", "mailto:")):
            continue
        if not ref.endswith((".js", ".css", ".png", ".svg", ".woff2", ".jpg", ".gif")):
            continue
        f = (path.parent / ref).resolve()
        if f.is_file():
            total += f.stat().st_size
    return total


@pytest.mark.parametrize("entry", CHAPTERS, ids=[e.name for e in CHAPTERS])
def test_page_weight_is_within_budget(entry):
    weight = page_weight(HTML / f"{entry}.html")
    assert weight < PAGE_BUDGET, f"{entry} weighs {weight / 2**20:.1f} MiB (budget {PAGE_BUDGET / 2**20:.0f} MiB)"


def test_pages_use_local_mathjax_and_widget_manager_when_built_with_npm():
    if not (HTML / "_static" / "vendor").exists():
        pytest.skip("built without npm: the pages use the public CDNs")
    html = _page(CHAPTERS[0])
    assert "_static/vendor/mathjax/tex-chtml.js" in html
    assert "_static/vendor/html-manager/embed-amd.js" in html
    assert "cdn.jsdelivr.net" not in html and "cdnjs.cloudflare.com" not in html
