"""Argument checks shared by the numerical modules: clear errors that name the parameter."""

from __future__ import annotations

import numbers

import torch


def check_int(value, name: str, minimum: int) -> int:
    """``value`` as an int, or a ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"Invalid {name}: {value} (expected {name} >= {minimum})")
    return int(value)


def check_real(value, name: str, what: str, low: float = 0.0, high: float | None = None, *,
               high_open: bool = False) -> None:
    """Check a hyper-parameter the way ``torch.optim`` does, with a message that also names it.

    ``value`` may be a real number (Python or NumPy) or a 1-element tensor, as torch accepts; it must
    lie in ``[low, high]`` (``[low, high)`` with ``high_open``). The message starts as torch's does,
    ``Invalid {what}: {value}``, then says which parameter and what it must be. A NaN is refused (torch
    lets some through). Raises ``TypeError`` for something that is not a number, ``ValueError`` for a
    number out of range or a tensor with more than one element.
    """
    number = value
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"Invalid {what}: {name} must be a number or a 1-element tensor, "
                             f"got a tensor of shape {tuple(value.shape)}")
        number = value.item()
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise TypeError(f"Invalid {what}: {value!r} ({name} must be a real number, got {type(value).__name__})")
    ok = low <= number
    if high is not None:
        ok = ok and (number < high if high_open else number <= high)
    if not ok:  # NaN fails every comparison and lands here too
        bound = f">= {low}" if high is None else f"in [{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"Invalid {what}: {value} ({name} must be {bound})")
