"""`make notebooks` is reproducible: executing twice gives byte-identical notebooks."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools import run_notebooks


@pytest.mark.slow
def test_executing_twice_gives_identical_bytes_with_widgets_and_figures(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell("# A tiny chapter"),
        new_code_cell("from course_lib import setup\nsetup()\nimport torch\nprint(torch.randn(3))"),
        new_code_cell("import ipywidgets as w\ns = w.IntSlider(3)\nb = w.VBox([s, w.Label('x')])\nb"),
        new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.title('t')\nplt.show()"),
    ])
    nb.metadata.kernelspec = {"name": "some-other-kernel", "display_name": "Other", "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    run_notebooks.execute(path)
    first = path.read_bytes()
    run_notebooks.execute(path)
    assert path.read_bytes() == first
    done = nbformat.read(path, as_version=4)
    assert done.metadata.kernelspec["name"] == "python3"
    state = done.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    assert len(state) >= 3
    assert [c.execution_count for c in done.cells if c.cell_type == "code"] == [1, 2, 3]
    assert any("image/png" in o.get("data", {}) for o in done.cells[3].outputs)


@pytest.mark.slow
def test_a_figure_that_cannot_be_drawn_stops_the_notebook_from_being_written(tmp_path):
    # A mathtext error raises in the PNG formatter: the cell itself succeeds and the kernel reports no
    # error, but an error output would be stored under the figure.
    nb = new_notebook(cells=[
        new_markdown_cell("# A tiny chapter"),
        new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.title(r'$\\foo{x$')\nplt.show()"),
    ])
    path = tmp_path / "broken_figure.ipynb"
    nbformat.write(nb, path)
    before = path.read_bytes()
    with pytest.raises(run_notebooks.ErrorOutput, match=r"broken_figure.ipynb cell 1: ValueError"):
        run_notebooks.execute(path)
    assert path.read_bytes() == before
