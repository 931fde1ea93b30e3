"""The probe: the grader's code that runs INSIDE a student's kernel, after an exercise's cells.

It turns the exercise's answers into plain data (JSON) and publishes it; it decides nothing.
The grader (:mod:`tools.grade.judge`) computes the verdict in its own process from that data, so a
submission that patches a check, ``course_lib``, NumPy, torch or this very code can at most send
different data, never a verdict.

This file is self-contained (standard library; NumPy and torch only if the student's kernel already
imported them): the grader reads its source and sends it to the kernel in the probe cell, so it also
works in a container that only has the course's requirements.

Plain data, one tagged JSON object per value (:func:`encode`):

- ``{"t": "none"|"bool"|"int"|"float"|"str", "v": ...}``; ``list``/``tuple`` with ``"v": [items]``;
  ``dict`` with ``"v": [[key, value], ...]``;
- ``{"t": "ndarray", "dtype", "shape", "v": flat list}`` and ``{"t": "npscalar", "dtype", "v"}``;
- ``{"t": "tensor", "dtype", "shape", "v", "requires_grad", "grad"}``;
- ``{"t": "dataclass", "cls": "course_lib.…", "v": [[field, value], ...]}`` (course_lib's only);
- ``{"t": "callable", "type", "name"}`` (an argument the check passes to a student's function);
- ``{"t": "opaque", "type", "why"}`` for anything else (the judge sees an object of that type name).

A check that receives a student's FUNCTION is run here with a :class:`Recorder` in the function's
place; each call is stored (its arguments, its result or the error it raised, and what it changed in
its arguments) so the grader can replay the calls to the same check in its own process.
"""

from __future__ import annotations

import json
import math
import sys

MIME = "text/x-descent-grade"
#: most numbers one probe may send (beyond, the value is "too large to grade")
MAX_NUMBERS = 2_000_000
#: longest text kept (answers that are strings, error messages)
MAX_TEXT = 2_000


def _short(text: str, limit: int = MAX_TEXT) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _float(x) -> float | str:
    x = float(x)
    return x if math.isfinite(x) else repr(x)  # 'nan', 'inf', '-inf': JSON has no such numbers


class _Budget:
    def __init__(self, numbers: int = MAX_NUMBERS):
        self.left = numbers

    def take(self, n: int) -> bool:
        self.left -= n
        return self.left >= 0


def encode(x, budget: _Budget | None = None, depth: int = 0) -> dict:
    """``x`` as tagged plain data (see the module's docstring). Never raises."""
    budget = budget or _Budget()
    try:
        return _encode(x, budget, depth)
    except Exception as err:  # noqa: BLE001 - a student's object may fail in any way while being read
        return {"t": "opaque", "type": _type_name(x), "why": _short(f"could not be read: {type(err).__name__}")}


def _type_name(x) -> str:
    try:
        return _short(type(x).__name__, 100)
    except Exception:  # noqa: BLE001
        return "object"


def _encode(x, budget: _Budget, depth: int) -> dict:
    if depth > 20:
        return {"t": "opaque", "type": _type_name(x), "why": "nested too deeply"}
    np = sys.modules.get("numpy")
    torch = sys.modules.get("torch")
    # exact built-in types first (a subclass of float or list is read as its base type, its tricks dropped)
    if x is None:
        return {"t": "none"}
    if isinstance(x, bool):
        return {"t": "bool", "v": bool(x)}
    if isinstance(x, int):
        if not budget.take(1):
            return {"t": "opaque", "type": _type_name(x), "why": "too large"}
        v = int.__int__(x)
        return {"t": "int", "v": v if abs(v) < 2**63 else str(v)}
    if isinstance(x, float):
        budget.take(1)
        return {"t": "float", "v": _float(float.__float__(x))}
    if isinstance(x, complex):
        return {"t": "opaque", "type": "complex", "why": "complex numbers are not graded"}
    if isinstance(x, str):
        return {"t": "str", "v": _short(str.__str__(x))}
    if isinstance(x, (list, tuple)):
        kind = "tuple" if isinstance(x, tuple) else "list"
        items = list(tuple.__iter__(x)) if kind == "tuple" else list(list.__iter__(x))
        if not budget.take(len(items)):
            return {"t": "opaque", "type": _type_name(x), "why": "too large"}
        return {"t": kind, "v": [_encode(v, budget, depth + 1) for v in items]}
    if isinstance(x, dict):
        items = list(dict.items(x))
        if not budget.take(len(items)):
            return {"t": "opaque", "type": _type_name(x), "why": "too large"}
        return {"t": "dict", "v": [[_encode(k, budget, depth + 1), _encode(v, budget, depth + 1)] for k, v in items]}
    if torch is not None and isinstance(x, torch.Tensor):
        return _encode_tensor(x, budget, depth, torch)
    if np is not None and isinstance(x, np.ndarray):
        return _encode_array(np.asarray(x), budget, np)
    if np is not None and isinstance(x, np.generic):
        arr = np.asarray(x)
        enc = _encode_array(arr, budget, np)
        if enc["t"] == "ndarray":
            return {"t": "npscalar", "dtype": enc["dtype"], "v": enc["v"][0]}
        return enc
    fields = getattr(type(x), "__dataclass_fields__", None)
    module = getattr(type(x), "__module__", "") or ""
    if fields is not None and module.split(".")[0] == "course_lib":
        return {"t": "dataclass", "cls": f"{module}.{type(x).__qualname__}",
                "v": [[name, _encode(getattr(x, name), budget, depth + 1)] for name in fields]}
    if callable(x):
        return {"t": "callable", "type": _type_name(x), "name": _short(getattr(x, "__name__", "") or "", 100)}
    return {"t": "opaque", "type": _type_name(x), "why": "not plain data"}


_DTYPES = ("float64", "float32", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")


def _values(flat: list, kind: str) -> list:
    if kind == "bool":
        return [bool(v) for v in flat]
    if kind.startswith(("int", "uint")):
        return [int(v) for v in flat]
    return [_float(v) for v in flat]


def _encode_array(x, budget: _Budget, np) -> dict:
    dtype = str(x.dtype)
    if dtype not in _DTYPES:
        return {"t": "opaque", "type": "ndarray", "why": f"an array of {dtype}, not of numbers"}
    if not budget.take(int(x.size)):
        return {"t": "opaque", "type": "ndarray", "why": "too large"}
    return {"t": "ndarray", "dtype": dtype, "shape": [int(s) for s in x.shape],
            "v": _values(np.asarray(x).ravel().tolist(), dtype)}


def _encode_tensor(x, budget: _Budget, depth: int, torch) -> dict:
    # torch's own methods, not a tensor subclass's or a TorchFunctionMode's
    with torch.no_grad(), torch._C.DisableTorchFunction():
        dtype = str(x.dtype).replace("torch.", "")
        if dtype not in _DTYPES:
            return {"t": "opaque", "type": "Tensor", "why": f"a tensor of {dtype}, not graded"}
        if not budget.take(int(x.numel())):
            return {"t": "opaque", "type": "Tensor", "why": "too large"}
        flat = x.detach().to("cpu").reshape(-1)
        values = flat.double().tolist() if dtype in ("float16", "bfloat16") else flat.tolist()
        grad = x.grad if x.is_leaf else None
        shape = [int(s) for s in x.shape]
        requires_grad = bool(x.requires_grad)
    return {"t": "tensor", "dtype": dtype, "shape": shape, "v": _values(values, dtype),
            "requires_grad": requires_grad,
            "grad": None if grad is None else _encode_tensor(grad, budget, depth + 1, torch)}


def dumps(enc) -> str:
    """The canonical text of encoded data (what replays compare)."""
    return json.dumps(enc, separators=(",", ":"), ensure_ascii=False)


# --- recording a student's function while a check calls it ------------------------------------------


class Recorder:
    """Stands in for a student's function while a check runs in the kernel; remembers every call."""

    def __init__(self, fn, calls: list):
        self._fn = fn
        self._calls = calls
        self.__name__ = getattr(fn, "__name__", "answer")

    def __call__(self, *args, **kwargs):
        budget = _Budget()
        before_args = [encode(a, budget) for a in args]
        before_kwargs = [[k, encode(v, budget)] for k, v in kwargs.items()]
        items = [list(a) if isinstance(a, list) else None for a in args]  # identities of list items
        record = {"args": before_args, "kwargs": before_kwargs}
        self._calls.append(record)
        try:
            out = self._fn(*args, **kwargs)
        except BaseException as err:
            record["raised"] = [_type_name(err), _short(str(err))]
            record["after"] = _changes(args, before_args, items, budget)
            raise
        record["out"] = encode(out, budget)
        record["after"] = _changes(args, before_args, items, budget)
        return out


def _changes(args, before: list, items: list, budget: _Budget) -> list:
    """Per argument: ``None`` if unchanged, else its new value and which list items are new objects."""
    out = []
    for a, b, old_items in zip(args, before, items):
        now = encode(a, budget)
        if dumps(now) == dumps(b):
            out.append(None)
            continue
        change = {"v": now}
        if old_items is not None:
            current = list(a)
            change["same"] = [i < len(old_items) and current[i] is old_items[i] for i in range(len(current))]
        out.append(change)
    return out


# --- the probe --------------------------------------------------------------------------------------


def _answer(ns: dict, name: str):
    if name not in ns:
        return None, {"state": "missing"}
    value = ns[name]
    if type(value).__name__ == "NotDone" and type(value).__module__.startswith("course_lib"):
        return None, {"state": "placeholder"}
    if callable(value) and not isinstance(value, type):
        return value, {"state": "callable", "type": _type_name(value)}
    return value, {"state": "value", "v": encode(value)}


def _load_check(spec: dict, instructor: dict):
    if spec["kind"] == "registry":
        import importlib

        module, name = spec["check"].rsplit(".", 1)
        return getattr(importlib.import_module(f"course_lib.checks.{module}"), name)
    return instructor["CHECKS"][spec["label"]][spec["index"]]


def run(ns: dict, spec_json: str) -> None:
    """Probe one exercise: ``spec`` = ``{"label", "answers": [names], "checks": [...], "instructor": src}``.

    Publishes ``{"answers": {name: state}, "transcripts": [{"calls": {name: [...]}, "kernel": ...}]}``.
    """
    spec = json.loads(spec_json)
    answers, values = {}, []
    for name in spec["answers"]:
        value, state = _answer(ns, name)
        answers[name] = state
        values.append(value)
    transcripts = []
    callables = [n for n in spec["answers"] if answers[n]["state"] == "callable"]
    ready = all(answers[n]["state"] in ("value", "callable") for n in spec["answers"])
    if callables and ready:
        instructor: dict = {}
        if spec.get("instructor"):
            exec(compile(spec["instructor"], "<instructor checks>", "exec"), instructor)  # noqa: S102
        for check_spec in spec["checks"]:
            calls = {n: [] for n in callables}
            args = [Recorder(v, calls[n]) if n in calls else v for n, v in zip(spec["answers"], values)]
            kernel = None
            try:
                result = _load_check(check_spec, instructor)(*args)
                kernel = {"status": _short(getattr(result, "status", "right" if result else "wrong"), 40)}
            except BaseException as err:  # noqa: BLE001 - recorded for the report, judged in the grader
                kernel = {"status": "error", "error": [_type_name(err), _short(str(err))]}
            transcripts.append({"calls": calls, "kernel": kernel})
    payload = json.dumps({"label": spec["label"], "answers": answers, "transcripts": transcripts},
                         allow_nan=False)
    from IPython.display import publish_display_data

    publish_display_data({MIME: payload})
