"""Build the website into _build/html with warnings as errors.

    python tools/build_book.py

Runs ``jupyter-book build . -W -n --keep-going`` (execution is off: the book shows
the outputs committed in the notebooks). MathJax, the widget manager and the
theme's icons are served from the site itself when npm can install them (see
tools/vendor_assets.py); otherwise the pages use the public CDNs. Then the Chinese
edition is built into _build/html/zh from the same sources and the catalogs in
locales/ (tools/i18n/site.py); every page links to its twin in the other language.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.page_weight import BUDGET, over_budget, page_weight_gzip, weights  # noqa: E402
from tools.vendor_assets import STATIC, fontawesome_subset, vendor, widget_fonts  # noqa: E402

HTML = ROOT / "_build" / "html"


def build_config(languages: bool = False) -> Path:
    """_config.yml, plus the local-asset settings when they could be installed, plus (``languages``) the
    link from every page to its Chinese twin (tools/i18n/site.py)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    local = vendor()
    if local is None:
        print("npm is missing or failed: the website will load MathJax and the widget manager from public CDNs")
        if not languages:
            return ROOT / "_config.yml"
    else:
        config.setdefault("sphinx", {}).setdefault("config", {}).update(local)
    for name, path in config["sphinx"].get("local_extensions", {}).items():  # relative to the config's folder
        config["sphinx"]["local_extensions"][name] = str((ROOT / path).resolve())
    if languages:
        from tools.i18n.site import english_config

        config = english_config(config)
    out = ROOT / "_build" / "vendor" / ("_config.languages.yml" if languages else "_config.yml")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out


def local_assets(config: Path) -> bool:
    """Whether a configuration from :func:`build_config` serves the scripts from the site itself."""
    settings = (yaml.safe_load(config.read_text(encoding="utf-8")).get("sphinx") or {}).get("config") or {}
    return "nb_ipywidgets_js" in settings


def main() -> int:
    config = build_config(languages=True)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--config", str(config), "-W", "-n", "--keep-going"]
    print("+", " ".join(cmd), flush=True)
    code = subprocess.call(cmd, cwd=ROOT)
    if code == 0:
        postprocess(HTML, local=local_assets(config))
        heavy = weights(HTML)
        page, weight = next(iter(heavy.items()))
        print(f"heaviest page: {page}, {weight / 2**20:.2f} MiB (budget {BUDGET / 2**20:.0f} MiB; "
              f"{page_weight_gzip(HTML / page) / 2**20:.2f} MiB gzip-compressed)")
        too_heavy = over_budget(HTML)
        if too_heavy:
            print("pages over the budget:", "; ".join(too_heavy))
            return 1
        from tools.i18n.site import build as build_chinese

        code = build_chinese(config)
    return code


def postprocess(html: Path, local: bool, *, vendor: bool = True) -> None:
    """The fixes the site needs after Sphinx has written it.

    - The course's own ``_static`` files are copied over the site's (Sphinx skips the copy when no page
      is out of date, so a CSS-only change would not reach the site).
    - sphinx-thebe's inline configuration is included twice, which makes the browser log
      "Identifier 'THEBE_JS_URL' has already been declared": keep the first copy.
    - MathJax and the widget manager are copied into ``_static/vendor``.
    - The widget manager asks for its icon fonts at ``@jupyter-widgets/html-manager/dist/``
      relative to the page: with local assets, put them there.
    - The theme's Font Awesome script holds every icon (1.5 MB on every page): with local assets,
      it is replaced by Font Awesome's core and the icons the pages name (:func:`used_icons`).
    """
    # Sphinx copies _static only when it writes a page: after a change to the course's own CSS or JS alone,
    # an incremental build ("no targets are out of date") would keep the old copy
    for own in (ROOT / "_static").iterdir():
        if own.is_file() and (html / "_static").is_dir():
            shutil.copy(own, html / "_static" / own.name)
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        lines = text.split("\n")
        seen, kept = False, []
        for line in lines:
            if "const THEBE_JS_URL" in line:
                if seen:
                    continue
                seen = True
            kept.append(line)
        if len(kept) != len(lines):
            page.write_text("\n".join(kept), encoding="utf-8")
    if local:
        if vendor:  # the Chinese site uses the English site's copy
            shutil.copytree(STATIC / "vendor", html / "_static" / "vendor", dirs_exist_ok=True)
        for folder in {p.parent for p in html.rglob("*.html")}:
            target = folder / "@jupyter-widgets" / "html-manager" / "dist"
            target.mkdir(parents=True, exist_ok=True)
            for font in widget_fonts():
                shutil.copy(font, target / font.name)
        script = html / "_static" / "scripts" / "fontawesome.js"
        subset, names = fontawesome_subset(used_icons(html))
        script.write_text(subset, encoding="utf-8")
        script.with_name("fontawesome.js.map").unlink(missing_ok=True)
        print(f"Font Awesome: {len(names)} icons ({', '.join(sorted(names))}), {len(subset) / 1024:.0f} KiB")


_ICON_CLASS = re.compile(r"\bfa-([a-z0-9-]+)")


def used_icons(html: Path) -> set[str]:
    """Every ``fa-NAME`` class named by a page or by the site's own scripts (the theme adds some at run time)."""
    names: set[str] = set()
    files = [p for p in html.rglob("*.html") if "vendor" not in p.parts]
    files += [p for p in (html / "_static").rglob("*.js") if "vendor" not in p.parts and p.name != "fontawesome.js"]
    for f in files:
        names.update(_ICON_CLASS.findall(f.read_text(encoding="utf-8", errors="replace")))
    return names


if __name__ == "__main__":
    raise SystemExit(main())
