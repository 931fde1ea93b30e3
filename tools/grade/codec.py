"""The grader's side of the probe's plain data: decode it, and replay recorded calls to a check.

Nothing here runs student code: :func:`decode` builds Python numbers, NumPy arrays, torch tensors,
lists, dicts and course_lib dataclasses from the tagged JSON of :mod:`tools.grade.probe`; a
:class:`Replayer` stands in for a student's function and answers a check's calls from the record the
kernel made, applying what the function changed in its arguments.
"""

from __future__ import annotations

import dataclasses
import importlib
import keyword
import math
import re

import numpy as np
import torch

from tools.grade.probe import dumps, encode

__all__ = ["decode", "Opaque", "Replayer", "ReplayError", "StudentError", "DataError"]


class DataError(ValueError):
    """The kernel sent data that is not what the probe writes."""


class ReplayError(BaseException):
    """A check called the student's function in a way the kernel's record does not hold.

    A ``BaseException``: it must pass through the checks' ``except Exception`` (which would turn it into
    a hint) up to the judge, which reports it as an error of the grading, not of the student.
    """


class StudentError(Exception):
    """An error the student's function raised in the kernel, raised again here with its type's name."""


class Opaque:
    """An object the kernel could not send as plain data; checks see an object with no numbers in it."""

    def __init__(self, why: str):
        self._why = why

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self._why}>"


_IDENT = re.compile(r"[^0-9A-Za-z_]")


def _named(base: type, name: str, cache: dict = {}) -> type:  # noqa: B006 - a deliberate per-process cache
    """A subclass of ``base`` called ``name`` (so that a check's "got a map" names the student's type)."""
    name = _IDENT.sub("_", str(name))[:60] or "object"
    if name[0].isdigit() or keyword.iskeyword(name):
        name = "_" + name
    key = (base, name)
    if key not in cache:
        cache[key] = type(name, (base,), {})
    return cache[key]


def _number(v, kind: str):
    if isinstance(v, str):
        if v in ("nan", "inf", "-inf"):
            return float(v)
        if kind == "int" and re.fullmatch(r"-?\d{1,400}", v):
            return int(v)
        raise DataError(f"not a number: {v[:40]!r}")
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise DataError(f"not a number: {type(v).__name__}")
    return v


_NP = {"float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"}
_TORCH = _NP | {"bfloat16"}


def _flat(enc: dict, dtypes: set) -> tuple[str, list[int], list]:
    dtype, shape, values = enc.get("dtype"), enc.get("shape"), enc.get("v")
    if dtype not in dtypes or not isinstance(shape, list) or not isinstance(values, list):
        raise DataError("a malformed array")
    if not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s for s in shape):
        raise DataError("a malformed shape")
    if math.prod(shape) != len(values):
        raise DataError("an array whose shape and values disagree")
    kind = "bool" if dtype == "bool" else "int" if dtype.startswith(("int", "uint")) else "float"
    if kind == "bool":
        if not all(isinstance(v, bool) for v in values):
            raise DataError("a malformed boolean array")
        return dtype, shape, values
    return dtype, shape, [_number(v, kind) for v in values]


def decode(enc):
    """The Python object the tagged data ``enc`` describes (raises :class:`DataError` on anything else)."""
    if not isinstance(enc, dict) or "t" not in enc:
        raise DataError("a value without its type tag")
    t = enc["t"]
    v = enc.get("v")
    if t == "none":
        return None
    if t == "bool":
        if not isinstance(v, bool):
            raise DataError("a malformed bool")
        return v
    if t == "int":
        out = _number(v, "int")
        if not isinstance(out, int):
            raise DataError("a malformed int")
        return out
    if t == "float":
        return float(_number(v, "float"))
    if t == "str":
        if not isinstance(v, str):
            raise DataError("a malformed str")
        return v
    if t in ("list", "tuple"):
        if not isinstance(v, list):
            raise DataError(f"a malformed {t}")
        items = [decode(x) for x in v]
        return items if t == "list" else tuple(items)
    if t == "dict":
        if not isinstance(v, list) or not all(isinstance(kv, list) and len(kv) == 2 for kv in v):
            raise DataError("a malformed dict")
        out = {}
        for k, x in v:
            key = decode(k)
            try:
                hash(key)
            except TypeError:
                raise DataError("a dict with an unhashable key") from None
            out[key] = decode(x)
        return out
    if t == "ndarray":
        dtype, shape, values = _flat(enc, _NP)
        return np.array(values, dtype=dtype).reshape(shape)
    if t == "npscalar":
        dtype, _, values = _flat({"dtype": enc.get("dtype"), "shape": [1], "v": [v]}, _NP)
        return np.dtype(dtype).type(values[0])
    if t == "tensor":
        return _tensor(enc)
    if t == "dataclass":
        return _dataclass(enc)
    if t == "callable":
        return _named(Opaque, enc.get("type", "function"))("a function of the kernel")
    if t == "opaque":
        return _named(Opaque, enc.get("type", "object"))(str(enc.get("why", ""))[:200])
    raise DataError(f"an unknown type tag {str(t)[:20]!r}")


def _tensor(enc: dict) -> torch.Tensor:
    dtype, shape, values = _flat(enc, _TORCH)
    out = torch.tensor(values, dtype=torch.float64 if dtype == "bfloat16" else getattr(torch, dtype))
    out = out.to(getattr(torch, dtype)).reshape(shape)
    if enc.get("requires_grad") is True and out.is_floating_point():
        out.requires_grad_(True)
    if enc.get("grad") is not None:
        grad = _tensor(enc["grad"])
        if grad.shape == out.shape and grad.dtype == out.dtype and out.requires_grad:
            out.grad = grad
    return out


def _dataclass(enc: dict):
    path = enc.get("cls")
    if not isinstance(path, str) or not path.startswith("course_lib."):
        raise DataError("a dataclass from outside course_lib")
    fields = enc.get("v")
    if not isinstance(fields, list):
        raise DataError("a malformed dataclass")
    module_name, _, qualname = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), qualname)
    except (ImportError, AttributeError):
        raise DataError(f"an unknown class {path[:80]}") from None
    if not dataclasses.is_dataclass(cls):
        raise DataError(f"{path[:80]} is not a dataclass")
    values = {str(k): decode(x) for k, x in fields}
    try:
        return cls(**values)
    except TypeError as err:
        raise DataError(f"{path[:80]} could not be rebuilt: {err}") from None


# --- replay ---------------------------------------------------------------------------------------------


def _key(args, kwargs) -> str:
    return dumps([[encode(a) for a in args], [[k, encode(v)] for k, v in kwargs.items()]])


def _record_key(record: dict) -> str:
    return dumps([record.get("args"), record.get("kwargs", [])])


class Replayer:
    """Answer a check's calls to the student's function called ``name`` from the kernel's record."""

    def __init__(self, name: str, calls: list):
        if not isinstance(calls, list):
            raise DataError("a malformed record of calls")
        self.__name__ = name
        self._calls = calls
        self._used: set[int] = set()

    def __call__(self, *args, **kwargs):
        key = _key(args, kwargs)
        for i, record in enumerate(self._calls):
            if i not in self._used and isinstance(record, dict) and _record_key(record) == key:
                self._used.add(i)
                return self._answer(record, args)
        raise ReplayError(f"`{self.__name__}` was called on inputs the kernel's record does not hold")

    def _answer(self, record: dict, args: tuple):
        after = record.get("after") or []
        for target, change in zip(args, after):
            if change is not None:
                _apply(target, change)
        if "raised" in record:
            kind, message = (list(record["raised"]) + ["", ""])[:2]
            raise _named(StudentError, kind)(str(message))
        if "out" not in record:
            raise DataError("a call with neither a result nor an error")
        return decode(record["out"])


def _apply(target, change: dict) -> None:
    """Make ``target`` (the check's own argument) what the student's function left it as, in place."""
    new_enc = change.get("v")
    if isinstance(target, torch.Tensor):
        new = decode(new_enc)
        if not isinstance(new, torch.Tensor):
            return
        with torch.no_grad():
            if new.shape == target.shape:
                target.copy_(new.to(target.dtype))
        if target.is_leaf:
            if new.requires_grad != target.requires_grad and target.is_floating_point():
                target.requires_grad_(new.requires_grad)
            target.grad = new.grad.detach() if new.grad is not None else None
    elif isinstance(target, np.ndarray):
        new = decode(new_enc)
        if isinstance(new, np.ndarray) and new.shape == target.shape and target.flags.writeable:
            target[...] = new
    elif isinstance(target, list):
        if not isinstance(new_enc, dict) or new_enc.get("t") not in ("list", "tuple"):
            target[:] = [decode(new_enc)] if new_enc is not None else []
            return
        items = new_enc.get("v") or []
        same = change.get("same") or []
        out = []
        for i, item in enumerate(items):
            if i < len(same) and same[i] is True and i < len(target):
                if dumps(encode(target[i])) != dumps(item):
                    _apply(target[i], {"v": item})
                out.append(target[i])
            else:
                out.append(decode(item))
        target[:] = out
    elif isinstance(target, dict):
        new = decode(new_enc)
        if isinstance(new, dict):
            target.clear()
            target.update(new)
