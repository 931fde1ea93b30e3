"""course_lib.optim on torch's own optimizer test inputs (``torch.testing._internal.common_optimizers.optim_db``).

Every optim input of SGD, Adagrad, RMSprop, Adadelta, Adam and AdamW, with its implementation switches
(``foreach``, ``fused``, ``differentiable``) as torch's own tests expand them, and every error input:

- switches off: the course's optimizer and torch's single-tensor path (``foreach=False``) take the
  same steps from the same gradients and end with identical bits, in float64, float32, float16 and
  bfloat16, parameters and ``state_dict()`` alike (dtypes included);
- a switch on: refused with a ``ValueError`` that names it (the course implements one path);
- error inputs: the exception type and message pattern torch's ``test_errors`` demands, and the
  course's message names the parameter.
"""

from __future__ import annotations

import copy
import warnings

import pytest
import torch

from course_lib import optim

NAMES = ("SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW")
DTYPES = (torch.float64, torch.float32, torch.float16, torch.bfloat16)


def _torch_test_inputs():
    """torch's optimizer infos, imported without leaving its test-suite settings behind in this process."""
    filters = warnings.filters[:]
    with torch.random.fork_rng(devices=[]):  # the error inputs draw parameters from the global generator
        from torch.testing._internal import common_optimizers as co

        infos = {info.name: info for info in co.optim_db if info.name in NAMES}
        optim_inputs = [(name, dtype, oi) for name in NAMES for dtype in DTYPES
                        for oi in co._get_optim_inputs_including_global_cliquey_kwargs("cpu", dtype, infos[name])]
        error_inputs = [(name, ei) for name in NAMES
                        for ei in infos[name].optim_error_inputs_func("cpu", torch.float32)]
    warnings.filters[:] = filters
    # common_utils freezes torch.backends' flags on import (its tests must set them in a context): thaw them
    # for the rest of this process, in the module that holds the flag (torch.backends is a wrapper of it)
    torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
    return co, infos, optim_inputs, error_inputs


CO, INFOS, OPTIM_INPUTS, ERROR_INPUTS = _torch_test_inputs()
SWITCHES = ("foreach", "fused", "differentiable", "capturable")


def _switched_on(kwargs):
    return [k for k in SWITCHES if kwargs.get(k)]


def test_the_inputs_are_torchs_whole_list():
    """40 optim inputs (each with its switches off and each switch on) and 52 error inputs."""
    base = [(n, oi) for n, d, oi in OPTIM_INPUTS if d == torch.float32 and not _switched_on(oi.kwargs)]
    assert len(base) == sum(len(INFOS[n].optim_inputs_func("cpu")) for n in NAMES) == 40
    assert len(ERROR_INPUTS) == 52
    assert {n for n, _ in base} == set(NAMES)


def test_torchs_test_settings_did_not_stay_behind():
    assert not torch.backends.flags_frozen()  # other tests in this process may set torch.backends flags


def _problem(dtype, seed=0, steps=12):
    """Three parameters (one non-contiguous) and a gradient for each of ``steps`` steps, in ``dtype``."""
    g = torch.Generator().manual_seed(seed)
    params = [torch.randn(5, 4, generator=g).to(dtype), torch.randn(5, generator=g).to(dtype),
              torch.randn(6, 3, generator=g).to(dtype).T]
    grads = [[torch.randn(p.shape, generator=g).to(dtype) for p in params] for _ in range(steps)]
    return params, grads


def _run(cls, params, grads, kwargs):
    ps = [p.clone().requires_grad_() if p.is_contiguous() else p.T.clone().T.requires_grad_() for p in params]
    opt = cls(ps, **kwargs)
    for step_grads in grads:
        for p, grad in zip(ps, step_grads):
            p.grad = grad.clone()
        opt.step()
    return ps, opt


def _assert_identical(ours, theirs):
    (ps_a, opt_a), (ps_b, opt_b) = ours, theirs
    for a, b in zip(ps_a, ps_b):
        assert a.dtype == b.dtype and torch.equal(a, b), float((a.double() - b.double()).abs().max())
    torch.testing.assert_close(opt_a.state_dict(), opt_b.state_dict(), rtol=0, atol=0)


def _id(item):
    name, dtype, oi = item
    return f"{name}-{str(dtype)[6:]}-{oi.desc}"


@pytest.mark.parametrize("name,dtype,optim_input", OPTIM_INPUTS, ids=[_id(x) for x in OPTIM_INPUTS])
def test_torch_optim_input(name, dtype, optim_input):
    kwargs = copy.deepcopy(optim_input.kwargs)
    on = _switched_on(kwargs)
    ours_cls, torch_cls = getattr(optim, name), INFOS[name].optim_cls
    params, grads = _problem(dtype)
    if on:
        [switch] = on
        with pytest.raises(ValueError, match=f"Invalid {switch}: True .*{switch} must be False or None"):
            ours_cls([p.clone().requires_grad_() for p in params], **kwargs)
        return
    ours = _run(ours_cls, params, grads, kwargs)
    theirs = _run(torch_cls, params, grads, {**kwargs, "foreach": False})  # torch's single-tensor path
    for group in theirs[1].param_groups:
        group["foreach"] = kwargs.get("foreach")  # the one key that differs by construction, not by arithmetic
    _assert_identical(ours, theirs)
    if dtype in (torch.float64, torch.float32):  # (a half-precision step can be below one unit in the last place)
        assert not any(torch.equal(p, q) for p, q in zip(ours[0], params))  # the steps did move the parameters


def _error_id(item):
    name, ei = item
    return f"{name}-{ei.optimizer_error_input.desc}"


@pytest.mark.parametrize("name,error_input", ERROR_INPUTS, ids=[_error_id(x) for x in ERROR_INPUTS])
def test_torch_error_input(name, error_input):
    """torch's ``test_errors``, against the course's class, and against torch's to be sure the input errs."""
    oi = error_input.optimizer_error_input
    assert error_input.error_on == CO.OptimizerErrorEnum.CONSTRUCTION_ERROR
    for cls in (getattr(optim, name), INFOS[name].optim_cls):
        params, kwargs = copy.deepcopy(oi.params), copy.deepcopy(oi.kwargs)
        if issubclass(error_input.error_type, Warning):
            with pytest.warns(error_input.error_type, match=error_input.error_regex):
                cls(params, **kwargs)
        else:
            with pytest.raises(error_input.error_type, match=error_input.error_regex) as info:
                cls(params, **kwargs)
            if cls is not INFOS[name].optim_cls and oi.params is None:
                # a hyper-parameter error, raised before the parameters (None here) are looked at
                named = {k for k in oi.kwargs if k in str(info.value)}
                assert named, f"{info.value!r} names none of {sorted(oi.kwargs)}"
