"""The Sphinx extension that turns the notebooks' plain-Markdown exercises into sphinx-exercise directives."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools.sphinx_ext.exercises import ExerciseFormatError, to_directives


def _nb():
    check = new_code_cell("_ = check_lag(lag)", metadata={"tags": ["check"]})
    check.outputs = [new_output("stream", name="stdout", text="✓ right\n")]
    return new_notebook(cells=[
        new_markdown_cell("# Toy"),
        new_markdown_cell("### Exercise: How far behind?\n\nFind $d$.\n\n```python\nema(x)\n```",
                          metadata={"tags": ["exercise"], "exercise": {"label": "ema-lag"}}),
        new_code_cell("ex = exercise_inputs('ema-lag')\nex"),
        new_markdown_cell("Put $S_t = t - d$ in.", metadata={"tags": ["solution"]}),
        new_code_cell("lag = 9.0", metadata={"tags": ["solution"]}),
        check,
    ])


def test_exercise_becomes_a_numbered_labelled_directive_and_solutions_a_dropdown():
    nb = _nb()
    out = to_directives(nb)
    sources = [c.source for c in out.cells]
    assert sources[1].startswith("````{exercise} How far behind?\n:label: ema-lag\n\nFind $d$.")
    assert sources[1].endswith("\n````")  # a fence longer than the code block inside
    assert sources[3] == "```{solution-start} ema-lag\n:class: dropdown\n```"
    assert sources[4:6] == ["Put $S_t = t - d$ in.", "lag = 9.0"]
    assert sources[6] == "```{solution-end}\n```" and sources[7] == "_ = check_lag(lag)"
    assert out.cells[7].outputs and nb.cells[1].source.startswith("### Exercise")  # the input is unchanged
    assert len({c.id for c in out.cells}) == len(out.cells)
    nbformat.validate(out)


def test_the_semester_site_drops_solutions_and_check_outputs():
    out = to_directives(_nb(), solutions="remove")
    sources = [c.source for c in out.cells]
    assert "lag = 9.0" not in sources and not any("solution" in s for s in sources)
    assert out.cells[-1].source == "_ = check_lag(lag)" and out.cells[-1].outputs == []


@pytest.mark.parametrize("change, words", [
    (lambda nb: nb.cells[1].metadata.pop("exercise"), "exercise.label"),
    (lambda nb: setattr(nb.cells[1], "source", "Exercise without a heading"), "must start with"),
    (lambda nb: nb.cells.__delitem__(1), "before any exercise"),
])
def test_format_errors_are_named(change, words):
    nb = _nb()
    change(nb)
    with pytest.raises(ExerciseFormatError, match=words):
        to_directives(nb)


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="descent_solutions"):
        to_directives(_nb(), solutions="hide")
