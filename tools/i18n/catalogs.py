"""The message catalogs: extracting the messages, updating the ``.po`` files, reading them.

``extract`` runs Sphinx's gettext builder through Jupyter Book (the book's own configuration plus the
``descent_languages`` extension, one ``.pot`` per document: ``gettext_compact = False``) and checks
that its messages are exactly the blocks :mod:`tools.i18n.markdown` finds in the notebooks and pages,
so that the Chinese notebooks can be written from the same catalogs. ``update`` merges the templates
into ``locales/zh_CN/LC_MESSAGES`` with sphinx-intl: translations are kept, a changed message gets the
old translation marked fuzzy, a new one is empty.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from tools.i18n import LANGUAGE, LOCALES, MESSAGES, ROOT
from tools.toc import toc_entries

BUILD = ROOT / "_build" / "i18n"
POT = BUILD / "_build" / "gettext"
EXTENSION = ROOT / "tools" / "i18n"


def book_config(extra: dict | None = None, base: Path | None = None) -> dict:
    """The book's configuration (``_config.yml``, or ``base``) with the language extension loaded.

    Paths of local extensions are made absolute, so the result can be written anywhere.
    """
    config = yaml.safe_load((base or ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    local = sphinx.get("local_extensions") or {}
    for name, path in local.items():
        local[name] = str((ROOT / path).resolve())
    local["descent_languages"] = str(EXTENSION)
    sphinx["local_extensions"] = local
    settings = sphinx.setdefault("config", {}) or {}
    sphinx["config"] = settings
    # one catalog per document; no source line numbers in the catalogs (they change with every edit)
    settings.update(project="Descent", gettext_compact=False, gettext_location=False)
    if extra:
        settings.update(extra)
    return config


def jupyter_book() -> str:
    return str(Path(sys.executable).with_name("jupyter-book"))


def extract(out: Path = BUILD, source: Path = ROOT, base: Path | None = None) -> Path:
    """Run the gettext builder on the book in ``source`` (configuration: ``base``, default its
    ``_config.yml``); returns the folder of ``.pot`` files (``<out>/_build/gettext``)."""
    out.mkdir(parents=True, exist_ok=True)
    config = out / "_config.yml"
    settings = book_config(base=base or source / "_config.yml")
    config.write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    cmd = [jupyter_book(), "build", str(source), "--config", str(config), "--path-output", str(out),
           "--builder", "custom", "--custom-builder", "gettext", "-W", "-n", "--keep-going"]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=source, check=True)
    return out / "_build" / "gettext"


def update(pot: Path = POT) -> dict:
    """Merge the templates into the catalogs (sphinx-intl); returns its counts (create/update/notchanged)."""
    from sphinx_intl import basic

    return basic.update(str(LOCALES), str(pot), (LANGUAGE,), jobs=1)


def read(path: Path):
    from sphinx_intl.catalog import load_po

    return load_po(str(path))


def catalog_path(docname: str) -> Path:
    return MESSAGES / f"{docname}.po"


def documents() -> list[str]:
    """Every document of the book, in reading order (``book/intro``, ``book/01_gradient_descent``, …)."""
    return toc_entries(ROOT)


def translations(docname: str) -> dict[str, str]:
    """msgid -> msgstr of a document's catalog: the translated messages, fuzzy ones left out (as Sphinx does)."""
    path = catalog_path(docname)
    if not path.exists():
        return {}
    return {m.id: m.string for m in read(path) if m.id and m.string and not m.fuzzy}


@dataclass
class Status:
    docname: str
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    exists: bool = True

    @property
    def done(self) -> bool:
        return self.exists and self.total > 0 and self.translated == self.total


def status(docname: str) -> Status:
    path = catalog_path(docname)
    if not path.exists():
        return Status(docname, 0, 0, 0, 0, exists=False)
    messages = [m for m in read(path) if m.id]
    fuzzy = sum(1 for m in messages if m.fuzzy)
    translated = sum(1 for m in messages if m.string and not m.fuzzy)
    return Status(docname, len(messages), translated, fuzzy, len(messages) - translated - fuzzy)


def toc_captions() -> list[str]:
    """The captions of ``_toc.yml``'s parts: Sphinx files them under the root document."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [part["caption"] for part in toc.get("parts", []) if part.get("caption")]


def source_messages(docname: str) -> list[str]:
    """The messages of a document as :mod:`tools.i18n.markdown` finds them in its source (no Sphinx)."""
    from tools.i18n.markdown import blocks
    from tools.i18n.notebooks import notebook_blocks

    nb = ROOT / f"{docname}.ipynb"
    if nb.exists():
        import nbformat

        found = [b.msgid for _, b in notebook_blocks(nbformat.read(nb, as_version=4))]
    else:
        found = [b.msgid for b in blocks((ROOT / f"{docname}.md").read_text(encoding="utf-8"))]
    if docname == documents()[0]:
        found += toc_captions()
    return found


def template_messages(pot: Path, docname: str) -> list[str]:
    return [m.id for m in read(pot / f"{docname}.pot") if m.id]


def compare(pot: Path) -> list[str]:
    """Where Sphinx's messages and the source's blocks differ (one line each); empty when they agree."""
    problems = []
    for doc in documents():
        sphinx, ours = set(template_messages(pot, doc)), set(source_messages(doc))
        problems += [f"{doc}: Sphinx extracts a message the notebook writer does not see: {m[:100]!r}"
                     for m in sorted(sphinx - ours)]
        problems += [f"{doc}: the notebook writer sees a block Sphinx does not extract: {m[:100]!r}"
                     for m in sorted(ours - sphinx)]
    return problems
