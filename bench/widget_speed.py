"""Every chapter widget: its build time, and a value change against a redraw from scratch."""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
import time
from collections.abc import Callable
from typing import Any

from bench.core import GOALS, log, median, ratio, short


def synthetic_widget():
    """A small FrameWidget (6 frames) that always exists, for quick runs."""
    import numpy as np

    from course_lib.widgets.frames import Control, frame_widget

    def draw(fig, a, b):
        ax = fig.add_subplot()
        x = np.linspace(0, 1, 50)
        ax.plot(x, a * x**2 + b)
        ax.set_title(f"a={a}, b={b}")

    return frame_widget(draw, [Control("a", [1.0, 2.0, 3.0]), Control("b", [0, 1])], figsize=(3, 2))


def discover_widgets() -> tuple[list[tuple[str, Callable[[], Any], str]], list[dict[str, str]]]:
    """Every zero-argument widget factory of ``course_lib.widgets.<module>``, and notes on what was left out."""
    import course_lib.widgets as package

    found, notes = [], []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name == "frames" or info.name.startswith("_"):
            continue
        modname = f"course_lib.widgets.{info.name}"
        try:
            module = importlib.import_module(modname)
        except Exception as exc:
            notes.append({"widget": modname, "note": f"import failed: {short(exc)}"})
            continue
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != modname:
                continue
            sig = inspect.signature(fn)
            returns = sig.return_annotation
            returns = returns if isinstance(returns, str) else getattr(returns, "__name__", "")
            if name.endswith("_widget"):
                why = "name ends with _widget"
            elif returns.endswith("FrameWidget"):
                why = "returns a FrameWidget"
            else:
                continue
            required = [p.name for p in sig.parameters.values() if p.default is inspect.Parameter.empty
                        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
            label = f"{info.name}.{name}"
            if required:
                notes.append({"widget": label, "note": f"skipped: needs arguments {required}"})
                continue
            found.append((label, fn, why))
    return found, notes


def value_combos(widget) -> list[dict[str, Any]]:
    return [{c.name: v for c, v in zip(widget.controls, combo)}
            for combo in itertools.product(*(c.values for c in widget.controls))]


def measure_widget(label: str, factory: Callable[[], Any], updates: int, renders: int) -> dict[str, Any]:
    from course_lib.widgets.frames import FrameWidget

    t0 = time.perf_counter()
    widget = factory()
    build = time.perf_counter() - t0
    if not isinstance(widget, FrameWidget):
        raise TypeError(f"{label}() returned {type(widget).__name__}, not a FrameWidget")
    combos = value_combos(widget)
    if len(combos) < 2:
        raise ValueError(f"{label}() has a single frame: nothing to switch to")
    # Value changes: cycle over the grid, each call changing at least one control.
    update_times, k, checked = [], 0, False
    while len(update_times) < updates:
        values = combos[k % len(combos)]
        k += 1
        if values == widget.values:
            continue
        t = time.perf_counter()
        widget.set(**values)
        update_times.append(time.perf_counter() - t)
        if not checked:  # once, untimed: the update did show the frame for these values
            if widget.frame != widget.frame_for(**values):
                raise AssertionError(f"{label}: after set({values}) the frame shown is not the stored one")
            checked = True
    render_times = []
    for i in range(renders):
        values = combos[(i * 7 + 1) % len(combos)]
        t = time.perf_counter()
        widget.render(**values)
        render_times.append(time.perf_counter() - t)
    update_ms, render_ms = 1e3 * median(update_times), 1e3 * median(render_times)
    speedup = ratio(render_ms, update_ms)
    return {"widget": label, "frames": widget.n_frames, "controls": [c.name for c in widget.controls],
            "build_seconds": build, "updates": len(update_times), "update_median_ms": update_ms,
            "renders": len(render_times), "render_median_ms": render_ms, "speedup": speedup,
            "meets_goal": bool(speedup is not None and speedup >= GOALS["widget_speedup"]
                               and update_ms < GOALS["widget_update_ms"])}


def section_widgets(ws, opts) -> dict[str, Any]:
    updates, renders = (2, 1) if opts.quick else (opts.widget_updates, opts.widget_renders)
    found, notes = discover_widgets()
    todo: list[tuple[str, Callable[[], Any], str]] = []
    if opts.widgets:
        todo = [w for w in found if any(s in w[0] for s in opts.widgets)]
        notes += [{"widget": w[0], "note": "not built: not named by --widgets"} for w in found if w not in todo]
    elif opts.quick:
        notes += [{"widget": w[0], "note": "discovered; not built in --quick (use --widgets NAME)"} for w in found]
    else:
        todo = list(found)
    if opts.quick:
        todo.insert(0, ("bench.synthetic", synthetic_widget, "bench/run.py's own 6-frame widget"))
    rows = []
    for label, factory, why in todo:
        log(f"[widgets] {label}")
        try:
            row = measure_widget(label, factory, updates, renders)
        except Exception as exc:
            notes.append({"widget": label, "note": f"failed: {short(exc)}"})
            log(f"[widgets]   FAILED: {short(exc)}")
            continue
        row["discovered_because"] = why
        rows.append(row)
        log(f"[widgets]   build {row['build_seconds']:.1f} s, update {row['update_median_ms']:.3f} ms, "
            f"redraw {row['render_median_ms']:.0f} ms")
    return {"widgets": rows, "notes": notes, "updates_per_widget": updates, "renders_per_widget": renders,
            "all_meet_goal": bool(rows) and all(r["meets_goal"] for r in rows)}
