"""course_lib.optim.run_trajectories against a Python loop over the trajectories with the same update rule."""

from __future__ import annotations

import time
from typing import Any

from bench.core import GOALS, log, median, ratio

RUNNER_RULES = [("sgd", {"lr": 1e-4}), ("adam", {"lr": 1e-2})]


def loop_trajectory(surface, update, start, steps: int, hyper: dict):
    """One trajectory the plain way: gradient, update, loss, stored path, step by step."""
    import torch

    pos = torch.tensor(start, dtype=torch.float64)
    paths = torch.empty((steps + 1, 2), dtype=torch.float64)
    losses = torch.empty(steps + 1, dtype=torch.float64)
    state: dict = {}
    with torch.no_grad():
        paths[0], losses[0] = pos, surface.value(pos)
        for t in range(1, steps + 1):
            update(pos, surface.grad(pos), state, **hyper)
            paths[t], losses[t] = pos, surface.value(pos)
    return paths


def section_runner(ws, opts) -> dict[str, Any]:
    import numpy as np
    import torch

    from course_lib.optim import RULES, run_trajectories
    from course_lib.surfaces import Rosenbrock

    torch.set_num_threads(1)
    n, steps = (20, 20) if opts.quick else (opts.trajectories, opts.runner_steps)
    n_max = n if opts.loop_trajectories is None else max(1, min(n, opts.loop_trajectories))
    chunk = max(1, n // (2 if opts.quick else 20))
    surface = Rosenbrock()
    (x0, x1), (y0, y1) = surface.window
    rng = np.random.default_rng(0)
    starts = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    rows = []
    for rule, hyper in RUNNER_RULES:
        log(f"[runner] {rule}: {n} trajectories x {steps} steps")
        runner_times, loop_time, finals = [], 0.0, []

        def run_vectorised(rule=rule, hyper=hyper, times=runner_times):
            t = time.perf_counter()
            out = run_trajectories(surface, rule, starts, steps, **hyper)
            times.append(time.perf_counter() - t)
            return out

        result = run_vectorised()
        # The loop in chunks, a runner repetition after each chunk (interleaved, so load changes cancel
        # out); it stops early, to be scaled linearly, only past --loop-trajectories or --loop-budget.
        while len(finals) < n_max:
            if loop_time >= opts.loop_budget:
                break
            t = time.perf_counter()
            for k in range(len(finals), min(len(finals) + chunk, n_max)):
                finals.append(loop_trajectory(surface, RULES[rule], starts[k], steps, hyper)[-1].numpy())
            loop_time += time.perf_counter() - t
            run_vectorised()
        n_loop = len(finals)
        scaled = n_loop < n
        loop_full = loop_time * n / n_loop
        runner_s = median(runner_times)
        ref = result.paths[:n_loop, -1]
        finite = ~result.diverged[:n_loop]
        diff = float(np.max(np.abs(np.asarray(finals)[finite] - ref[finite]))) if finite.any() else 0.0
        speedup = ratio(loop_full, runner_s)
        rows.append({"rule": rule, "hyper": hyper, "runner_seconds": runner_s, "runner_repeats": len(runner_times),
                     "loop_seconds": loop_full, "loop_trajectories_measured": n_loop, "loop_scaled": scaled,
                     "loop_measured_seconds": loop_time, "speedup": speedup,
                     "diverged": int(result.diverged.sum()), "max_abs_diff_final": diff,
                     "meets_goal": bool(speedup is not None and speedup >= GOALS["runner_speedup"])})
        log(f"[runner]   runner {runner_s:.3f} s (median of {len(runner_times)}), loop {loop_full:.1f} s"
            + (f" (measured on {n_loop} trajectories in {loop_time:.1f} s, scaled linearly)" if scaled else "")
            + f", {speedup:.0f}x, |diff| {diff:.1e}")
    return {"surface": "Rosenbrock()", "trajectories": n, "steps": steps,
            "loop": "per trajectory: surface.grad, the same RULES[rule] update, surface.value, stored path",
            "results": rows, "all_meet_goal": all(r["meets_goal"] for r in rows)}
