"""Serve the website's JavaScript from the site itself: MathJax, require.js and the widget manager.

Jupyter Book loads these from public CDNs by default. At build time this installs
them from the npm registry into ``_build/vendor/`` (not committed) and returns the
Sphinx settings that make every page load them from ``_static/vendor/`` instead (the
files are copied there after the build: in ``html_static_path`` Jupyter Book would add
every one of MathJax's scripts to every page),
so the built book works offline and where the CDNs are blocked. Without npm it
returns ``None`` and the build keeps the CDNs (the caller says so in one line).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "_build" / "vendor"
STATIC = VENDOR / "static"
PACKAGES = {"mathjax": "3.2.2", "requirejs": "2.3.7", "@jupyter-widgets/html-manager": "1.0.6"}
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
        (out / "requirejs").mkdir(parents=True)
        shutil.copy(nm / "requirejs" / "require.js", out / "requirejs" / "require.js")
        dist = nm / "@jupyter-widgets" / "html-manager" / "dist"
        shutil.copytree(dist, out / "html-manager", ignore=shutil.ignore_patterns("*.map"))
        (VENDOR / "installed.json").write_text(json.dumps(PACKAGES))
    return {
        "mathjax_path": "vendor/mathjax/tex-chtml.js",
        "nb_ipywidgets_js": {
            "vendor/requirejs/require.js": {},
            "vendor/html-manager/embed-amd.js": {},
        },
    }


def widget_fonts() -> list[Path]:
    """The widget manager's font files (it requests them relative to the page)."""
    dist = STATIC / "vendor" / "html-manager"
    return sorted(p for p in dist.glob("*") if p.suffix.lstrip(".") in WIDGET_FONTS)
