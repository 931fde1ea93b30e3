"""The catalogs: complete and current (the Chinese edition is finished), and every translation sound.

`make test` fails while any message is untranslated or fuzzy, while a catalog lags behind the English
(run `make translations`), or while the Chinese notebooks for Binder and Colab are not the ones the
catalogs give. Every translation that exists keeps its markup, uses the glossary's terms, leaves no
English prose and agrees with the same message's translation in other documents.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tools.i18n import NOTEBOOKS, edition
from tools.i18n.catalogs import catalog_path, documents, read, source_messages, status
from tools.i18n.checks import message_problems, translation_problems
from tools.i18n.glossary import term_problems, terms
from tools.i18n.notebooks import chinese_notebook, notebook_target
from tools.toc import toc_notebooks

ROOT = Path(__file__).resolve().parents[1]
DOCS = documents()
@pytest.mark.parametrize("doc", DOCS)
def test_every_message_is_translated_and_none_is_fuzzy(doc):
    s = status(doc)
    assert s.exists, f"{doc}: no catalog ({catalog_path(doc).relative_to(ROOT)}): run `make translations`"
    assert s.fuzzy == 0 and s.untranslated == 0, (
        f"{doc}: {s.untranslated} untranslated and {s.fuzzy} fuzzy of {s.total} messages "
        f"(`python -m tools.i18n status`; translate in {catalog_path(doc).relative_to(ROOT)})")


@pytest.mark.parametrize("doc", DOCS)
def test_the_catalog_has_exactly_the_messages_of_the_english_source(doc):
    """After an English change, `make translations` brings the catalog up to date."""
    path = catalog_path(doc)
    assert path.exists()
    catalog = {m.id for m in read(path) if m.id}
    source = set(source_messages(doc))
    assert sorted(source - catalog)[:5] == [] and sorted(catalog - source)[:5] == [], (
        f"{doc}: the catalog lags behind the English source: run `make translations`")


@pytest.mark.parametrize("path", toc_notebooks(ROOT), ids=lambda p: p.stem)
def test_the_chinese_notebooks_are_the_ones_the_catalogs_give(path):
    target = notebook_target(path)
    assert target.exists(), f"{target.relative_to(ROOT)} is missing: run `make translations`"
    nb, _ = chinese_notebook(path)
    assert target.read_text(encoding="utf-8") == nbformat.writes(nb) + "\n", (
        f"{target.relative_to(ROOT)} is out of date: run `make translations`")


def test_every_translation_keeps_its_markup_uses_the_glossary_and_agrees_across_documents():
    problems = translation_problems()
    assert problems == [], "\n".join(problems[:30])


def test_the_edition_file_has_every_text_the_tools_use():
    e = edition()
    assert e["html_lang"] == "zh-CN" and e["exercise_heading"] == "练习："
    assert {"label", "title"} <= set(e["link_from_english"]) and {"label", "title"} <= set(e["link_to_english"])
    assert {"written_answer", "answer_code", "answer_code_free"} <= set(e["student"])
    assert all("{title}" in line for line in [e["student"]["answer_code"][0], e["student"]["answer_code_free"]])


def test_the_chinese_notebooks_folder_is_outside_book():
    """nbval, ruff and the release tool walk book/: the Chinese notebooks must not be there."""
    assert not NOTEBOOKS.is_relative_to(ROOT / "book")


# --- the checks themselves ------------------------------------------------------------------------

def test_the_glossary_pairs_each_english_term_with_its_chinese():
    by_english = {t.english: t.chinese for t in terms()}
    assert by_english["learning rate"] == ("学习率",) and by_english["step size"] == ("步长",)
    assert by_english["loss function"] == ("损失函数",) and by_english["backpropagation"] == ("反向传播",)
    assert by_english["momentum"] == ("动量",) and by_english["gradient descent"] == ("梯度下降",)
    assert "偏置" in by_english["bias"] and "阈值" in by_english["bias"]
    assert len(terms()) >= 55


def test_a_non_standard_term_is_flagged_and_the_standard_one_passes():
    assert term_problems("Pick the learning rate.", "选择学习速率。") == ["'learning rate' should be 学习率"]
    assert term_problems("Pick the learning rate.", "选择学习率。") == []
    assert term_problems("Two learning rates.", "两个学习率。") == [], "plurals count"
    assert term_problems("Apply bias correction.", "做偏差修正。") == [], "the longer term is matched first"
    assert term_problems("Adam with momentum", "带动量的 Adam") == [], "a name may stay in English"
    assert term_problems("`momentum=0.9`", "`momentum=0.9`") == [], "code is not prose"
    assert term_problems("Gradient descent converges.", "梯度下降法收敛。") == []
    assert term_problems("The momentum term", "冲量项") == ["'momentum' should be 动量"]


def test_a_translation_that_changes_code_or_math_is_flagged():
    msgid = "Set `lr=0.1` and watch $\\theta_t$ ([chapter 2](02_loss_functions.ipynb))."
    assert message_problems(msgid, "设 `lr=0.1`，观察 $\\theta_t$（[第 2 章](02_loss_functions.ipynb)）。") == []
    bad = message_problems(msgid, "设 `lr = 0.1`，观察 $\\theta$（[第 2 章](02_loss_functions.ipynb)）。")
    assert len(bad) == 1 and bad[0].startswith("markup changed")
    assert message_problems("$\\text{step} = 1$", "$\\text{步} = 1$") == [], "words in \\text{} may be translated"
    assert message_problems("Run it.", "Run 它 now 吧 and see") != []


def test_a_term_with_two_senses_accepts_either_rendering_and_nothing_else():
    assert "偏差" in {t.english: t.chinese for t in terms()}["bias"]
    assert term_problems("Correct the bias of the average.", "修正平均值的偏差。") == []
    assert term_problems("Each neuron has a bias.", "每个神经元有一个偏置。") == []
    assert term_problems("Each neuron has a bias.", "每个神经元有一个偏移。") != []


def test_a_citation_keeps_its_title_venue_and_authors_but_not_the_course_s_words():
    cite = ('**Stochastic approximation.** H. Robbins and S. Monro, "A stochastic approximation method", '
            "*Annals of Mathematical Statistics* 22(3), 400–407 (1951).")
    kept = ('**随机逼近。** H. Robbins and S. Monro, "A stochastic approximation method", '
            "*Annals of Mathematical Statistics* 22(3), 400–407 (1951)。")
    assert message_problems(cite, kept, citations=True) == []
    assert message_problems(cite, kept) != [], "outside a reference list the same text is English left"
    untranslated_label = kept.replace("**随机逼近。**", "**Stochastic approximation of the root.**")
    assert message_problems(cite, untranslated_label, citations=True) != [], "the label is the course's own"
