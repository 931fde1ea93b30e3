"""Argument checks shared by the numerical modules: clear errors that name the parameter."""

from __future__ import annotations

import numbers


def check_int(value, name: str, minimum: int) -> int:
    """``value`` as an int, or a ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"Invalid {name}: {value} (expected {name} >= {minimum})")
    return int(value)
