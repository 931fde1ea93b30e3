"""Chinese notebooks from the English ones and the catalogs: for Binder and Colab, and the student edition.

A Markdown cell is rewritten block by block (:func:`tools.i18n.markdown.apply`): each paragraph,
heading, list item's paragraph and table cell whose message has a translation gets it; code, math,
raw HTML and everything outside Markdown cells stay as they are. An exercise statement's heading
``### Exercise: <title>`` becomes ``### 练习：<译名>`` (its message is the title alone, as on the website),
which the exercise extension and the student edition read as they read the English one.

The notebooks for Binder and Colab carry no outputs (those who open them there run them; the website
shows the outputs): a regenerated notebook differs from the last one only where the English source or
a translation changed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tools.i18n import NOTEBOOKS, ROOT, edition
from tools.i18n.markdown import Block, apply, blocks, msgid_of
from tools.sphinx_ext.exercises import HEADING
from tools.toc import toc_notebooks


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _exercise_heading(cell, block: Block) -> Block | None:
    """The exercise statement's title as a block of its own (the message the website extracts)."""
    m = HEADING.match(cell.source)
    if not m or block.kind != "heading" or block.start != cell.source[: m.start("title")].count("\n"):
        return None
    return Block("exercise", msgid_of(m.group("title")), m.group("title"), block.start, block.end)


def cell_blocks(cell) -> list[Block]:
    """The blocks of a Markdown cell; an exercise statement's heading is its title (kind ``exercise``)."""
    found = blocks(cell.source)
    if "exercise" in _tags(cell) and found:
        title = _exercise_heading(cell, found[0])
        if title is not None:
            found[0] = title
    return found


def notebook_blocks(nb) -> Iterator[tuple[int, Block]]:
    """(cell index, block) for every message of the notebook's Markdown cells."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for block in cell_blocks(cell):
                yield i, block


@dataclass
class Report:
    """What translating a notebook did: the messages it found, translated and left in English."""

    found: list[str] = field(default_factory=list)
    translated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def translate_cell(cell, catalog: dict[str, str], heading_word: str, report: Report) -> str:
    """A Markdown cell's source with every message that has a translation translated."""

    def translation(block: Block) -> str | None:
        report.found.append(block.msgid)
        msgstr = catalog.get(block.msgid)
        if msgstr:
            report.translated.append(block.msgid)
        else:
            report.missing.append(block.msgid)
        if block.kind == "exercise":
            return f"{heading_word}{msgstr or block.source}"
        return msgstr or None

    return apply(cell.source, translation, cell_blocks(cell))


def translate_notebook(nb, catalog: dict[str, str], *, outputs: bool = False,
                       heading_word: str | None = None) -> tuple[nbformat.NotebookNode, Report]:
    """The notebook with its Markdown translated (a new object). Without ``outputs``, outputs and widget
    state are removed (the notebooks for Binder and Colab)."""
    heading_word = heading_word if heading_word is not None else edition()["exercise_heading"]
    nb = copy.deepcopy(nb)
    report = Report()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = translate_cell(cell, catalog, heading_word, report)
        elif cell.cell_type == "code" and not outputs:
            cell.outputs = []
            cell.execution_count = None
    if not outputs:
        nb.metadata.pop("widgets", None)
    return nb, report


# --- English left in translated Markdown ------------------------------------------------------------

_PROTECTED = re.compile(
    r"(?P<code>(`+)(?:.|\n)*?(?<!`)\2(?!`))"               # inline code (and roles' content)
    r"|(?P<dmath>\$\$(?:.|\n)*?\$\$)"                       # display math
    r"|(?P<math>(?<![\\$])\$(?!\s)(?:\\\$|[^$])+?(?<!\s)\$)"  # inline math
    r"|(?P<role>\{[\w:-]+\})"                              # a role's name: {ref}`…`
    r"|(?P<target>\]\([^)]*\))"                            # a link's target: [text](target)
    r"|(?P<url><https?://[^>]*>|https?://\S+)"             # URLs
    r"|(?P<html></?[a-zA-Z][^>]*>)"                        # HTML tags
    r"|(?P<subst>\{\{[^}]*\}\})"                           # substitutions
)


def prose(text: str) -> str:
    """``text`` without its code, math, URLs, link targets, roles and HTML tags: the words a reader reads."""
    return _PROTECTED.sub(" ", text)


_STOPWORDS = {"the", "and", "of", "to", "is", "are", "was", "with", "for", "that", "this", "it", "its", "as",
              "by", "on", "from", "be", "we", "you", "your", "an", "or", "which", "not", "in", "at", "each",
              "every", "into", "than", "then", "when", "where", "what", "how", "why", "can", "does", "do",
              "has", "have", "one", "two", "here", "there"}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*){2,}")


def english_left(text: str) -> list[str]:
    """English that a translated text still shows outside code, math and identifiers.

    A common English word (``the``, ``of``, ``is`` …) or three English words in a row is English prose;
    a name or an abbreviation on its own (Adam, SGD, PyTorch, MNIST) is not.
    """
    words = prose(text)
    found = [m.group(0) for m in _RUN.finditer(words)]
    found += [w for w in _WORD.findall(words) if w.lower() in _STOPWORDS and not any(w in f for f in found)]
    return found


# --- writing the notebooks ---------------------------------------------------------------------------

def chinese_notebook(path: Path, *, outputs: bool = False) -> tuple[nbformat.NotebookNode, Report]:
    """The Chinese twin of a notebook of ``book/``, from its catalog."""
    from tools.i18n.catalogs import translations

    docname = str(Path(path).resolve().relative_to(ROOT).with_suffix(""))
    nb = nbformat.read(path, as_version=4)
    return translate_notebook(nb, translations(docname), outputs=outputs)


def notebook_target(path: Path, out: Path = NOTEBOOKS) -> Path:
    return out / Path(path).resolve().relative_to(ROOT)


def write_notebooks(out: Path = NOTEBOOKS, paths: list[Path] | None = None) -> list[tuple[Path, Report]]:
    """Write the Chinese notebooks (no outputs) under ``out`` with the same paths (``book/…``)."""
    written = []
    for path in paths or toc_notebooks(ROOT):
        nb, report = chinese_notebook(path)
        target = notebook_target(path, out)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = nbformat.writes(nb) + "\n"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        written.append((target, report))
    return written


def student_texts() -> dict:
    """The student edition's cells in Chinese (for :func:`tools.student.student_notebook`)."""
    s = edition()["student"]
    return {"written_answer": s["written_answer"], "answer_code": list(s["answer_code"]),
            "answer_code_free": s["answer_code_free"]}


def write_student(out: Path, paths: list[Path] | None = None) -> list[Path]:
    """The Chinese student edition: the student edition of each Chinese notebook."""
    from tools.student import student_notebook

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths or toc_notebooks(ROOT):
        nb, _ = chinese_notebook(path)
        target = out / Path(path).name
        nbformat.write(student_notebook(nb, texts=student_texts()), target)
        written.append(target)
    return written
