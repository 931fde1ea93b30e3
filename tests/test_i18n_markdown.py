"""The notebook writer's messages are Sphinx's messages, and a translation lands where its block was.

:mod:`tools.i18n.markdown` finds the translatable blocks of MyST Markdown without Sphinx (the Chinese
notebooks are written from the catalogs with it). Here: each construct by hand, then a small book with
every construct the chapters use, extracted by Sphinx's gettext builder (the messages must be the
same) and built in Chinese from a catalog where every message is translated (every translation must be
on the page).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

from tools.i18n.markdown import apply, blocks
from tools.i18n.notebooks import _PROTECTED, english_left, notebook_blocks

ROOT = Path(__file__).resolve().parents[1]


def pseudo(msgid: str, n: int = 0) -> str:
    """A stand-in translation: a marker ``译<n>号``, then the message with every English word of its prose
    replaced by 文; code, math, roles, link targets and URLs kept as they are."""
    out, last = [], 0
    for m in _PROTECTED.finditer(msgid):
        out.append(re.sub(r"[A-Za-z][A-Za-z'’-]*", "文", msgid[last:m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(re.sub(r"[A-Za-z][A-Za-z'’-]*", "文", msgid[last:]))
    return f"译{n}号" + "".join(out)


MD = """# A title with `code`

First paragraph, over
two lines with $x^2$ and a [link](https://example.org).

- an item
  that continues
- a second item

  with a second paragraph
  1. nested *item*

> quoted text,
> on two lines

| Term | 中文 | Meaning |
|---|---|---|
| learning rate | 学习率 | $\\eta$: a \\| b |
| momentum | 动量 | kept |

$$
x_{t+1} = x_t - \\eta g_t
$$

```python
print("code is not a message")
```

:::{note}
A note's paragraph.
:::

```{admonition} An admonition's title
:class: tip
Its body.
```
"""


def test_blocks_are_the_paragraphs_headings_items_cells_and_titles():
    found = [(b.kind, b.msgid) for b in blocks(MD)]
    assert found == [
        ("heading", "A title with `code`"),
        ("paragraph", "First paragraph, over two lines with $x^2$ and a [link](https://example.org)."),
        ("paragraph", "an item that continues"),
        ("paragraph", "a second item"),
        ("paragraph", "with a second paragraph"),
        ("paragraph", "nested *item*"),
        ("paragraph", "quoted text, on two lines"),
        ("cell", "Term"), ("cell", "中文"), ("cell", "Meaning"),
        ("cell", "learning rate"), ("cell", "学习率"), ("cell", "$\\eta$: a | b"),
        ("cell", "momentum"), ("cell", "动量"), ("cell", "kept"),
        ("paragraph", "A note's paragraph."),
        ("title", "An admonition's title"),
        ("paragraph", "Its body."),
    ]


def test_apply_writes_each_translation_in_place_and_keeps_the_markup():
    table = {b.msgid: pseudo(b.msgid, i) for i, b in enumerate(blocks(MD))}
    out = apply(MD, lambda b: table[b.msgid])
    again = [b.msgid for b in blocks(out)]
    assert again == [table[b.msgid] for b in blocks(MD)], "each block's message is now its translation"
    assert "$$\nx_{t+1} = x_t - \\eta g_t\n$$" in out and 'print("code is not a message")' in out
    assert "- 译2号" in out and "  1. 译5号" in out and "> 译6号" in out and ":class: tip" in out
    assert "| 译12号$\\eta$: 文 \\| 文 |" in out, "a pipe in a cell stays escaped"
    assert english_left(out.split("```python")[0]) == []


def test_a_translation_on_several_lines_keeps_its_container():
    src = "- an item\n\n> a quote\n"
    out = apply(src, lambda b: "第一行\n第二行")
    assert out == "- 第一行\n  第二行\n\n> 第一行\n> 第二行\n"
    assert [b.msgid for b in blocks(out)] == ["第一行 第二行", "第一行 第二行"]


def test_blocks_without_a_translation_stay_as_they_are():
    assert apply(MD, lambda b: None) == MD


def test_english_left_finds_prose_not_names_code_or_math():
    assert english_left("使用 Adam 和 SGD，`torch.optim.Adam` 与 $\\text{step size}$。") == []
    assert english_left("见 [PyTorch 文档](https://pytorch.org/docs/stable/optim.html)。") == []
    assert english_left("学习率 is too large") == ["is too large"]
    assert english_left("这是 the 梯度") == ["the"]


# --- a small book through Sphinx ---------------------------------------------------------------------

def _notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    md = nbformat.v4.new_markdown_cell
    code = nbformat.v4.new_code_cell
    nb.cells = [
        md("# A chapter\n\nIts first paragraph, with $\\beta$ and `code`."),
        code("print('hello')", outputs=[nbformat.v4.new_output(
            "display_data", data={"text/markdown": "$\\kappa = 20$ (`kappa`): an output, not a message"})]),
        md("## A section\n\nA list:\n\n- first **item**\n- second item\n\n$$\na = b\n$$\n\n"
           "| A | B |\n|---|---|\n| one | two |"),
        md("### Exercise: A small exercise\n\nDo $1 + 1$ and store it in `answer`.",
           metadata={"tags": ["exercise"], "exercise": {"label": "mini-ex"}}),
        md("The solution explains it.", metadata={"tags": ["solution"]}),
        code("answer = 2", metadata={"tags": ["solution"]}),
        md("## Summary\n\n:::{note}\nA note in a notebook.\n:::"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture(scope="module")
def mini_book(tmp_path_factory):
    """A book of one page and one notebook, with the real book's configuration."""
    src = tmp_path_factory.mktemp("mini")
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config.pop("repository", None)
    config.pop("html", None)
    config.pop("launch_buttons", None)
    config["only_build_toc_files"] = True
    config["sphinx"]["local_extensions"] = {"exercises": str(ROOT / "tools" / "sphinx_ext")}
    (src / "_config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (src / "_toc.yml").write_text(yaml.safe_dump({
        "format": "jb-book", "root": "intro",
        "parts": [{"caption": "The first part", "chapters": [{"file": "chapter"}]}]}), encoding="utf-8")
    (src / "intro.md").write_text(MD.replace("[link](https://example.org)", "[link](chapter.ipynb)"),
                                  encoding="utf-8")
    nbformat.write(_notebook(), src / "chapter.ipynb")
    return src


def _sphinx_messages(pot: Path, doc: str) -> set[str]:
    from tools.i18n.catalogs import read

    return {m.id for m in read(pot / f"{doc}.pot") if m.id}


@pytest.mark.slow
def test_sphinx_extracts_exactly_the_blocks_the_notebook_writer_finds(mini_book, tmp_path):
    from tools.i18n.catalogs import extract

    pot = extract(tmp_path / "out", source=mini_book)
    ours_md = {b.msgid for b in blocks((mini_book / "intro.md").read_text(encoding="utf-8"))} | {"The first part"}
    ours_nb = {b.msgid for _, b in notebook_blocks(nbformat.read(mini_book / "chapter.ipynb", as_version=4))}
    assert _sphinx_messages(pot, "intro") == ours_md
    assert _sphinx_messages(pot, "chapter") == ours_nb
    assert "A small exercise" in ours_nb, "an exercise's title is a message of its own"
    assert not any("kappa" in m for m in ours_nb), "outputs are not messages"
    assert not any(m.startswith("a = b") for m in ours_nb | ours_md), "display math is not a message"


@pytest.mark.slow
def test_every_translation_is_on_the_chinese_page(mini_book, tmp_path):
    """A catalog that translates every message: each translation appears on the built page, in place."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from tools.i18n.catalogs import book_config, extract, jupyter_book

    pot = extract(tmp_path / "pot", source=mini_book)
    locales = mini_book / "locales" / "zh_CN" / "LC_MESSAGES"
    locales.mkdir(parents=True, exist_ok=True)
    expected = {}
    for doc in ("intro", "chapter"):
        cat = Catalog(locale="zh_CN")
        for i, msgid in enumerate(sorted(_sphinx_messages(pot, doc))):
            cat.add(msgid, pseudo(msgid, i))
            expected.setdefault(doc, []).append(f"译{i}号")
        with open(locales / f"{doc}.po", "wb") as f:
            write_po(f, cat)
    config = book_config(base=mini_book / "_config.yml",
                         extra={"language": "zh_CN", "locale_dirs": [str(mini_book / "locales")]})
    (tmp_path / "zh.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "site"
    subprocess.run([jupyter_book(), "build", str(mini_book), "--config", str(tmp_path / "zh.yml"),
                    "--path-output", str(out), "-W", "-n", "--keep-going"], check=True, capture_output=True)
    html = out / "_build" / "html"
    for doc, markers in expected.items():
        page = (html / f"{doc}.html").read_text(encoding="utf-8")
        assert '<html lang="zh-CN"' in page
        text = re.sub(r"<[^>]+>", "", page)
        missing = [m for m in markers if m not in text]
        assert missing == [], f"{doc}: translations not on the page: {missing}"
    chapter = (html / "chapter.html").read_text(encoding="utf-8")
    assert "练习" in chapter, "sphinx-exercise names the exercise in Chinese"
    assert "an output, not a message" in chapter, "outputs stay as the code printed them"
