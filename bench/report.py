"""The benchmark's table and its goals, met or missed."""

from __future__ import annotations

from typing import Any

from bench.core import GOALS


def fmt(x: Any, spec: str = ".2f") -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "NO"
    if isinstance(x, float):
        return format(x, spec)
    return str(x)


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    out = [f"Descent benchmark ({report['mode']}), {report['started']}",
           f"machine: {m['cpu']}, {m['logical_cores']} logical / {m['physical_cores']} physical cores, "
           f"{m['memory_gib']} GiB, Python {m['python']}, torch {m['torch']}",
           f"load average at start {m['load_average_at_start']}, at end {report.get('load_average_at_end')}", ""]
    s = report["sections"]
    if "notebooks" in s:
        r = s["notebooks"]
        out.append("## make notebooks (execute on temporary copies) and kernel peak RSS (goal < 1 GiB each)")
        if "skipped" in r:
            out.append(f"skipped: {r['skipped']}")
        else:
            out.append(f"source: {r['source']}; total wall time {r['total_seconds']:.1f} s")
            out.append(table([[x["notebook"], fmt(x["seconds"], ".1f"), fmt(x["peak_rss_mib"], ".0f"),
                               fmt(x["under_1gib"]), "ok" if x["ok"] else "FAILED: " + x["error"][:60]]
                              for x in r["notebooks"]], ["notebook", "seconds", "peak MiB", "< 1 GiB", "status"]))
        out.append("")
    for key, title in (("nbval", "strict nbval (the Makefile's command)"), ("book", "book build")):
        if key in s:
            r = s[key]
            out.append(f"## {title}")
            if "skipped" in r:
                out.append(f"skipped: {r['skipped']}")
            else:
                out.append(f"{r['seconds']:.1f} s, exit code {r['returncode']}: {r['summary'][:150]}")
                out.append(f"({r.get('on') or r.get('method')})")
                out.extend("  | " + line[:160] for line in r.get("tail", []))
            out.append("")
    if "pages" in s:
        from bench.page_sizes import render as render_pages

        out.append(render_pages(s["pages"]))
        out.append("")
    if "widgets" in s:
        r = s["widgets"]
        out.append(f"## widgets: update (set, median of {r['updates_per_widget']}) vs redraw (render, median of "
                   f"{r['renders_per_widget']}); goal >= 3x and update < 100 ms")
        out.append(table([[x["widget"], x["frames"], fmt(x["build_seconds"], ".1f"), fmt(x["update_median_ms"], ".3f"),
                           fmt(x["render_median_ms"], ".1f"), fmt(x["speedup"], ".0f") + "x", fmt(x["meets_goal"])]
                          for x in r["widgets"]],
                         ["widget", "frames", "build s", "update ms", "redraw ms", "speedup", "goal"]))
        out.extend(f"note: {n['widget']}: {n['note']}" for n in r["notes"])
        out.append("")
    if "optim" in s:
        r = s["optim"]
        out.append(f"## optimizers: step() ours vs torch.optim, {r['model']} ({r['params']:,} {r['dtype']} "
                   f"params), {r['threads']} thread, median of {r['timed_steps']} interleaved steps; "
                   f"goal <= {GOALS['optim_ratio']:g}")
        out.append(f"torch's path: {r['torch_path']}")
        out.append("noise: |torch again / torch - 1|, torch's step timed against itself the same way; the goal "
                   f"allows it, or {GOALS['optim_resolution']:.0%} if it is smaller")
        out.append(table([[x["optimizer"], fmt(x["ours_ms"]), fmt(x["torch_ms"]), fmt(x["ratio"]), fmt(x["noise"]),
                           fmt(x["max_abs_diff"], ".1e"), fmt(x["meets_goal"])] for x in r["optimizers"]],
                         ["optimizer", "ours ms", "torch ms", "ours/torch", "noise", "max |diff|", "goal"]))
        out.append("")
    if "runner" in s:
        r = s["runner"]
        out.append(f"## run_trajectories vs a per-trajectory loop, {r['surface']}, {r['trajectories']} "
                   f"trajectories x {r['steps']} steps; goal >= 50x")
        out.append(table([[x["rule"], fmt(x["runner_seconds"], ".3f"), fmt(x["loop_seconds"], ".1f")
                           + (f" (scaled from {x['loop_trajectories_measured']})" if x["loop_scaled"] else ""),
                           fmt(x["speedup"], ".0f") + "x", fmt(x["max_abs_diff_final"], ".1e"), fmt(x["meets_goal"])]
                          for x in r["results"]], ["rule", "runner s", "loop s", "speedup", "max |diff|", "goal"]))
        out.append("")
    if "grading" in s:
        r = s["grading"]
        out.append(f"## make grade: a class of {r['students']} on {r['chapter']} ({r['class']}), "
                   f"{r['jobs']} notebooks at a time")
        out.append(f"{r['notebooks']} notebooks in {r['seconds']:.0f} s: {fmt(r['notebooks_per_minute'], '.1f')} "
                   f"notebooks per minute (median {fmt(r['median_notebook_seconds'], '.1f')} s per notebook, "
                   f"start to verdict); statuses {r['statuses']}")
        out.append("")
    out.append("## goals")
    word = {True: "met   ", False: "MISSED", None: "n/a   "}
    out.extend(f"{word[g['met']]}  {g['goal']}" for g in report["goals"])
    if report["mode"] == "quick":
        out.append("(--quick sizes: the goals are not judged)")
    out.append(f"\ntotal {report['total_seconds']:.0f} s")
    return "\n".join(out)


def goals(sections: dict[str, Any], quick: bool) -> list[dict[str, Any]]:
    """Each goal met or missed; at --quick sizes the figures are not judged (``met`` is None)."""
    out = []
    nb = sections.get("notebooks", {})
    if nb.get("notebooks"):
        out.append({"goal": "every notebook's kernel peak RSS < 1 GiB", "met": nb["all_under_1gib"]})
    p = sections.get("pages", {})
    if p.get("pages"):
        out.append({"goal": "every page of the website <= 10 MiB (the build's budget)",
                    "met": all(r["within_budget"] for r in p["pages"])})
    w = sections.get("widgets", {})
    if w.get("widgets"):
        out.append({"goal": "every widget update >= 3x faster than a redraw and < 100 ms", "met": w["all_meet_goal"]})
    o = sections.get("optim", {})
    if o.get("optimizers"):
        out.append({"goal": f"every optimizer step <= {GOALS['optim_ratio']:g}x torch.optim's (within the noise)",
                    "met": o["all_meet_goal"]})
    r = sections.get("runner", {})
    if r.get("results"):
        out.append({"goal": "run_trajectories >= 50x faster than a per-trajectory loop", "met": r["all_meet_goal"]})
    if quick:
        for g in out:
            g["met"] = None
    return out


def render_safe(report: dict[str, Any]) -> str:
    """The table; a section that errored is shown as its error instead."""
    shown = {k: v for k, v in report["sections"].items() if "error" not in v}
    errors = [f"## {k}\nERROR: {v['error']}\n" for k, v in report["sections"].items() if "error" in v]
    return render({**report, "sections": shown}) + ("\n\n" + "\n".join(errors) if errors else "")
