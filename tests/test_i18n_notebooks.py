"""The Chinese notebooks: every chapter, translated from a catalog that translates every message.

The catalog here is a stand-in (:func:`tests.test_i18n_markdown.pseudo`: a marker, then every English
word of the prose replaced, code, math, roles and link targets kept), so these tests hold before any
real translation exists: every translation lands in the notebook, nothing English is left in a
translated Markdown cell, code cells are untouched, the exercises still read as exercises, and the
Chinese student edition is the student edition of the Chinese notebook.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.test_i18n_markdown import pseudo
from tools.i18n import edition
from tools.i18n.notebooks import cell_blocks, english_left, notebook_blocks, student_texts, translate_notebook
from tools.sphinx_ext.exercises import split_statement, to_directives
from tools.student import student_notebook
from tools.toc import toc_notebooks

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = toc_notebooks(ROOT)
IDS = [p.stem for p in NOTEBOOKS]
HEADING = edition()["exercise_heading"]


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _translated(path: Path):
    nb = nbformat.read(path, as_version=4)
    catalog = {}
    for _, block in notebook_blocks(nb):
        catalog.setdefault(block.msgid, pseudo(block.msgid, len(catalog)))
    zh, report = translate_notebook(nb, catalog)
    return nb, zh, catalog, report


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_translation_lands_and_no_english_is_left(path):
    nb, zh, catalog, report = _translated(path)
    assert report.missing == [] and len(report.translated) == len(report.found) > 20
    assert len(zh.cells) == len(nb.cells)
    for en_cell, zh_cell in zip(nb.cells, zh.cells):
        assert zh_cell.cell_type == en_cell.cell_type and zh_cell.metadata == en_cell.metadata
        if en_cell.cell_type != "markdown":
            assert zh_cell.source == en_cell.source, "code cells are not translated"
            assert zh_cell.get("outputs", []) == [], "the notebooks for Binder and Colab carry no outputs"
            continue
        want = [catalog[b.msgid] for b in cell_blocks(en_cell)]
        got = [b.msgid for b in cell_blocks(zh_cell)]
        assert got == want, f"cell {zh_cell.id}: the translated cell's messages are not the translations"
        left = english_left(zh_cell.source)
        assert left == [], f"cell {zh_cell.id}: English left: {left[:5]}\n{zh_cell.source[:300]}"
    assert "widgets" not in zh.metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_exercises_read_as_exercises_in_chinese(path):
    """``### 练习：<译名>``: the exercise extension and the student edition read the Chinese statement."""
    nb, zh, catalog, _ = _translated(path)
    statements = [(e, z) for e, z in zip(nb.cells, zh.cells) if "exercise" in _tags(e) and e.cell_type == "markdown"]
    assert len(statements) >= 3
    for en_cell, zh_cell in statements:
        title, _ = split_statement(en_cell.source)
        assert zh_cell.source.lstrip().startswith(f"### {HEADING}{catalog[title]}")
        assert split_statement(zh_cell.source)[0] == catalog[title]
    site = to_directives(zh)  # the website's conversion accepts the Chinese notebook
    assert sum("{exercise}" in c.source for c in site.cells) == len(statements)
    student = student_notebook(zh, texts=student_texts())
    texts = student_texts()
    assert not any("solution" in _tags(c) for c in student.cells)
    answers = [c for c in student.cells if "answer" in _tags(c)]
    assert answers, "the student edition has answer cells"
    for cell in answers:
        if cell.cell_type == "markdown":
            assert cell.source == texts["written_answer"]
        else:
            assert cell.source.startswith("# 练习：") and "Exercise" not in cell.source


def test_an_untranslated_exercise_title_still_gets_the_chinese_heading():
    statement = nbformat.v4.new_markdown_cell("### Exercise: How far behind?\n\nFind the lag.", metadata={
        "tags": ["exercise"], "exercise": {"label": "ema-lag"}})
    nb = nbformat.v4.new_notebook(cells=[statement])
    zh, report = translate_notebook(nb, {"Find the lag.": "求出滞后。"})
    assert zh.cells[0].source == f"### {HEADING}How far behind?\n\n求出滞后。"
    assert report.missing == ["How far behind?"]
