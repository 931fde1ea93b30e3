r"""A scalar reverse-mode automatic differentiation engine, small enough to read in one sitting.

Every :class:`Value` holds a number, the Values it was computed from (its *parents*) and the local
derivative of itself with respect to each parent, computed when it is made. :meth:`Value.backward`
lists the graph in topological order and walks it from the end, adding
``local derivative * gradient of the child`` into each parent: the chain rule multiplies the local
derivatives along a path and adds over the paths, exactly as the chapter on backpropagation does by
hand. A Value used twice (a bias shared by two neurons) therefore gets the sum of both uses.

``book/03_backpropagation.ipynb`` builds this class cell by cell; the cells and this module are the
same code, which the chapter asserts with :func:`differences` (syntax trees compared, formatting,
comments and docstrings aside). Keep the methods within 79 columns, as the notebook's are.

Operations: ``+``, ``-``, ``*``, unary ``-``, ``**`` with a plain-number exponent, and the
activations :meth:`Value.sigmoid`, :meth:`Value.tanh`, :meth:`Value.relu`. Plain numbers mix with
Values on either side (``2 * v``, ``1 - v``). As in torch, gradients accumulate: build a fresh graph
for each :meth:`Value.backward`. Pure Python; this module imports neither numpy nor torch.
"""

from __future__ import annotations

import ast
import inspect
import math
import numbers
import textwrap

__all__ = ["Value", "differences"]


class Value:
    """A number that remembers how it was computed."""

    def __init__(self, data, parents=(), local_grads=()):
        if not isinstance(data, numbers.Real):
            raise TypeError(f"Value: data must be a number, got {data!r}")
        self.data = float(data)
        self.grad = 0.0  # d(output)/d(self), filled in by backward()
        self.parents = parents  # the Values this one was computed from
        self.local_grads = local_grads  # d self / d parent, one per parent

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(
            self.data * other.data, (self, other), (other.data, self.data)
        )

    def __pow__(self, k):
        if not isinstance(k, numbers.Real):
            raise TypeError(f"Value ** k: k must be a plain number, got {k!r}")
        return Value(self.data**k, (self,), (k * self.data ** (k - 1),))

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):  # other - self, other a plain number
        return Value(other) - self

    __radd__ = __add__  # 2 + v
    __rmul__ = __mul__  # 2 * v

    def sigmoid(self):
        s = 0.5 * (1.0 + math.tanh(0.5 * self.data))  # = 1/(1 + e^-x)
        return Value(s, (self,), (s * (1.0 - s),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,))

    def relu(self):
        positive = self.data > 0
        return Value(max(self.data, 0.0), (self,), (float(positive),))

    def backward(self):
        # 1. every Value this one depends on, each after all its parents
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, parents_listed = stack.pop()
            if parents_listed:
                order.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))  # comes back after its parents
                stack.extend((parent, False) for parent in node.parents)
        # 2. from the output back: each node passes its gradient on
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * node.grad


def _tree(function) -> str:
    """A function's syntax tree as text, without its name, docstring, formatting or comments."""
    node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        raise ValueError(f"expected a function definition, got {type(node).__name__}")
    node.name = "_"
    node.decorator_list = []
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        node.body = body[1:] or [ast.Pass()]
    return ast.dump(node)


def differences(cls: type, reference: type = Value) -> list[str]:
    """The names of ``reference``'s methods whose code ``cls`` does not have.

    Each method of ``reference`` (this module's :class:`Value` by default) is looked up on ``cls``
    and the two functions' syntax trees are compared, so formatting, comments, docstrings and the
    name a function was first defined under do not matter (a notebook may write ``def add(self,
    other)`` and then set ``Value.__add__ = add``). An empty list: ``cls`` runs the same code.
    """
    if not isinstance(cls, type):
        raise TypeError(f"cls must be a class, got {type(cls).__name__}")
    names = []
    for name, ref in vars(reference).items():
        if not inspect.isfunction(ref):
            continue
        mine = getattr(cls, name, None)
        if not inspect.isfunction(mine):
            names.append(name)
            continue
        try:
            same = _tree(mine) == _tree(ref)
        except (OSError, TypeError, ValueError, SyntaxError):  # no source to read (defined by exec)
            same = False
        if not same:
            names.append(name)
    return names
