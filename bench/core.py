"""What every benchmark section shares: the goals, the repository root, small helpers, the machine."""

from __future__ import annotations

import contextlib
import math
import os
import platform
import re
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

SECTIONS = ("notebooks", "nbval", "book", "pages", "widgets", "optim", "runner", "grading")
NOTEBOOK_SECTIONS = ("notebooks", "nbval", "book")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SUMMARY = re.compile(r"passed|failed|error|succeeded|finished|warning|timed out", re.I)
PROBLEM = re.compile(r"WARNING|ERROR|^FAILED|Traceback|Missing output|timed out")
GIB = 1024**3
MIB = 1024**2
GOALS = {
    "kernel_peak_rss_bytes": GIB,      # every notebook's kernel under 1 GiB
    "widget_speedup": 3.0,             # an update at least 3x faster than a redraw
    "widget_update_ms": 100.0,         # and under 100 ms
    "optim_ratio": 1.0,                # ours / torch step time at most 1.0 (the same arithmetic, no slower)
    "optim_resolution": 0.02,          # ... within the noise: torch against itself, and at least 2%
    "runner_speedup": 50.0,            # vectorised runner at least 50x faster than the loop
}


# --- small helpers ---------------------------------------------------------------------------------


def log(*parts: Any) -> None:
    """Progress goes to stderr, so that ``--json`` leaves one JSON object on stdout."""
    print(*parts, file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def ratio(a: float, b: float) -> float | None:
    if a is None or b is None or not (b > 0) or not math.isfinite(a) or not math.isfinite(b):
        return None
    return a / b


def short(exc: BaseException, limit: int = 300) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def machine() -> dict[str, Any]:
    import psutil
    import torch

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
