"""Shared pieces of the browser tests: serve a folder on 127.0.0.1, drive Debian's Chromium with Playwright.

Every request that does not go to the local server is aborted and recorded, so a test
can assert that a page asks nothing of the outside world.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html as html_lib
import http.server
import json
import re
import shutil
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (apt-get install chromium; .ci/run does it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 at a free port; yields the base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def watch(page, base: str, allowed_hosts: tuple[str, ...] = ()) -> PageLog:
    """Record console errors, failed responses, and abort (and record) every request leaving ``base``."""
    log = PageLog()
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.console_errors.append(str(e)))
    page.on("response", lambda r: log.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def route(r):
        url = r.request.url
        if url.startswith(base) or url.startswith(("data:", "blob:")) or any(h in url for h in allowed_hosts):
            r.continue_()
        else:
            log.outside.append(url)
            r.abort()

    # only http(s): the pages' frames are data: URLs, hundreds of them, and routing each through Python
    # made a loaded machine miss the load timeouts
    page.route(re.compile(r"^(https?|wss?|ftp):"), route)
    return log


@contextlib.contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# --- frame widgets as saved in a page ------------------------------------------------------------

_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)


def widget_state(html: str) -> dict:
    m = _STATE.search(html)
    return json.loads(m.group(1))["state"] if m else {}


def _ref(x: str) -> str:
    return x.removeprefix("IPY_MODEL_")


@dataclass
class SavedFrameWidget:
    """A FrameWidget read back from a page's saved widget state."""

    model_id: str
    controls: list[dict]           # each: model_name, labels (option labels), index (default), description
    tree: object                   # nested lists of PNG bytes, one level per control
    alts: object = None            # the same nesting: each frame's alt text

    def frame(self, indices: tuple[int, ...]) -> bytes:
        node = self.tree
        for i in indices:
            node = node[i]
        return node


def frame_widgets(html: str) -> list[SavedFrameWidget]:
    """Every frame widget (a VBox of controls above nested Stacks of Images) saved in a page."""
    state = widget_state(html)
    out = []

    def image_bytes(mid):
        m = state[mid]
        if m["model_name"] == "HTMLModel":  # a frame: <img src="data:image/png;base64,..." alt="...">
            src = re.search(r'src="data:image/png;base64,([^"]+)"', m["state"]["value"])
            return base64.b64decode(src.group(1)) if src else b""
        return base64.b64decode(m["buffers"][0]["data"]) if m.get("buffers") else b""

    def tree(mid):
        m = state[mid]
        if m["model_name"] == "StackModel":
            return [tree(_ref(c)) for c in m["state"]["children"]]
        return image_bytes(mid)

    def alts(mid):
        m = state[mid]
        if m["model_name"] == "StackModel":
            return [alts(_ref(c)) for c in m["state"]["children"]]
        alt = re.search(r' alt="([^"]*)"', m["state"].get("value", ""))
        return html_lib.unescape(alt.group(1)) if alt else None

    for mid, m in state.items():
        if m["model_name"] != "VBoxModel":
            continue
        kids = [_ref(c) for c in m["state"]["children"]]
        if not kids or state[kids[-1]]["model_name"] != "StackModel":
            continue
        controls = [dict(model_id=k, model_name=state[k]["model_name"], labels=state[k]["state"]["_options_labels"],
                         index=state[k]["state"]["index"], description=state[k]["state"].get("description", ""))
                    for k in kids if "_options_labels" in state[k]["state"]]
        out.append(SavedFrameWidget(mid, controls, tree(kids[-1]), alts(kids[-1])))
    return out


# --- accessibility ------------------------------------------------------------------------------

def axe_script() -> str | None:
    """axe-core's script as the build installed it from npm (tools/vendor_assets.py), or None."""
    from tools.vendor_assets import AXE

    return AXE.read_text(encoding="utf-8") if AXE.exists() else None


def axe_violations(page, script: str, impacts: tuple[str, ...] = ("critical", "serious"),
                   rules: list[str] | None = None, disabled=()) -> list[dict]:
    """Run axe-core on the page (injected, no network) and return its violations of these impacts.

    ``rules``: only these axe rules (default: all); ``disabled``: all but these. Each violation: ``id``,
    ``impact``, ``help`` and ``nodes`` (the CSS target, the failure summary and the start of the HTML of each).
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(script)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    if disabled:
        options["rules"] = {rule: {"enabled": False} for rule in disabled}
    result = page.evaluate("""async (options) => {
      const r = await axe.run(document, options);
      return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary,
                                  html: n.html.slice(0, 160)}))}));
    }""", options)
    return [v for v in result if v["impact"] in impacts]
