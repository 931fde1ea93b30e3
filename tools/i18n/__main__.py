"""The Chinese edition's commands (see :mod:`tools.i18n`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tools.i18n import ROOT


def _update(args) -> int:
    from tools.i18n import catalogs, notebooks

    start = time.perf_counter()
    pot = catalogs.extract()
    problems = catalogs.compare(pot)
    if problems:
        print("The messages Sphinx extracts and the blocks the notebook writer finds differ "
              "(tools/i18n/markdown.py must learn this construct):", *problems[:20], sep="\n  ")
        return 1
    counts = catalogs.update(pot)
    written = notebooks.write_notebooks()
    print(f"catalogs: {counts}; Chinese notebooks for Binder and Colab: {len(written)} in "
          f"{written[0][0].parent.relative_to(ROOT) if written else '-'} ({time.perf_counter() - start:.0f} s)")
    return _status(args)


def _status(args) -> int:
    from tools.i18n import catalogs

    rows = [catalogs.status(d) for d in catalogs.documents()]
    width = max(len(r.docname) for r in rows)
    print(f"{'document':<{width}}  messages  translated  fuzzy  untranslated")
    for r in rows:
        note = "" if r.exists else "  (no catalog: run make translations)"
        print(f"{r.docname:<{width}}  {r.total:>8}  {r.translated:>10}  {r.fuzzy:>5}  {r.untranslated:>12}{note}")
    total = sum(r.total for r in rows)
    done = sum(r.translated for r in rows)
    print(f"{'all':<{width}}  {total:>8}  {done:>10}  {sum(r.fuzzy for r in rows):>5}  "
          f"{sum(r.untranslated for r in rows):>12}")
    return 0


def _site(args) -> int:
    from tools.i18n import site

    return site.build(Path(args.config) if args.config else None)


def _student(args) -> int:
    from tools.i18n.notebooks import write_student

    for path in write_student(Path(args.out)):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


def _check(args) -> int:
    from tools.i18n.checks import translation_problems

    problems = translation_problems()
    for p in problems:
        print(p)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.i18n", description="The Chinese edition.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("update", help="extract the messages, update the catalogs, write the Chinese notebooks")
    sub.add_parser("status", help="translated, fuzzy and untranslated messages per document")
    site = sub.add_parser("site", help="build the Chinese website into _build/html/zh")
    site.add_argument("--config", help="the English build's configuration (default: tools/build_book.py's)")
    student = sub.add_parser("student", help="write the Chinese student edition")
    student.add_argument("--out", default=str(ROOT / "_build" / "student" / "zh"))
    sub.add_parser("check", help="glossary terms, consistency and markup of the translated messages")
    args = parser.parse_args(argv)
    return {"update": _update, "status": _status, "site": _site, "student": _student, "check": _check}[
        args.command](args)


if __name__ == "__main__":
    sys.exit(main())
