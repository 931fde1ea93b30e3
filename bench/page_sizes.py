"""What a reader downloads for each page of the built website: bytes on disk and gzip-compressed.

    python -m bench.page_sizes            # the site of the last `make book` (_build/html)
    python -m bench.page_sizes --json

The weight is what the build's budget counts (tools/page_weight.py: the HTML and every local
script, style, image and font it references; 10 MiB at most); the gzip column is what a web
server that compresses (gzip level 6, as most do by default) sends for the same files. The shared
scripts (widget manager, MathJax, theme) are most of both and are cached after the first page.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.page_weight import BUDGET, loaded_files, page_weight, page_weight_gzip, weights  # noqa: E402

HTML = ROOT / "_build" / "html"


def section_pages(html_dir: Path = HTML) -> dict[str, Any]:
    """Every page, heaviest first: ``page``, ``bytes``, ``gzip_bytes``, ``own_bytes`` (its HTML and the
    images only it shows) and whether it is within the budget."""
    if not (html_dir / "book").exists():
        return {"skipped": f"no built website in {html_dir} (run `make book`)"}
    shared: dict[Path, int] = {}
    pages = list(weights(html_dir))
    for page in pages:
        for f in loaded_files(html_dir / page):
            shared[f] = shared.get(f, 0) + 1
    rows = []
    for page in pages:
        path = html_dir / page
        own = path.stat().st_size + sum(f.stat().st_size for f in loaded_files(path) if shared[f] == 1)
        weight = page_weight(path)
        rows.append({"page": page, "bytes": weight, "gzip_bytes": page_weight_gzip(path), "own_bytes": own,
                     "within_budget": weight <= BUDGET})
    return {"site": str(html_dir), "budget_bytes": BUDGET, "pages": rows}


def render(result: dict[str, Any]) -> str:
    if "skipped" in result:
        return f"## page sizes\nskipped: {result['skipped']}"
    mib = 2**20
    lines = [f"## page sizes ({result['site']}; budget {result['budget_bytes'] / mib:.0f} MiB on disk)",
             f"{'page':40s} {'MiB':>6s} {'gzip MiB':>9s} {'own MiB':>8s}"]
    for r in result["pages"]:
        lines.append(f"{r['page']:40s} {r['bytes'] / mib:6.2f} {r['gzip_bytes'] / mib:9.2f} {r['own_bytes'] / mib:8.2f}"
                     + ("" if r["within_budget"] else "  OVER BUDGET"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--site", type=Path, default=HTML, help="the built website (default: _build/html)")
    args = parser.parse_args(argv)
    result = section_pages(args.site)
    print(json.dumps(result, indent=1) if args.json else render(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
