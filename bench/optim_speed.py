"""Each course_lib.optim optimizer's step() against its torch.optim twin on an MLP of about a million parameters."""

from __future__ import annotations

import time
from typing import Any

from bench.core import GOALS, log, median, ratio, short

OPTIM_SETTINGS = [
    ("SGD", "SGD", {"lr": 0.01}),
    ("SGD momentum", "SGD", {"lr": 0.01, "momentum": 0.9}),
    ("SGD nesterov", "SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", "Adagrad", {"lr": 0.01}),
    ("RMSprop", "RMSprop", {"lr": 0.01}),
    ("RMSprop centered+momentum", "RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9}),
    ("Adadelta", "Adadelta", {"lr": 1.0}),
    ("Adam", "Adam", {"lr": 1e-3}),
    ("Adam amsgrad", "Adam", {"lr": 1e-3, "amsgrad": True}),
    ("AdamW", "AdamW", {"lr": 1e-3, "weight_decay": 1e-2}),
]


def mlp_params(quick: bool):
    import torch

    sizes = (64, 128, 16, 10) if quick else (784, 1000, 200, 10)
    torch.manual_seed(0)
    layers: list = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    params = [p.detach().clone() for p in model.parameters()]
    grads = [torch.randn_like(p) * 0.01 for p in params]
    return sizes, params, grads


def torch_path(params) -> str:
    try:
        from torch.optim.optimizer import _default_to_fused_or_foreach

        fused, foreach = _default_to_fused_or_foreach(params, differentiable=False, use_fused=False)
    except Exception as exc:  # a private helper: say so if it moved
        return f"unknown ({short(exc, 80)})"
    kind = "fused" if fused else "foreach (multi-tensor)" if foreach else "single-tensor"
    return f"{kind} (foreach=None resolves to foreach={foreach}, fused={fused} on CPU)"


def section_optim(ws, opts) -> dict[str, Any]:
    """Three optimizers step in turn on copies of one model: ours, torch's, and torch's again. The last
    measures the noise: the ratio of torch's step to itself, timed the same way. Ours meets the goal
    when its ratio to torch is at most the goal plus that noise, or plus 2% if the noise came out
    smaller (medians of 100 steps on a shared machine resolve no better). The arithmetic is torch's,
    operation for operation, so a slower step could only come from its Python."""
    import torch

    import course_lib.optim as ours_mod

    torch.set_num_threads(1)
    warmup, reps = (1, 5) if opts.quick else (opts.optim_warmup, opts.optim_steps)
    sizes, base, grads = mlp_params(opts.quick)
    n_params = sum(p.numel() for p in base)
    path = torch_path([p.clone().requires_grad_(True) for p in base])
    rows = []
    who_all = ("ours", "torch", "torch again")
    for label, cls_name, kwargs in OPTIM_SETTINGS:
        ps, opt = {}, {}
        for who in who_all:
            ps[who] = [p.clone().requires_grad_(True) for p in base]
            for p, g in zip(ps[who], grads):
                p.grad = g.clone()
            module = ours_mod if who == "ours" else torch.optim
            opt[who] = getattr(module, cls_name)(ps[who], **kwargs)
        times: dict[str, list[float]] = {who: [] for who in who_all}
        for i in range(warmup + reps):
            k = i % len(who_all)  # each in each position in turn: drift and position effects cancel out
            for who in who_all[k:] + who_all[:k]:
                t = time.perf_counter()
                opt[who].step()
                dt = time.perf_counter() - t
                if i >= warmup:
                    times[who].append(dt)
        with torch.no_grad():
            diff = max(float((a - b).abs().max()) for a, b in zip(ps["ours"], ps["torch"]))
        ours_ms, torch_ms, again_ms = (1e3 * median(times[who]) for who in who_all)
        r, noise = ratio(ours_ms, torch_ms), ratio(again_ms, torch_ms)
        noise = abs(noise - 1.0) if noise is not None else None
        allowed = None if noise is None else GOALS["optim_ratio"] + max(noise, GOALS["optim_resolution"])
        meets = r is not None and allowed is not None and r <= allowed
        rows.append({"optimizer": label, "ours_ms": ours_ms, "torch_ms": torch_ms, "torch_again_ms": again_ms,
                     "ratio": r, "noise": noise, "max_abs_diff": diff, "meets_goal": bool(meets)})
        log(f"[optim] {label}: ours {ours_ms:.2f} ms, torch {torch_ms:.2f} ms (again {again_ms:.2f}), "
            f"ratio {r:.2f} (noise {noise:.2f}), |diff| {diff:.1e}")
    return {"model": "MLP " + "-".join(map(str, sizes)), "params": n_params, "dtype": "float32",
            "threads": torch.get_num_threads(), "warmup_steps": warmup, "timed_steps": reps,
            "torch_path": path, "optimizers": rows, "all_meet_goal": all(r["meets_goal"] for r in rows)}
