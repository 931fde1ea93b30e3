"""Serve the website's JavaScript from the site itself: MathJax, the widget manager, icons.

Jupyter Book loads these from public CDNs by default. At build time this installs
them from the npm registry into ``_build/vendor/`` (not committed) and returns the
Sphinx settings that make every page load them from ``_static/vendor/`` instead (the
files are copied there after the build: in ``html_static_path`` Jupyter Book would add
every one of MathJax's scripts to every page),
so the built book works offline and where the CDNs are blocked. Without npm it
returns ``None`` and the build keeps the CDNs (the caller says so in one line).

Two more packages come along: axe-core, which the browser tests inject into every page to
check accessibility (it is not copied into the site), and Font Awesome, whose core and the
few icons the pages use replace the theme's 1.5 MB script of every icon
(:func:`fontawesome_subset`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "_build" / "vendor"
STATIC = VENDOR / "static"
PACKAGES = {"mathjax": "3.2.2", "@jupyter-widgets/html-manager": "1.0.6",
            "axe-core": "4.14.1", "@fortawesome/fontawesome-free": "6.5.2"}
#: axe-core's script, for the browser tests (``None`` where it is not installed)
AXE = VENDOR / "node_modules" / "axe-core" / "axe.min.js"
#: Font Awesome as the theme bundles it (pydata-sphinx-theme 0.17 ships Font Awesome Free 6.5.2)
FONTAWESOME = VENDOR / "node_modules" / "@fortawesome" / "fontawesome-free" / "js"
WIDGET_FONTS = ("woff2", "woff", "ttf", "eot", "svg")


def _installed() -> bool:
    lock = VENDOR / "installed.json"
    return lock.exists() and json.loads(lock.read_text()) == PACKAGES and (STATIC / "vendor").exists()


def vendor() -> dict | None:
    """Install the assets (once) and return the Sphinx config that points pages at them, or None."""
    if not _installed():
        npm = shutil.which("npm")
        if npm is None:
            return None
        VENDOR.mkdir(parents=True, exist_ok=True)
        (VENDOR / "package.json").write_text(json.dumps({"name": "descent-vendor", "private": True}))
        specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
        result = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent", *specs], cwd=VENDOR,
                                capture_output=True, text=True)
        if result.returncode != 0:
            print(result.stderr[-2000:])
            return None
        nm = VENDOR / "node_modules"
        out = STATIC / "vendor"
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(nm / "mathjax" / "es5", out / "mathjax")
        dist = nm / "@jupyter-widgets" / "html-manager" / "dist"
        shutil.copytree(dist, out / "html-manager", ignore=shutil.ignore_patterns("*.map"))
        (VENDOR / "installed.json").write_text(json.dumps(PACKAGES))
    return {
        "mathjax_path": "vendor/mathjax/tex-chtml.js",
        # the standalone manager renders the saved widget state by itself: no require.js, and 1.3 MB
        # lighter than the AMD build myst-nb names by default (embed-amd.js + require.js)
        "nb_ipywidgets_js": {
            "vendor/html-manager/embed.js": {},
        },
    }


def widget_fonts() -> list[Path]:
    """The widget manager's font files (it requests them relative to the page)."""
    dist = STATIC / "vendor" / "html-manager"
    return sorted(p for p in dist.glob("*") if p.suffix.lstrip(".") in WIDGET_FONTS)


# an icon of a Font Awesome pack: name: [width, height, [aliases], "unicode", "svg path"]
_ICON = re.compile(r'(?:"([^"]+)"|([A-Za-z0-9_$]+)):\[(\d+),(\d+),\[([^\]]*)\],"([0-9a-f]+)","([^"]*)"\]')
_PACK = re.compile(r'var (\w+)=\{((?:"[^"]+"|[A-Za-z0-9_$]+):\[\d+,\d+,\[.*?)\};(!function\(c\)\{try)', re.S)


def _prune_pack(script: str, keep: set[str]) -> tuple[str, list[str]]:
    """A Font Awesome icon pack (``solid.min.js``) with only the icons named in ``keep`` (by name or alias)."""
    match = _PACK.search(script)
    if match is None:
        raise ValueError("not a Font Awesome 6 icon pack: its icon table was not found")
    kept, names = [], []
    for icon in _ICON.finditer(match.group(2)):
        name = icon.group(1) or icon.group(2)
        aliases = {a.strip('"') for a in icon.group(5).split(",") if a.startswith('"')}
        if name in keep or aliases & keep:
            kept.append(icon.group(0))
            names.append(name)
    table = f"var {match.group(1)}={{{','.join(kept)}}};"
    return script[: match.start()] + table + match.group(3) + script[match.end():], names


def fontawesome_subset(used: set[str]) -> tuple[str, list[str]]:
    """Font Awesome's core with the solid and brand icons in ``used`` (names without ``fa-``), as one script.

    The theme's ``fontawesome.js`` carries all 2,000 icons (1.5 MB on every page); the pages use
    about twenty. Returns the script and the icons it defines.
    """
    core = (FONTAWESOME / "fontawesome.min.js").read_text(encoding="utf-8")
    solid, solid_names = _prune_pack((FONTAWESOME / "solid.min.js").read_text(encoding="utf-8"), used)
    brands, brand_names = _prune_pack((FONTAWESOME / "brands.min.js").read_text(encoding="utf-8"), used)
    return "\n".join([core, solid, brands]), solid_names + brand_names
