"""The glossary's standard Chinese terms, and a check that the translations use them.

``book/glossary.md``'s "Terms" table pairs each English term with its Chinese equivalent
(``learning rate, step size | 学习率, 步长``: the first with the first). A translated message whose
English contains a glossary term must contain that term's Chinese: "learning rate" rendered as
学习速率 is flagged. Longer terms are matched first (``bias correction`` before ``bias``), code and
math are ignored, plurals count. A term listed twice with two senses (``bias``: 偏置 for a neuron's,
偏差 for an estimate's) accepts either rendering. A name (a term with a capital letter, such as Adam or Nesterov) and
the function names softmax, sigmoid and logit may also stay in English.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from tools.i18n import ROOT
from tools.i18n.notebooks import prose

GLOSSARY = ROOT / "book" / "glossary.md"
#: lowercase terms Chinese texts also write in English
KEPT_IN_ENGLISH = {"softmax", "sigmoid", "logit"}


@dataclass(frozen=True)
class Term:
    english: str
    chinese: tuple[str, ...]  # any of these is the standard rendering

    @property
    def may_stay_english(self) -> bool:
        return self.english.lower() != self.english or self.english in KEPT_IN_ENGLISH

    @functools.cached_property
    def pattern(self) -> re.Pattern:
        words = [re.escape(w) for w in re.split(r"[\s-]+", self.english)]
        body = r"[\s-]+".join(words)
        if self.english.endswith("s") and not self.english.endswith("ss"):
            return re.compile(rf"(?<![\w-]){body}(?![\w-])", re.I)  # "AdaGrad's" is fine, "Nesterov's" too
        return re.compile(rf"(?<![\w-]){body}(?:s|es)?(?![\w-])", re.I)


def _split(cell: str) -> list[str]:
    """``a, b (c, d)`` -> ``["a", "b"]`` (the parenthesised abbreviations are not terms to match)."""
    cell = re.sub(r"\([^)]*\)", "", cell)
    return [p.strip() for p in cell.split(",") if p.strip()]


def _slashed(term: str) -> list[str]:
    """``first / second moment`` -> ``["first moment", "second moment"]``."""
    if "/" not in term:
        return [term]
    parts = [p.strip() for p in term.split("/")]
    noun = parts[-1].split()[-1]
    return [p if p.endswith(noun) else f"{p} {noun}" for p in parts]


@functools.lru_cache(maxsize=1)
def terms() -> tuple[Term, ...]:
    """The glossary's terms, longest first."""
    text = GLOSSARY.read_text(encoding="utf-8")
    table = text[text.index("## Terms"):]
    out = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] in ("Term", "") or set(cells[0]) <= set("-: "):
            continue
        english = [e for part in _split(cells[0]) for e in _slashed(part)]
        chinese = [c.strip() for part in cells[1].split(",") for c in part.split("/") if c.strip()]
        if not chinese:
            continue
        if len(english) == len(chinese):
            pairs = [(e, (c,)) for e, c in zip(english, chinese)]
        else:
            pairs = [(e, tuple(chinese)) for e in english]
        for e, c in pairs:
            # "偏置 (阈值)": the parenthesised alternative counts too
            out.append(Term(e, tuple(x.strip() for part in c for x in re.split(r"[()（）]", part) if x.strip())))
    # one English word, two senses (a neuron's bias 偏置, an estimate's bias 偏差): either rendering counts
    merged: dict[str, tuple[str, ...]] = {}
    for t in out:
        key = t.english.lower()
        merged[key] = merged.get(key, ()) + tuple(c for c in t.chinese if c not in merged.get(key, ()))
    first = {t.english.lower(): t.english for t in reversed(out)}
    out = [Term(first[k], c) for k, c in merged.items()]
    return tuple(sorted(out, key=lambda t: -len(t.english)))


def chinese_terms() -> set[str]:
    return {c for t in terms() for c in t.chinese}


def term_problems(msgid: str, msgstr: str) -> list[str]:
    """The glossary terms of ``msgid`` whose standard Chinese ``msgstr`` lacks."""
    english = prose(msgid)
    chinese = prose(msgstr)
    problems = []
    for term in terms():
        if not term.pattern.search(english):
            continue
        english = term.pattern.sub(" ", english)  # "bias correction" is not also "bias"
        if any(c.replace(" ", "") in chinese.replace(" ", "") for c in term.chinese):  # 平滑L1损失 = 平滑 L1 损失
            continue
        if term.may_stay_english and term.pattern.search(chinese):
            continue
        problems.append(f"{term.english!r} should be {' or '.join(term.chinese)}")
    return problems
