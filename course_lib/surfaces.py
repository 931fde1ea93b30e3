r"""Test functions for optimizers: value, gradient and Hessian over batches of points.

Every surface takes points of shape ``(..., dim)`` (a torch tensor, a NumPy array or a
list) and returns values of shape ``(...)``, gradients and points of shape
``(..., dim)``, Hessians of shape ``(..., dim, dim)``, all in float64 torch tensors.
Each carries a plotting ``window``, a default ``start`` and its ``minimum`` where one
is known. Gradients and Hessians are written by hand; the tests check them against
autograd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = [
    "Surface", "Parabola", "PittedCurve", "Ravine", "Rosenbrock", "Saddle", "LinearRegressionMSE",
    "SURFACES", "as_points",
]


def as_points(p, dim: int) -> torch.Tensor:
    """Points as a float64 tensor whose last axis has length ``dim`` (a 1-D surface also takes ``(...)``)."""
    t = torch.as_tensor(np.asarray(p, dtype=np.float64)) if not isinstance(p, torch.Tensor) else p
    t = t.to(torch.float64)
    if dim == 1 and (t.ndim == 0 or t.shape[-1] != 1):
        t = t.unsqueeze(-1)
    if t.shape[-1] != dim:
        raise ValueError(f"points must have a last axis of length {dim}, got shape {tuple(t.shape)}")
    return t


@dataclass(frozen=True)
class Surface:
    """A differentiable test function of ``dim`` variables."""

    name: str
    dim: int
    window: tuple[tuple[float, float], ...]
    start: tuple[float, ...]
    minimum: tuple[float, ...] | None

    def value(self, p) -> torch.Tensor:
        return self._value(as_points(p, self.dim))

    def grad(self, p) -> torch.Tensor:
        return self._grad(as_points(p, self.dim))

    def hessian(self, p) -> torch.Tensor:
        return self._hessian(as_points(p, self.dim))

    def __call__(self, p) -> torch.Tensor:
        return self.value(p)

    @property
    def minimum_value(self) -> float | None:
        return None if self.minimum is None else float(self.value(self.minimum))

    def grid(self, n: int = 200) -> tuple[np.ndarray, ...]:
        """Plotting grid over the window: ``(xs, values)`` in 1-D, ``(X, Y, Z)`` in 2-D."""
        if self.dim == 1:
            xs = np.linspace(*self.window[0], n)
            return xs, self.value(xs[:, None]).numpy()
        xs, ys = np.linspace(*self.window[0], n), np.linspace(*self.window[1], n)
        X, Y = np.meshgrid(xs, ys)
        Z = self.value(np.stack([X, Y], axis=-1)).numpy()
        return X, Y, Z

    # subclasses implement these on float64 tensors of shape (..., dim)
    def _value(self, p: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def _grad(self, p: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def _hessian(self, p: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError


def _diag(*entries: torch.Tensor) -> torch.Tensor:
    return torch.diag_embed(torch.stack(entries, dim=-1))


@dataclass(frozen=True)
class Parabola(Surface):
    r""":math:`f(x) = x^2`, the first example of the course: :math:`f'(x) = 2x`, :math:`L = 2`."""

    name: str = "parabola"
    dim: int = 1
    window: tuple = ((-2.0, 2.0),)
    start: tuple = (-1.0,)
    minimum: tuple = (0.0,)

    def _value(self, p):
        return p[..., 0] ** 2

    def _grad(self, p):
        return 2 * p

    def _hessian(self, p):
        return torch.full(p.shape[:-1] + (1, 1), 2.0, dtype=p.dtype)


@dataclass(frozen=True)
class PittedCurve(Surface):
    r"""A bowl with small pits: :math:`f(x) = a x^2 - b\cos(c x) + b`.

    With the defaults the bowl has its global minimum at 0 and shallow local minima
    (the "small pits") on its walls, where plain gradient descent stops and a rolling
    ball with momentum carries on.
    """

    a: float = 0.1
    b: float = 0.2
    c: float = 3.0
    name: str = "pitted curve"
    dim: int = 1
    window: tuple = ((-5.5, 5.5),)
    start: tuple = (-5.0,)
    minimum: tuple = (0.0,)

    def _value(self, p):
        x = p[..., 0]
        return self.a * x**2 - self.b * torch.cos(self.c * x) + self.b

    def _grad(self, p):
        return 2 * self.a * p + self.b * self.c * torch.sin(self.c * p)

    def _hessian(self, p):
        return (2 * self.a + self.b * self.c**2 * torch.cos(self.c * p)).unsqueeze(-1)


@dataclass(frozen=True)
class Ravine(Surface):
    r"""An ill-conditioned quadratic, flat in :math:`x` and steep in :math:`y`:

    .. math:: f(x, y) = 0.1\,x^2 + 0.1\,\kappa\,y^2

    Its Hessian is :math:`\mathrm{diag}(0.2, 0.2\kappa)`, so its condition number is
    :math:`\kappa` and gradient descent is stable for :math:`\alpha < 2/(0.2\kappa)`
    (0.5 with the default :math:`\kappa = 20`, the classic :math:`0.1x^2 + 2y^2`).
    """

    kappa: float = 20.0
    name: str = "ravine"
    dim: int = 2
    window: tuple = ((-5.5, 1.5), (-3.0, 3.0))
    start: tuple = (-5.0, -2.0)
    minimum: tuple = (0.0, 0.0)

    def __post_init__(self):
        if not (isinstance(self.kappa, (int, float)) and self.kappa >= 1):
            raise ValueError(f"Invalid kappa: {self.kappa!r} (the condition number must be >= 1)")

    @property
    def curvatures(self) -> tuple[float, float]:
        """The Hessian's eigenvalues (smallest, largest)."""
        return 0.2, 0.2 * self.kappa

    def _value(self, p):
        return 0.1 * p[..., 0] ** 2 + 0.1 * self.kappa * p[..., 1] ** 2

    def _grad(self, p):
        return torch.stack([0.2 * p[..., 0], 0.2 * self.kappa * p[..., 1]], dim=-1)

    def _hessian(self, p):
        x = p[..., 0]
        return _diag(torch.full_like(x, 0.2), torch.full_like(x, 0.2 * self.kappa))


@dataclass(frozen=True)
class Rosenbrock(Surface):
    r"""Rosenbrock's banana valley :math:`f(x, y) = (a - x)^2 + b\,(y - x^2)^2`, minimum at :math:`(a, a^2)`."""

    a: float = 1.0
    b: float = 100.0
    name: str = "Rosenbrock"
    dim: int = 2
    window: tuple = ((-2.0, 2.0), (-1.0, 3.0))
    start: tuple = (-1.5, 2.0)
    minimum: tuple = (1.0, 1.0)

    def _value(self, p):
        x, y = p[..., 0], p[..., 1]
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def _grad(self, p):
        x, y = p[..., 0], p[..., 1]
        return torch.stack([-2 * (self.a - x) - 4 * self.b * x * (y - x**2), 2 * self.b * (y - x**2)], dim=-1)

    def _hessian(self, p):
        x, y = p[..., 0], p[..., 1]
        dxx = 2 - 4 * self.b * (y - x**2) + 8 * self.b * x**2
        dxy = -4 * self.b * x
        dyy = torch.full_like(x, 2 * self.b)
        return torch.stack([torch.stack([dxx, dxy], -1), torch.stack([dxy, dyy], -1)], -2)


@dataclass(frozen=True)
class Saddle(Surface):
    r"""A saddle at the origin with two minima beside it: :math:`f(x, y) = x^2 - y^2 + \tfrac12 y^4`.

    The Hessian at the origin, :math:`\mathrm{diag}(2, -2)`, has eigenvalues of both signs (a saddle);
    the minima at :math:`(0, \pm 1)` have value :math:`-\tfrac12`. A run started exactly on the
    :math:`x`-axis never leaves it: plain gradient descent slides into the saddle and stays.
    """

    name: str = "saddle"
    dim: int = 2
    window: tuple = ((-2.0, 2.0), (-1.6, 1.6))
    start: tuple = (-1.8, 0.001)
    minimum: tuple = (0.0, 1.0)

    def _value(self, p):
        x, y = p[..., 0], p[..., 1]
        return x**2 - y**2 + 0.5 * y**4

    def _grad(self, p):
        x, y = p[..., 0], p[..., 1]
        return torch.stack([2 * x, -2 * y + 2 * y**3], dim=-1)

    def _hessian(self, p):
        x, y = p[..., 0], p[..., 1]
        return _diag(torch.full_like(x, 2.0), -2 + 6 * y**2)


class LinearRegressionMSE(Surface):
    r"""The cost of the line :math:`\hat y = \theta_0 + \theta_1 x` on a data set, over :math:`(\theta_0, \theta_1)`:

    .. math::
        L(\theta) = \frac1m\sum_{i=1}^m (\theta_0 + \theta_1 x_i - y_i)^2,\qquad
        \nabla L = \frac2m\sum_{i=1}^m (\theta_0 + \theta_1 x_i - y_i)\,(1, x_i)

    ``minimum`` is the least-squares solution; the window is ``radius`` around it.
    """

    def __init__(self, x, y, radius: float = 1.0):
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        if x.shape != y.shape or x.size < 2:
            raise ValueError(f"x and y must be 1-D of the same length >= 2, got x {x.shape} and y {y.shape}")
        design = np.stack([np.ones_like(x), x], axis=1)
        solution = np.linalg.lstsq(design, y, rcond=None)[0]
        t0, t1 = (float(v) for v in solution)
        object.__setattr__(self, "x", torch.as_tensor(x))
        object.__setattr__(self, "y", torch.as_tensor(y))
        super().__init__(
            name="linear-regression MSE", dim=2,
            window=((t0 - radius, t0 + radius), (t1 - radius, t1 + radius)),
            start=(0.0, 0.0), minimum=(t0, t1),
        )

    def residuals(self, p: torch.Tensor) -> torch.Tensor:
        return p[..., 0:1] + p[..., 1:2] * self.x - self.y

    def _value(self, p):
        return (self.residuals(p) ** 2).mean(dim=-1)

    def _grad(self, p):
        r = self.residuals(p)
        return torch.stack([2 * r.mean(dim=-1), 2 * (r * self.x).mean(dim=-1)], dim=-1)

    def _hessian(self, p):
        m = float(len(self.x))
        h = torch.tensor([[2.0, 2 * float(self.x.sum()) / m],
                          [2 * float(self.x.sum()) / m, 2 * float((self.x**2).sum()) / m]], dtype=torch.float64)
        return h.expand(p.shape[:-1] + (2, 2)).clone()

    def __repr__(self) -> str:
        return f"LinearRegressionMSE(m={len(self.x)}, minimum=({self.minimum[0]:.4f}, {self.minimum[1]:.4f}))"

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other) -> bool:
        return self is other


SURFACES: dict[str, Surface] = {
    "ravine": Ravine(),
    "Rosenbrock": Rosenbrock(),
    "saddle": Saddle(),
}


def newton_step(surface: Surface, p) -> torch.Tensor:
    r"""Newton's step :math:`-H^{-1}\nabla f` at ``p`` (the second-order idea that momentum and Adam approximate)."""
    p = as_points(p, surface.dim)
    return -torch.linalg.solve(surface.hessian(p), surface.grad(p).unsqueeze(-1)).squeeze(-1)


__all__.append("newton_step")


def stationary_points(surface: Surface, lo: float | None = None, hi: float | None = None, *,
                      n: int = 4001) -> list[tuple[float, str]]:
    r"""Every point of ``[lo, hi]`` where a 1-D surface's slope vanishes, with its kind, in increasing order.

    The slope :math:`f'` is scanned on ``n`` evenly spaced points (default range: the surface's window);
    each sign change is refined by bisection to float64 precision, and the second derivative there says
    ``"minimum"`` (:math:`f'' > 0`), ``"maximum"`` (:math:`f'' < 0`) or ``"flat"``. A zero of :math:`f'`
    that does not change sign, or two zeros closer than the grid spacing, can be missed: choose ``n`` so
    that the spacing is well below the distance between neighbouring zeros.
    """
    if surface.dim != 1:
        raise ValueError(f"stationary_points needs a 1-D surface, got dim {surface.dim}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 3:
        raise ValueError(f"Invalid n: {n!r} (expected an int >= 3)")
    lo = surface.window[0][0] if lo is None else float(lo)
    hi = surface.window[0][1] if hi is None else float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"Invalid range: lo={lo}, hi={hi} (expected finite lo < hi)")

    def slope(x: float) -> float:
        return float(surface.grad([x]).reshape(-1)[0])

    xs = np.linspace(lo, hi, n)
    g = surface.grad(xs[:, None]).numpy().reshape(-1)
    roots = [float(x) for x, v in zip(xs, g) if v == 0.0]
    for i in np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0):
        a, b, ga = float(xs[i]), float(xs[i + 1]), float(g[i])
        for _ in range(200):
            m = 0.5 * (a + b)
            if m in (a, b):
                break
            gm = slope(m)
            if gm == 0.0:
                a = b = m
                break
            if (gm < 0) == (ga < 0):
                a, ga = m, gm
            else:
                b = m
        roots.append(0.5 * (a + b))
    out = []
    for x in sorted(roots):
        curv = float(surface.hessian([x]).reshape(-1)[0])
        out.append((x, "minimum" if curv > 0 else "maximum" if curv < 0 else "flat"))
    return out


__all__.append("stationary_points")
