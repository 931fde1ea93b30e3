"""The grader's side of the probe's plain data: decode it, and stand in for a student's function.

Nothing here runs student code. :func:`decode` builds Python numbers, NumPy arrays, torch tensors,
lists, dicts and course_lib dataclasses from the probe's tagged JSON (:mod:`tools.grade.probe`); a
:class:`Caller` stands in for a student's function inside a check that runs in the grader: it sends
the check's arguments to the kernel, and gives the check back what the student's function returned
(or raises what it raised), after making the check's arguments what the function left them as.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from course_lib.checks.core import torch_calls
from tools.grade.probe import DataError, Opaque, dumps, encode, named
from tools.grade.probe import decode as _decode

__all__ = ["decode", "Caller", "CallError", "Kernel", "KernelStopped", "LocalKernel", "StudentError", "DataError",
           "Opaque"]


class CallError(BaseException):
    """A check's call could not be made in the kernel (an argument that is not plain data, a bad reply).

    A ``BaseException``, like :class:`KernelStopped`: both must pass through the checks' ``except
    Exception`` (which would make a hint of them) up to the judge, which reports them.
    """


class KernelStopped(BaseException):
    """The notebook's kernel stopped (time, memory, death) while the student's function ran."""

    def __init__(self, stopped: dict):
        super().__init__(stopped.get("reason", "stopped"))
        self.stopped = stopped


class StudentError(Exception):
    """An error the student's function raised in the kernel, raised again here under its type's name."""


def decode(enc):
    """What the kernel sent, as Python objects (functions arrive as opaque objects, never looked up)."""
    return _decode(enc, functions=False)


def _sendable(enc) -> str | None:
    """Why encoded arguments cannot be sent to the kernel, or None."""
    if isinstance(enc, dict):
        if enc.get("t") == "opaque" or (enc.get("t") == "callable" and not enc.get("ref")):
            return f"a {enc.get('type', 'value')}"
        return next((why for v in enc.values() if (why := _sendable(v))), None)
    if isinstance(enc, list):
        return next((why for v in enc if (why := _sendable(v))), None)
    return None


class Kernel:
    """Where the student's code runs, as the judge sees it (the grader's is a worker's kernel)."""

    def call(self, name: str, request: dict) -> dict:
        """Run :func:`tools.grade.probe.call`: the student's ``name`` on the request's arguments."""
        raise NotImplementedError

    def probe(self, ref: str, names: list[str]) -> dict:
        """Run :func:`tools.grade.probe.probe`: a check's probe (``module:name``) on the answers."""
        raise NotImplementedError


class LocalKernel(Kernel):
    """The probe's operations run in THIS process on the namespace ``ns`` (for tests: what the kernel does)."""

    def __init__(self, ns: dict):
        self.ns = ns

    def _run(self, op: Callable, *args) -> dict:
        import json

        from tools.grade import probe

        published = []
        original = probe._publish
        probe._publish = published.append
        try:
            op(self.ns, *args)
        finally:
            probe._publish = original
        return json.loads(json.dumps(published[0]))

    def call(self, name: str, request: dict) -> dict:
        import json

        from tools.grade import probe

        return self._run(probe.call, name, json.dumps(request))

    def probe(self, ref: str, names: list[str]) -> dict:
        from tools.grade import probe

        return self._run(probe.probe, ref, list(names))


class Caller:
    """The student's function ``name``, as a check in the grader sees it: every call runs in the kernel.

    The kernel's record (see :func:`tools.grade.probe.call`) gives the check the result or the error; the
    torch functions the call used are reported to the check's :class:`course_lib.checks.core.torch_calls`
    blocks (how ``forbidden_tools`` sees them).
    """

    def __init__(self, name: str, kernel: Kernel):
        self.__name__ = name
        self._kernel = kernel

    def __repr__(self) -> str:
        return f"<your function {self.__name__}>"

    def __call__(self, *args, **kwargs):
        with torch._C.DisableTorchFunction():  # the grader's own torch calls are not the student's
            request = {"args": [encode(a) for a in args], "kwargs": [[k, encode(v)] for k, v in kwargs.items()]}
        why = _sendable(request)
        if why:
            raise CallError(f"the check passes `{self.__name__}` {why}, which the grader cannot send to the kernel")
        request["torch_calls"] = torch_calls.watching()
        record = self._kernel.call(self.__name__, request)
        if not isinstance(record, dict):
            raise CallError(f"the kernel's reply to a call of `{self.__name__}` is not readable")
        with torch._C.DisableTorchFunction():
            return self._answer(record, args)

    def _answer(self, record: dict, args: tuple):
        try:
            called = record.get("torch_calls") or []
            if not isinstance(called, list) or not all(isinstance(c, str) for c in called):
                raise DataError("a malformed list of torch functions")
            torch_calls.note(called)
            for target, change in zip(args, record.get("after") or []):
                if change is not None:
                    _apply(target, change)
            if "raised" in record:
                kind, message = (list(record["raised"]) + ["", ""])[:2]
                raise named(StudentError, kind)(str(message))
            if "out" not in record:
                raise DataError("a call with neither a result nor an error")
            return decode(record["out"])
        except (DataError, TypeError, ValueError, KeyError, AttributeError) as err:
            raise CallError(f"the kernel's reply to a call of `{self.__name__}` is not readable ({err})") from None


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
