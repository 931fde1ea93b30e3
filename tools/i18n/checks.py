"""Checks of the translated messages (``python -m tools.i18n check``; ``tests/test_i18n_catalogs.py``).

- **markup kept**: a translation keeps its message's code, math (``\\text{…}`` aside), roles, link
  targets and URLs exactly, each as often as the English has it;
- **glossary**: the standard Chinese of every glossary term the English uses (:mod:`tools.i18n.glossary`);
- **no English left**: no English prose outside code, math and names (:func:`tools.i18n.notebooks.english_left`);
- **consistent**: a message that appears in several documents is translated the same way in each.

A reference list keeps its citations' titles, venues and author lists in their original language, as
Chinese bibliographies do: in ``book/references``, quoted titles, italic venues and author lists
("H. Robbins and S. Monro") are left out of the glossary and English checks (the markup check still
sees them).
"""

from __future__ import annotations

import re
from collections import Counter

from tools.i18n.catalogs import catalog_path, documents, read
from tools.i18n.glossary import term_problems
from tools.i18n.notebooks import _PROTECTED, english_left

_TEXT = re.compile(r"\\text\{[^}]*\}")


def protected(text: str) -> Counter:
    """The spans a translation keeps as they are: code, math (without ``\\text{…}``), roles, targets, URLs."""
    out = Counter()
    for m in _PROTECTED.finditer(text):
        kind = m.lastgroup if m.lastgroup != "html" else None
        span = m.group(0)
        if kind in ("math", "dmath"):
            span = _TEXT.sub(r"\\text{}", span)
        if kind is not None:
            out[span] += 1
    return out


#: what a citation keeps in its original language: a quoted title, an italic venue or book, an author list
_CITED = re.compile(
    r'\*\*[^*]+\*\*|"[^"]*"|“[^”]*”|\*[^*]+\*'  # a bold label (kept), a quoted title, an italic venue
    r"|(?:[A-Z][\w.'-]*\s)*[A-Z][\w'-]+,? and (?:[A-Z][\w.'-]*\s?)+"  # "H. Robbins and S. Monro"
)
REFERENCE_LISTS = {"book/references"}


def message_problems(msgid: str, msgstr: str, *, citations: bool = False) -> list[str]:
    """What is wrong with one translation (empty when nothing is); ``citations``: the message is a
    reference list's entry, whose cited titles, venues and authors stay as they are."""
    problems = []
    want, got = protected(msgid), protected(msgstr)
    if want != got:
        lost = list((want - got).elements())
        extra = list((got - want).elements())
        problems.append(f"markup changed: lost {lost[:4]}, added {extra[:4]}")
    if citations:
        def uncited(text: str) -> str:  # a bold label is the course's own words: it stays
            return _CITED.sub(lambda m: m.group(0) if m.group(0).startswith("**") else " ", text)

        msgid, msgstr = uncited(msgid), uncited(msgstr)
    problems += [f"glossary: {p}" for p in term_problems(msgid, msgstr)]
    left = english_left(msgstr)
    if left:
        problems.append(f"English left: {left[:4]}")
    return problems


def translated(docname: str) -> list[tuple[str, str]]:
    path = catalog_path(docname)
    if not path.exists():
        return []
    return [(m.id, m.string) for m in read(path) if m.id and m.string and not m.fuzzy]


def translation_problems(docs: list[str] | None = None) -> list[str]:
    """Every problem of every translated message, one line each: ``document: message: problem``."""
    out = []
    seen: dict[str, dict[str, str]] = {}
    for doc in docs or documents():
        for msgid, msgstr in translated(doc):
            if msgstr == msgid:  # a message that is the same in Chinese (a formula, a name)
                continue
            problems = message_problems(msgid, msgstr, citations=doc in REFERENCE_LISTS)
            out += [f"{doc}: {msgid[:60]!r}: {p}" for p in problems]
            seen.setdefault(msgid, {})[doc] = msgstr
    for msgid, by_doc in seen.items():
        if len(set(by_doc.values())) > 1:
            ways = "; ".join(f"{d}: {s!r}" for d, s in by_doc.items())
            out.append(f"{msgid[:60]!r} is translated differently: {ways}")
    return out
