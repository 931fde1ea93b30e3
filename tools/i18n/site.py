"""The Chinese website: the same book built with ``language: zh_CN`` into ``_build/html/zh``.

Every page keeps its path (``book/04_ema.html`` ↔ ``zh/book/04_ema.html``) and links to its twin
(``descent_languages``). The Chinese pages load the shared scripts (MathJax, the widget manager) from
the English site's ``_static/vendor`` (one copy, cached once by a reader who switches language); the
rest of ``_static`` is the Chinese build's own (the theme's strings, the Chinese search index).
Search uses Sphinx's Chinese support, which segments words with jieba; the glossary's Chinese terms
are added to jieba's dictionary so that 学习率 or 反向传播 is one search word.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tools.i18n import LANGUAGE, NOTEBOOKS, ROOT, edition
from tools.i18n.catalogs import book_config, jupyter_book

HTML = ROOT / "_build" / "html"
ZH = HTML / "zh"
BUILD = ROOT / "_build" / "zh"
#: the Chinese edition's folder inside the English site, and the way back
ZH_ROOT, EN_ROOT = "zh/", "../"


def english_twin() -> dict:
    """``descent_twin`` for the English build: the link to the Chinese page."""
    e = edition()
    return {"root": ZH_ROOT, "lang": e["html_lang"], **e["link_from_english"]}


def english_config(config: dict) -> dict:
    """The English build's configuration (a dict of ``_config.yml``) with the language link added."""
    sphinx = config.setdefault("sphinx", {})
    local = sphinx.get("local_extensions") or {}
    local["descent_languages"] = str(ROOT / "tools" / "i18n")
    sphinx["local_extensions"] = local
    (sphinx.setdefault("config", {}) or {})["descent_twin"] = english_twin()
    return config


def _shared(path: str) -> str:
    """A file of the English site's ``_static``, as seen from the Chinese site's ``_static``."""
    return f"../../_static/{path}"


def jieba_dictionary(out: Path) -> Path:
    """The glossary's Chinese terms as a jieba user dictionary (one word a line, a high frequency)."""
    from tools.i18n.glossary import chinese_terms

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(f"{t} 20000 n\n" for t in sorted(chinese_terms()) if " " not in t), encoding="utf-8")
    return out


def zh_config(base: Path | None = None) -> dict:
    """The Chinese build's configuration: ``base`` (the English build's, with local assets) in Chinese."""
    e = edition()
    config = book_config(base=base)
    config["title"] = e["title"]
    # the launch buttons open the Chinese notebooks (`make translations` writes them)
    config.setdefault("repository", {})["path_to_book"] = str(NOTEBOOKS.relative_to(ROOT))
    settings = config["sphinx"]["config"]
    settings.update(
        language=LANGUAGE,
        locale_dirs=[str(ROOT / "locales")],
        descent_twin={"root": EN_ROOT, "lang": "en", **e["link_to_english"]},
        descent_search_placeholder=e["search_placeholder"],
        html_search_options={"dict": str(jieba_dictionary(BUILD / "jieba.txt"))},
    )
    if "mathjax_path" in settings and "://" not in settings["mathjax_path"]:
        settings["mathjax_path"] = _shared(settings["mathjax_path"])
    widgets = settings.get("nb_ipywidgets_js")
    if widgets:
        settings["nb_ipywidgets_js"] = {(k if "://" in k else _shared(k)): v for k, v in widgets.items()}
    return config


def build(base: Path | None = None) -> int:
    """Build the Chinese website and put it in ``_build/html/zh``; returns the build's exit status."""
    from tools.build_book import build_config, local_assets

    base = base or build_config(languages=True)
    local = local_assets(base)
    BUILD.mkdir(parents=True, exist_ok=True)
    config = BUILD / "_config.yml"
    config.write_text(yaml.safe_dump(zh_config(base), sort_keys=False, allow_unicode=True), encoding="utf-8")
    cmd = [jupyter_book(), "build", str(ROOT), "--config", str(config), "--path-output", str(BUILD),
           "-W", "-n", "--keep-going"]
    print("+", " ".join(cmd), flush=True)
    code = subprocess.call(cmd, cwd=ROOT)
    if code != 0:
        return code
    if ZH.exists():
        shutil.rmtree(ZH)
    shutil.copytree(BUILD / "_build" / "html", ZH)
    postprocess(ZH, local)
    return check_budget(ZH)


def postprocess(zh: Path, local: bool) -> None:
    """What :func:`tools.build_book.postprocess` does for a site, less the copy of the shared scripts.

    Also: the page's "download" button offers the Chinese notebook where `make translations` wrote one.
    """
    from tools.build_book import postprocess as site_postprocess

    site_postprocess(zh, local, vendor=False)
    for source in (zh / "_sources").rglob("*.ipynb"):
        chinese = NOTEBOOKS / source.relative_to(zh / "_sources")
        if chinese.exists():
            shutil.copy(chinese, source)


def check_budget(site: Path) -> int:
    from tools.page_weight import BUDGET, over_budget, weights

    heavy = weights(site)
    if heavy:
        page, weight = next(iter(heavy.items()))
        print(f"Chinese edition: heaviest page {page}, {weight / 2**20:.2f} MiB (budget {BUDGET / 2**20:.0f} MiB)")
    too_heavy = over_budget(site)
    if too_heavy:
        print("pages over the budget:", "; ".join(too_heavy))
        return 1
    return 0


_LANG = re.compile(r'<html lang="([^"]+)"')


def html_lang(page: Path) -> str | None:
    m = _LANG.search(page.read_text(encoding="utf-8"))
    return m.group(1) if m else None
