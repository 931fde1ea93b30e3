"""The built website's HTML, checked without a browser: launch buttons, downloads, page weight, local assets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tools.page_weight import BUDGET, over_budget, page_weight, page_weight_gzip
from tools.toc import toc_notebooks

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHAPTERS = [p.relative_to(ROOT).with_suffix("") for p in toc_notebooks(ROOT)]

_built = pytest.mark.skipif(not (HTML / "book" / "intro.html").exists(),
                                reason="the website is not built: run `make book` first (`make test` does)")


def _page(entry: Path) -> str:
    return (HTML / f"{entry}.html").read_text(encoding="utf-8")


@_built
@pytest.mark.parametrize("entry", CHAPTERS, ids=[e.name for e in CHAPTERS])
def test_chapter_pages_have_launch_and_download_buttons(entry):
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    slug = repo["url"].removeprefix("https://github.com/")
    html = _page(entry)
    assert f'href="https://mybinder.org/v2/gh/{slug}/{repo["branch"]}?urlpath=lab/tree/{entry}.ipynb"' in html
    assert f'href="https://colab.research.google.com/github/{slug}/blob/{repo["branch"]}/{entry}.ipynb"' in html
    assert "btn-download-source-button" in html
    assert (HTML / "_sources" / f"{entry}.ipynb").exists()


@_built
@pytest.mark.parametrize("entry", CHAPTERS, ids=[e.name for e in CHAPTERS])
def test_page_weight_is_within_budget(entry):
    weight = page_weight(HTML / f"{entry}.html")
    assert weight < BUDGET, f"{entry} weighs {weight / 2**20:.1f} MiB (budget {BUDGET / 2**20:.0f} MiB)"


def test_the_budget_check_reports_a_heavy_page(tmp_path):
    (tmp_path / "big.png").write_bytes(b"0" * 2048)
    (tmp_path / "page.html").write_text('<img src="big.png"><script src="https://cdn.example/x.js"></script>')
    assert page_weight(tmp_path / "page.html") > 2048
    assert over_budget(tmp_path, budget=1000) == ["page.html: 0.0 MiB"]
    assert over_budget(tmp_path, budget=10**6) == []


def test_the_gzip_weight_is_what_a_compressing_server_sends(tmp_path):
    import gzip
    import os

    (tmp_path / "a.js").write_text("var x = 1;\n" * 5000)
    noise = os.urandom(4096)
    (tmp_path / "b.png").write_bytes(noise)
    (tmp_path / "page.html").write_text('<script src="a.js"></script><img src="b.png">')
    expected = sum(len(gzip.compress((tmp_path / n).read_bytes(), compresslevel=6, mtime=0))
                   for n in ("page.html", "a.js", "b.png"))
    assert page_weight_gzip(tmp_path / "page.html") == expected
    assert page_weight_gzip(tmp_path / "page.html") < page_weight(tmp_path / "page.html")


@_built
def test_pages_use_local_mathjax_and_widget_manager_when_built_with_npm():
    if not (HTML / "_static" / "vendor").exists():
        pytest.skip("built without npm: the pages use the public CDNs")
    html = _page(CHAPTERS[0])
    assert "_static/vendor/mathjax/tex-chtml.js" in html
    assert "_static/vendor/html-manager/embed.js" in html
    assert "require.js" not in html  # the standalone widget manager needs no AMD loader
    assert "cdn.jsdelivr.net" not in html and "cdnjs.cloudflare.com" not in html


def test_the_benchmark_reports_every_page_raw_and_gzip_compressed(tmp_path):
    from bench.page_sizes import render, section_pages

    (tmp_path / "book").mkdir()
    (tmp_path / "shared.js").write_text("var shared = 1;\n" * 2000)
    for name in ("a", "b"):
        (tmp_path / "book" / f"{name}.png").write_bytes(b"\x89PNG" + bytes(range(256)) * 8)
        (tmp_path / "book" / f"{name}.html").write_text(f'<script src="../shared.js"></script><img src="{name}.png">')
    result = section_pages(tmp_path)
    rows = {r["page"]: r for r in result["pages"]}
    assert set(rows) == {"book/a.html", "book/b.html"}
    a = rows["book/a.html"]
    assert a["bytes"] == page_weight(tmp_path / "book" / "a.html")
    assert a["gzip_bytes"] == page_weight_gzip(tmp_path / "book" / "a.html") < a["bytes"]
    assert a["own_bytes"] == a["bytes"] - (tmp_path / "shared.js").stat().st_size  # the script is shared
    assert "book/a.html" in render(result) and section_pages(tmp_path / "nowhere").get("skipped")
