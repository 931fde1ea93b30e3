"""course_lib: the helper package of *Descent*, an executable course on how neural networks learn.

One module per idea, numbers apart from pictures:

- ``optim``: update rules as stateless functions, optimizer classes that wrap them
  (the twins of ``torch.optim``), and a vectorised runner for 2-D test surfaces;
- ``losses``, ``ema``, ``surfaces``, ``backprop``, ``autograd``, ``data``: the numerical core;
- ``plots`` draws what those compute, ``widgets`` wires controls to ``plots``;
- ``checks`` gives students feedback on exercises without revealing answers.

Importing the package changes no global state; a notebook calls :func:`setup` first.
"""

from importlib.metadata import PackageNotFoundError, version

from course_lib.repro import setup

__all__ = ["setup"]
try:  # the release, from pyproject.toml (the one place it is written)
    __version__ = version("course_lib")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "unknown"
