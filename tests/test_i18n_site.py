"""The Chinese website in _build/html/zh, as built by `make book`: same pages, links between twins,
Chinese search, shared scripts, the page budget, launch buttons to the Chinese notebooks.

Reported as skipped where the Chinese site is not built. The checks every page of both editions must
pass (accessibility, offline, widgets) are the browser tests of tests/test_browser.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tools.i18n import NOTEBOOKS
from tools.i18n.site import EN_ROOT, ZH_ROOT
from tools.page_weight import BUDGET, loaded_files, page_weight
from tools.toc import toc_entries

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
ZH = HTML / "zh"
PAGES = [f"{entry}.html" for entry in toc_entries(ROOT)]
CHAPTERS = [p for p in PAGES if (ROOT / p.replace(".html", ".ipynb")).exists()]

pytestmark = pytest.mark.skipif(not (ZH / "book" / "intro.html").exists(),
                                reason="the Chinese website is not built: run `make book` first (`make test` does)")

_SWITCH = re.compile(r'<a class="btn btn-sm descent-language" href="([^"]+)" hreflang="([^"]+)"\s+lang="([^"]+)"')


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES + ["search.html", "genindex.html"])
def test_every_page_has_a_chinese_twin_that_says_zh_cn_and_links_back(page):
    zh = _read(ZH / page)
    assert '<html lang="zh-CN"' in zh
    m = _SWITCH.search(zh)
    assert m, f"zh/{page}: no link to the English page"
    href, hreflang, lang = m.groups()
    assert (hreflang, lang) == ("en", "en")
    assert ((ZH / page).parent / href).resolve() == (HTML / page).resolve()
    assert f'<link rel="alternate" hreflang="en" href="{href}" />' in zh


@pytest.mark.parametrize("page", PAGES)
def test_every_english_page_links_to_its_chinese_twin(page):
    en = _read(HTML / page)
    m = _SWITCH.search(en)
    assert m, f"{page}: no link to the Chinese page (tools/build_book.py loads it: build_config(languages=True))"
    href, hreflang, lang = m.groups()
    assert (hreflang, lang) == ("zh-CN", "zh-CN") and href.endswith(f"{ZH_ROOT}{page}")
    assert ((HTML / page).parent / href).resolve() == (ZH / page).resolve()


def test_the_chinese_pages_share_the_english_sites_scripts():
    """MathJax and the widget manager exist once, in _build/html/_static/vendor; the Chinese pages load them."""
    page = ZH / CHAPTERS[0]
    files = loaded_files(page)
    vendor = HTML / "_static" / "vendor"
    shared = [f for f in files if f.is_relative_to(vendor)]
    if not vendor.exists():
        pytest.skip("built without npm: the pages use the public CDNs")
    assert any(f.name == "tex-chtml.js" for f in shared) and any(f.name == "embed.js" for f in shared)
    assert not any((ZH / "_static" / "vendor" / name).exists() for name in ("mathjax", "html-manager"))
    assert f'src="../_static/../{EN_ROOT}_static/vendor/mathjax/tex-chtml.js"' in _read(page)


@pytest.mark.parametrize("page", CHAPTERS)
def test_chinese_pages_are_within_the_budget(page):
    weight = page_weight(ZH / page)
    assert weight < BUDGET, f"zh/{page} weighs {weight / 2**20:.1f} MiB (budget {BUDGET / 2**20:.0f} MiB)"


@pytest.mark.parametrize("page", CHAPTERS)
def test_launch_buttons_open_the_chinese_notebooks(page):
    repo = yaml.safe_load(_read(ROOT / "_config.yml"))["repository"]
    slug = repo["url"].removeprefix("https://github.com/")
    notebook = f"{NOTEBOOKS.relative_to(ROOT)}/{page.replace('.html', '.ipynb')}"
    zh = _read(ZH / page)
    assert f'href="https://colab.research.google.com/github/{slug}/blob/{repo["branch"]}/{notebook}"' in zh
    assert f"urlpath=lab/tree/{notebook}" in zh


def test_the_chinese_search_index_has_chinese_words_and_the_glossarys_terms():
    text = _read(ZH / "searchindex.js")
    index = json.loads(text[text.index("(") + 1: text.rindex(")")])
    chinese = {t for t in index["terms"] if re.search(r"[\u4e00-\u9fff]", t)}
    assert len(chinese) > 50
    assert {"反向传播", "偏差修正", "二分类交叉熵"} <= chinese, "jieba's dictionary has the glossary's terms"


def test_search_in_chinese_finds_pages_and_the_link_lands_on_the_same_page():
    from tests.browser import browser, chromium_missing, serve, watch

    if chromium_missing():
        pytest.skip(chromium_missing())
    with serve(HTML) as base, browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900})
        log = watch(page, base)
        page.goto(f"{base}/zh/search.html?q=反向传播", wait_until="load")
        page.wait_for_selector("#search-results li", timeout=20000)
        assert page.locator("#search-results li").count() >= 1
        page.goto(f"{base}/zh/book/04_ema.html", wait_until="load")
        page.locator("a.descent-language").first.click()
        page.wait_for_load_state("load")
        assert page.url == f"{base}/book/04_ema.html" and page.evaluate("document.documentElement.lang") == "en"
        assert log.outside == [] and log.console_errors == []
        page.close()
