"""Apply a message catalog to MyST Markdown, message by message, as Sphinx does to the website.

Sphinx's gettext builder extracts one message per translatable block of a page: a paragraph (also the
one inside a list item, a block quote or an admonition), a heading, a table cell, an admonition's
title. The message (msgid) is the block's MyST source with its line breaks turned into spaces: the
``content`` of markdown-it's inline token, which myst-parser stores as the node's ``rawsource``
(``sphinx.util.nodes.extract_messages``). :func:`blocks` finds the same blocks in a Markdown text with
the parser myst-parser uses, each with its place in the text, and :func:`apply` writes each block's
translation (msgstr) in its place: the list marker, the block quote's ``>``, the heading's ``#`` and
the table's pipes stay; code, display math and raw HTML are not messages and stay as they are.

``tests/test_i18n_markdown.py`` checks that these blocks are exactly the messages Sphinx extracts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
#: directives whose content is MyST (parsed again, so its paragraphs are messages too)
PROSE_DIRECTIVES = {"admonition", "attention", "caution", "danger", "error", "hint", "important", "note",
                    "seealso", "tip", "warning", "margin", "sidebar", "topic", "dropdown", "exercise", "solution"}
#: directives whose argument is a title (a message of its own)
TITLED_DIRECTIVES = {"admonition", "exercise", "sidebar", "topic", "dropdown"}


@dataclass(frozen=True)
class Block:
    """One translatable block: its message and where its source is in the text (0-based lines)."""

    kind: str  # "paragraph", "heading", "cell", "title"
    msgid: str  # what Sphinx extracts: the source with line breaks as spaces, stripped
    source: str  # the inline source as written (line breaks kept)
    start: int  # first line
    end: int  # one past the last line
    cell: int | None = None  # a table cell's column


def msgid_of(source: str) -> str:
    """The message Sphinx extracts from a block whose inline source is ``source``."""
    return source.replace("\n", " ").strip()


def _parser():
    return _make_parser(*myst_settings())


@functools.lru_cache(maxsize=4)
def _make_parser(extensions: tuple[str, ...], double_inline: bool):
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions=set(extensions), dmath_double_inline=double_inline)
    return create_md_parser(config, RendererHTML)


@functools.lru_cache(maxsize=1)
def myst_settings() -> tuple[tuple[str, ...], bool]:
    """The MyST syntax the book enables: ``_config.yml``'s ``parse`` (which replaces Jupyter Book's defaults)."""
    parse = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8")).get("parse") or {}
    return tuple(sorted(parse.get("myst_enable_extensions") or ())), bool(parse.get("myst_dmath_double_inline", False))


def _directive(info: str) -> tuple[str, str] | None:
    m = re.match(r"\{([\w:-]+)\}\s*(.*)$", info.strip())
    return (m.group(1), m.group(2).strip()) if m else None


def _directive_body(lines: list[str]) -> int:
    """How many of a directive's first lines are options (``:key: value`` lines or a ``---`` YAML block)."""
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return i + 1
        return len(lines)
    n = 0
    while n < len(lines) and re.match(r"\s*:[\w-]+:", lines[n]):
        n += 1
    return n


def blocks(text: str) -> list[Block]:
    """The translatable blocks of a MyST Markdown text, in order."""
    return _blocks(text, 0)


def _blocks(text: str, offset: int) -> list[Block]:
    tokens = _parser().parse(text)
    out: list[Block] = []
    i = 0
    row: tuple[int, int] | None = None
    cell = 0
    while i < len(tokens):
        t = tokens[i]
        if t.type == "tr_open":
            row, cell = (t.map[0] + offset, t.map[1] + offset), 0
        elif t.type in ("th_open", "td_open"):
            inline = tokens[i + 1]
            if inline.content.strip():
                out.append(Block("cell", msgid_of(inline.content), inline.content, row[0], row[1], cell))
            cell += 1
        elif t.type in ("paragraph_open", "heading_open"):
            inline = tokens[i + 1]
            kind = "paragraph" if t.type == "paragraph_open" else "heading"
            if inline.content.strip():
                out.append(Block(kind, msgid_of(inline.content), inline.content, t.map[0] + offset,
                                 t.map[1] + offset))
        elif t.type in ("fence", "colon_fence"):
            d = _directive(t.info)
            if d and d[0] in PROSE_DIRECTIVES:
                name, argument = d
                if argument and name in TITLED_DIRECTIVES:
                    out.append(Block("title", msgid_of(argument), argument, t.map[0] + offset, t.map[0] + offset + 1))
                body = t.content.split("\n")
                skip = _directive_body(body)
                out.extend(_blocks("\n".join(body[skip:]), t.map[0] + offset + 1 + skip))
        i += 1
    return out


# --- writing translations ---------------------------------------------------------------------------

def _split_row(line: str) -> list[tuple[int, int]]:
    """The (start, end) columns of each cell of a pipe-table row (``\\|`` is not a separator)."""
    bars = [i for i, ch in enumerate(line) if ch == "|" and (i == 0 or line[i - 1] != "\\")]
    stripped = line.strip()
    if not stripped.startswith("|"):
        bars.insert(0, -1)
    if not stripped.endswith("|") or stripped.endswith("\\|"):
        bars.append(len(line.rstrip()))
    return [(a + 1, b) for a, b in zip(bars, bars[1:])]


def _prefix(line: str, content: str) -> str:
    """What stands before ``content`` on ``line`` (list marker, ``>``, indentation)."""
    line, content = line.rstrip(), content.rstrip()
    if content and line.endswith(content):
        return line[: len(line) - len(content)]
    raise ValueError(f"cannot find the message's source {content!r} on its line {line!r}")


def _continuation(prefix: str) -> str:
    """The prefix of a paragraph's next line: block-quote markers kept, list markers as spaces."""
    return re.sub(r"[^>\s]", " ", prefix)


def _paragraph(lines: list[str], block: Block, msgstr: str) -> list[str]:
    src = block.source.split("\n")
    first = _prefix(lines[block.start], src[0])
    if len(src) > 1:
        nxt = lines[block.start + 1]
        cont = nxt[: len(nxt.rstrip()) - len(src[1].rstrip())] if src[1].strip() else _continuation(first)
    else:
        cont = _continuation(first)
    out = msgstr.split("\n")
    return [first + out[0]] + [cont + line for line in out[1:]]


def _heading(line: str, block: Block, msgstr: str) -> str:
    pos = line.find(block.source)
    if pos < 0 or "\n" in block.source:
        raise ValueError(f"cannot find the heading {block.source!r} on its line {line!r}")
    return line[:pos] + msgstr.replace("\n", " ") + line[pos + len(block.source):]


def apply(text: str, translate: Callable[[Block], str | None], found: list[Block] | None = None) -> str:
    """``text`` with every block for which ``translate`` returns a string replaced by that string.

    ``translate(block)`` returns the msgstr, or None to keep the block as it is; ``found``: the blocks
    (default :func:`blocks`). A block of kind ``exercise`` is a heading whose text after the ``#`` marks
    is replaced whole.
    """
    lines = text.split("\n")
    rows: dict[int, dict[int, str]] = {}
    edits: list[tuple[int, int, list[str]]] = []
    for block in blocks(text) if found is None else found:
        msgstr = translate(block)
        if msgstr is None:
            continue
        if block.kind == "cell":
            rows.setdefault(block.start, {})[block.cell] = msgstr
        elif block.kind == "exercise":
            marks = re.match(r"\s*#{1,6}\s*", lines[block.start]).group(0)
            edits.append((block.start, block.start + 1, [marks + msgstr.replace("\n", " ")]))
        elif block.kind in ("heading", "title"):
            edits.append((block.start, block.start + 1, [_heading(lines[block.start], block, msgstr)]))
        else:
            n = len(block.source.split("\n"))
            edits.append((block.start, block.start + n, _paragraph(lines, block, msgstr)))
    for start, cells in rows.items():
        line = lines[start]
        spans = _split_row(line)
        new = line
        for k in sorted(cells, reverse=True):
            a, b = spans[k]
            cell = re.sub(r"(?<!\\)\|", r"\\|", cells[k].replace("\n", " "))
            new = new[:a] + f" {cell} " + new[b:]
        edits.append((start, start + 1, [new]))
    for start, end, new in sorted(edits, reverse=True):
        lines[start:end] = new
    return "\n".join(lines)
