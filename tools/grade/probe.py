"""The probe: the grader's code that runs INSIDE a student's kernel, and the plain data it speaks.

The probe decides nothing. After an exercise's cells it reports the exercise's answers (:func:`answers`):
a value as plain data, a function as "callable". The grader then runs the exercise's checks in its
own process; each time a check calls the student's function, the grader sends the call's arguments
(plain data, built by the check) and the probe runs the student's function on them in the kernel
(:func:`call`) and returns what it gave back, or the error it raised, and what it changed in its
arguments. So a submission that patches a check, ``course_lib``, NumPy, torch or this very code can at
most send different data, never a verdict, and never choose the inputs it is tested on.

This file is self-contained (standard library; NumPy and torch only if the kernel imported them): the
grader sends its source in the probe cells, so it also works in a container that has only the course's
requirements.

Plain data, one tagged JSON object per value (:func:`encode`, :func:`decode`):

- ``{"t": "none"|"bool"|"int"|"float"|"str", "v": ...}``; ``list``/``tuple`` with ``"v": [items]``;
  ``dict`` with ``"v": [[key, value], ...]`` (floats ``nan``/``inf`` as the strings ``"nan"``, ``"inf"``);
- ``{"t": "ndarray", "dtype", "shape", "v": flat list}`` and ``{"t": "npscalar", "dtype", "v"}``;
- ``{"t": "tensor", "dtype", "shape", "v", "requires_grad", "grad"}``;
- ``{"t": "dataclass", "cls": "course_lib.…", "v": [[field, value], ...]}`` (course_lib's only);
- ``{"t": "callable", "type", "name", "ref"}``: a function; ``ref`` names it when it is a module-level
  function of ``course_lib`` (a check may pass one to the student's function);
- ``{"t": "opaque", "type", "why"}`` for anything else (decoded as an :class:`Opaque` of that type name).
"""

from __future__ import annotations

import json
import math
import re
import sys

MIME = "text/x-descent-grade"
#: most numbers one value may hold (beyond, it is "too large to grade")
MAX_NUMBERS = 2_000_000
#: longest text kept (answers that are strings, error messages)
MAX_TEXT = 2_000


class DataError(ValueError):
    """Data that is not what :func:`encode` writes."""


class Opaque:
    """An object that could not be sent as plain data: no numbers in it, only its type's name."""

    def __init__(self, why: str = ""):
        self._why = why

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self._why}>"


def _short(text, limit: int = MAX_TEXT) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_name(x) -> str:
    try:
        return _short(type(x).__name__, 100)
    except Exception:  # noqa: BLE001
        return "object"


# --- encode ----------------------------------------------------------------------------------------------


class _Budget:
    def __init__(self, numbers: int = MAX_NUMBERS):
        self.left = numbers

    def take(self, n: int) -> bool:
        self.left -= n
        return self.left >= 0


def _float(x) -> float | str:
    x = float(x)
    return x if math.isfinite(x) else repr(x)  # 'nan', 'inf', '-inf': JSON has no such numbers


def encode(x, budget: _Budget | None = None, depth: int = 0) -> dict:
    """``x`` as tagged plain data. Never raises; never calls the object's own methods for built-in types."""
    budget = budget or _Budget()
    try:
        return _encode(x, budget, depth)
    except Exception as err:  # noqa: BLE001 - a student's object may fail in any way while being read
        return {"t": "opaque", "type": _type_name(x), "why": _short(f"could not be read: {type(err).__name__}")}


def _too_large(x) -> dict:
    return {"t": "opaque", "type": _type_name(x), "why": "too large"}


def _encode(x, budget: _Budget, depth: int) -> dict:
    if depth > 20:
        return {"t": "opaque", "type": _type_name(x), "why": "nested too deeply"}
    np, torch = sys.modules.get("numpy"), sys.modules.get("torch")
    if np is not None and isinstance(x, np.generic):  # before float: np.float64 is a float
        enc = _encode_array(np.asarray(x), budget)
        return {"t": "npscalar", "dtype": enc["dtype"], "v": enc["v"][0]} if enc["t"] == "ndarray" else enc
    # built-in types, read through the base type (a subclass's overridden methods are not asked)
    if x is None:
        return {"t": "none"}
    if isinstance(x, bool):
        return {"t": "bool", "v": bool(x)}
    if isinstance(x, int):
        if not budget.take(1):
            return _too_large(x)
        v = int.__int__(x)
        return {"t": "int", "v": v if abs(v) < 2**63 else str(v)}
    if isinstance(x, float):
        budget.take(1)
        return {"t": "float", "v": _float(float.__float__(x))}
    if isinstance(x, str):
        return {"t": "str", "v": _short(str.__str__(x))}
    if isinstance(x, (list, tuple)):
        kind = "tuple" if isinstance(x, tuple) else "list"
        items = list(tuple.__iter__(x)) if kind == "tuple" else list(list.__iter__(x))
        if not budget.take(len(items)):
            return _too_large(x)
        return {"t": kind, "v": [_encode(v, budget, depth + 1) for v in items]}
    if isinstance(x, dict):
        items = list(dict.items(x))
        if not budget.take(len(items)):
            return _too_large(x)
        return {"t": "dict", "v": [[_encode(k, budget, depth + 1), _encode(v, budget, depth + 1)] for k, v in items]}
    if torch is not None and isinstance(x, torch.Tensor):
        return _encode_tensor(x, budget)
    if np is not None and isinstance(x, np.ndarray):
        return _encode_array(np.asarray(x), budget)
    cls = type(x)
    module = getattr(cls, "__module__", "") or ""
    fields = getattr(cls, "__dataclass_fields__", None)
    if fields is not None and module.split(".")[0] == "course_lib":
        return {"t": "dataclass", "cls": f"{module}.{cls.__qualname__}",
                "v": [[name, _encode(getattr(x, name), budget, depth + 1)] for name in fields]}
    if callable(x):
        return {"t": "callable", "type": _type_name(x), "name": _short(getattr(x, "__name__", "") or "", 100),
                "ref": _ref(x)}
    return {"t": "opaque", "type": _type_name(x), "why": "not plain data"}


def _ref(fn) -> str | None:
    """``module:name`` for a module-level function of course_lib (how the kernel gets the same one)."""
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(name, str) or not module.startswith("course_lib"):
        return None
    return f"{module}:{name}" if getattr(sys.modules.get(module), name, None) is fn else None


_DTYPES = ("float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")


def _values(flat: list, kind: str) -> list:
    if kind == "bool":
        return [bool(v) for v in flat]
    if kind.startswith(("int", "uint")):
        return [int(v) for v in flat]
    return [_float(v) for v in flat]


def _encode_array(x, budget: _Budget) -> dict:
    dtype = str(x.dtype)
    if dtype not in _DTYPES:
        return {"t": "opaque", "type": "ndarray", "why": f"an array of {dtype}, not of numbers"}
    if not budget.take(int(x.size)):
        return _too_large(x)
    return {"t": "ndarray", "dtype": dtype, "shape": [int(s) for s in x.shape], "v": _values(x.ravel().tolist(), dtype)}


def _encode_tensor(x, budget: _Budget) -> dict:
    torch = sys.modules["torch"]
    # torch's own methods, not a tensor subclass's or a TorchFunctionMode's
    with torch._C.DisableTorchFunction(), torch.no_grad():
        dtype = str(x.dtype).replace("torch.", "")
        if dtype not in _DTYPES:
            return {"t": "opaque", "type": "Tensor", "why": f"a tensor of {dtype}, not graded"}
        if not budget.take(int(x.numel())):
            return _too_large(x)
        flat = x.detach().to("cpu").reshape(-1)
        values = flat.double().tolist() if dtype in ("float16", "bfloat16") else flat.tolist()
        grad = x.grad if x.is_leaf else None
        shape = [int(s) for s in x.shape]
        requires_grad = bool(x.requires_grad)
    return {"t": "tensor", "dtype": dtype, "shape": shape, "v": _values(values, dtype),
            "requires_grad": requires_grad, "grad": None if grad is None else _encode_tensor(grad, budget)}


def dumps(enc) -> str:
    """The canonical text of encoded data."""
    return json.dumps(enc, separators=(",", ":"), ensure_ascii=False)


# --- decode ----------------------------------------------------------------------------------------------

_IDENT = re.compile(r"[^0-9A-Za-z_]")
_NAMED: dict = {}


def named(base: type, name: str) -> type:
    """A subclass of ``base`` called ``name`` (so that a check's "got a map" names the student's type)."""
    name = _IDENT.sub("_", str(name))[:60] or "object"
    if name[0].isdigit() or name in ("None", "True", "False"):
        name = "_" + name
    if (base, name) not in _NAMED:
        _NAMED[(base, name)] = type(name, (base,), {})
    return _NAMED[(base, name)]


def _number(v, kind: str):
    if isinstance(v, str):
        if v in ("nan", "inf", "-inf"):
            return float(v)
        if kind == "int" and re.fullmatch(r"-?\d{1,400}", v):
            return int(v)
        raise DataError(f"not a number: {v[:40]!r}")
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise DataError(f"not a number: {type(v).__name__}")
    if kind == "int" and not isinstance(v, int):
        raise DataError("a malformed int")
    return v


def _flat(enc: dict, tensor: bool) -> tuple[str, list[int], list]:
    dtype, shape, values = enc.get("dtype"), enc.get("shape"), enc.get("v")
    if dtype not in _DTYPES or (dtype == "bfloat16" and not tensor):
        raise DataError("an array of an unknown dtype")
    if not isinstance(shape, list) or not isinstance(values, list):
        raise DataError("a malformed array")
    if not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s for s in shape):
        raise DataError("a malformed shape")
    if math.prod(shape) != len(values):
        raise DataError("an array whose shape and values disagree")
    if dtype == "bool":
        if not all(isinstance(v, bool) for v in values):
            raise DataError("a malformed boolean array")
        return dtype, shape, values
    return dtype, shape, [_number(v, "int" if dtype.startswith(("int", "uint")) else "float") for v in values]


def decode(enc, functions: bool = False):
    """The object the tagged data ``enc`` describes; :class:`DataError` for anything else.

    ``functions``: look up ``callable`` references in course_lib (in the kernel, for arguments a check
    built); otherwise a function arrives as an :class:`Opaque`.
    """
    if not isinstance(enc, dict) or "t" not in enc:
        raise DataError("a value without its type tag")
    t, v = enc["t"], enc.get("v")
    if t == "none":
        return None
    if t == "bool":
        if not isinstance(v, bool):
            raise DataError("a malformed bool")
        return v
    if t in ("int", "float"):
        out = _number(v, t)
        return float(out) if t == "float" else out
    if t == "str":
        if not isinstance(v, str):
            raise DataError("a malformed str")
        return v
    if t in ("list", "tuple"):
        if not isinstance(v, list):
            raise DataError(f"a malformed {t}")
        items = [decode(x, functions) for x in v]
        return items if t == "list" else tuple(items)
    if t == "dict":
        if not isinstance(v, list) or not all(isinstance(kv, list) and len(kv) == 2 for kv in v):
            raise DataError("a malformed dict")
        out = {}
        for k, x in v:
            key = decode(k, functions)
            try:
                hash(key)
            except TypeError:
                raise DataError("a dict with an unhashable key") from None
            out[key] = decode(x, functions)
        return out
    if t in ("ndarray", "npscalar"):
        import numpy as np

        if t == "npscalar":
            dtype, _, values = _flat({"dtype": enc.get("dtype"), "shape": [1], "v": [v]}, False)
            return np.dtype(dtype).type(values[0])
        dtype, shape, values = _flat(enc, False)
        return np.array(values, dtype=dtype).reshape(shape)
    if t == "tensor":
        return _tensor(enc)
    if t == "dataclass":
        return _dataclass(enc, functions)
    if t == "callable":
        if functions and isinstance(enc.get("ref"), str):
            return _function(enc["ref"])
        return named(Opaque, enc.get("type", "function"))("a function")
    if t == "opaque":
        return named(Opaque, enc.get("type", "object"))(_short(enc.get("why", ""), 200))
    raise DataError(f"an unknown type tag {str(t)[:20]!r}")


def _tensor(enc: dict):
    import torch

    dtype, shape, values = _flat(enc, True)
    out = torch.tensor(values, dtype=torch.float64 if dtype == "bfloat16" else getattr(torch, dtype))
    out = out.to(getattr(torch, dtype)).reshape(shape)
    if enc.get("requires_grad") is True and out.is_floating_point():
        out.requires_grad_(True)
    if enc.get("grad") is not None:
        grad = _tensor(enc["grad"])
        if grad.shape == out.shape and grad.dtype == out.dtype and out.requires_grad:
            out.grad = grad
    return out


def _import(module: str, qualname: str):
    import importlib

    if not module.startswith("course_lib."):
        raise DataError(f"a class or function from outside course_lib ({module[:80]})")
    try:
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise DataError(f"no {module[:80]}.{qualname[:80]} in course_lib") from None
    return obj


def _dataclass(enc: dict, functions: bool):
    import dataclasses

    path, fields = enc.get("cls"), enc.get("v")
    if not isinstance(path, str) or not isinstance(fields, list):
        raise DataError("a malformed dataclass")
    module, _, qualname = path.rpartition(".")
    cls = _import(module, qualname)
    if not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
        raise DataError(f"{path[:80]} is not a dataclass")
    if not all(isinstance(kv, list) and len(kv) == 2 and isinstance(kv[0], str) for kv in fields):
        raise DataError("a malformed dataclass")
    try:
        return cls(**{k: decode(x, functions) for k, x in fields})
    except TypeError as err:
        raise DataError(f"{path[:80]} could not be rebuilt: {err}") from None


def _function(ref: str):
    module, _, qualname = ref.partition(":")
    fn = _import(module, qualname)
    if not callable(fn):
        raise DataError(f"{ref[:80]} is not a function")
    return fn


# --- what runs in the kernel -------------------------------------------------------------------------------


def _publish(obj: dict) -> None:
    from IPython.display import publish_display_data

    publish_display_data({MIME: json.dumps(obj, allow_nan=False)})


def _is_placeholder(value) -> bool:
    cls = type(value)
    return cls.__name__ == "NotDone" and (getattr(cls, "__module__", "") or "").startswith("course_lib")


def answers(ns: dict, label: str, names: list) -> None:
    """Publish the state of each answer: missing, the student edition's placeholder, a value, or a function."""
    out = {}
    for name in names:
        if name not in ns:
            out[name] = {"state": "missing"}
            continue
        value = ns[name]
        if _is_placeholder(value):
            out[name] = {"state": "placeholder"}
        elif callable(value) and not isinstance(value, type):
            out[name] = {"state": "callable", "type": _type_name(value)}
        else:
            out[name] = {"state": "value", "v": encode(value)}
    _publish({"label": label, "answers": out})


def _changes(args, before: list, items: list, budget: _Budget) -> list:
    after = []
    for a, old, old_items in zip(args, before, items):
        now = encode(a, budget)
        if dumps(now) == old:
            after.append(None)
            continue
        change = {"v": now}
        if old_items is not None:
            current = list(list.__iter__(a)) if isinstance(a, list) else []
            change["same"] = [i < len(old_items) and current[i] is old_items[i] for i in range(len(current))]
        after.append(change)
    return after


def call(ns: dict, name: str, request_json: str) -> None:
    """Call the student's ``name`` on the arguments the grader sent; publish the outcome.

    ``{"out": value}`` or ``{"raised": [type name, message]}``; ``"after"``: per positional argument,
    ``None`` when unchanged, else ``{"v": its new value, "same": [is each list item the same object]}``;
    ``"torch_calls"``: the torch functions it called, when the grader asks (a check that forbids a tool).
    """
    request = json.loads(request_json)
    args = [decode(a, functions=True) for a in request["args"]]
    kwargs = {k: decode(v, functions=True) for k, v in request["kwargs"]}
    fn = ns.get(name)
    budget = _Budget()
    before = [dumps(encode(a, budget)) for a in args]
    items = [list(list.__iter__(a)) if isinstance(a, list) else None for a in args]
    record: dict = {}
    calls: list = []
    try:
        if fn is None or _is_placeholder(fn):
            raise NameError(f"name '{name}' is not defined")
        if request.get("torch_calls"):
            from course_lib.checks.core import torch_calls

            with torch_calls() as calls:
                result = fn(*args, **kwargs)
        else:
            result = fn(*args, **kwargs)
    except BaseException as err:  # noqa: BLE001 - the student's code: report what it raised
        if isinstance(err, KeyboardInterrupt):
            raise
        record["raised"] = [_type_name(err), _short(err)]
    else:
        record["out"] = encode(result, budget)
    record["after"] = _changes(args, before, items, budget)
    if request.get("torch_calls"):
        record["torch_calls"] = sorted({_short(c, 200) for c in calls})
    _publish(record)


def probe(ns: dict, ref: str, names: list) -> None:
    """Run a check's probe (a course_lib function, by ``module:name``) on the answers; publish its data."""
    record: dict = {}
    try:
        fn = _function(ref)
        result = fn(*[ns.get(n) for n in names])
    except BaseException as err:  # noqa: BLE001 - reported to the grader, which says what the check says
        if isinstance(err, KeyboardInterrupt):
            raise
        record["raised"] = [_type_name(err), _short(err)]
    else:
        record["out"] = encode(result)
    _publish(record)
