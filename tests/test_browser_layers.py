"""A LayeredWidget on a static page, as the website shows it (no kernel), in headless Chromium.

The page holds only the widget's saved state, the widget manager the website vendors and the site's
stylesheet. What it proves: the background and every layer switched on are drawn exactly on top of
each other (one grid cell), at 1280 px and on a 390 px phone; a layer's switch shows and hides it;
a layer's own control changes its image to the one stored for that value, with its alt text; a layer
switched off is not in the page a screen reader reads.

Needs Debian's chromium and the vendored widget manager (`make book` installs it from npm); reported
as skipped, with the reason, where either is missing.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

from tests.browser import browser, chromium_missing, serve, watch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MANAGER = ROOT / "_build" / "vendor" / "static" / "vendor" / "html-manager"

reason = chromium_missing() or (None if (MANAGER / "embed.js").exists() else
                                "the widget manager is not vendored: run `make book` first (it installs it from npm)")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]


def _toy():
    from course_lib.widgets.frames import Control, Layer, layered_widget
    from tests.layer_toys import background, curve

    return layered_widget(
        background, [Control("k", [1, 2], kind="dropdown")],
        [Layer("red", curve("red", 0.0, lw=3), [Control("red_a", [1.0, 2.0], description="red amplitude")],
               describe=lambda k, red_a: f"a red sine of frequency {k} and amplitude {red_a:g}", label="red"),
         Layer("blue", curve("blue", 1.0, lw=3), [Control("blue_a", [0.5, 2.5], description="blue amplitude")],
               describe=lambda k, blue_a: f"a blue sine of frequency {k} and amplitude {blue_a:g}", label="blue",
               on=False)],
        describe=lambda k: f"empty axes for frequency {k}", title="Two sines", figsize=(6, 3))


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    from ipywidgets.embed import embed_data

    w = _toy()
    data = embed_data(views=[w])
    folder = tmp_path_factory.mktemp("layers")
    shutil.copytree(MANAGER, folder / "html-manager")
    shutil.copy(ROOT / "_static" / "descent.css", folder / "descent.css")
    view = json.dumps(data["view_specs"][0])
    (folder / "index.html").write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>layers</title>
<link rel="stylesheet" href="descent.css">
<script src="html-manager/embed.js"></script>
<script type="application/vnd.jupyter.widget-state+json">{json.dumps(data["manager_state"])}</script>
</head><body><main><div class="cell_output">
<script type="application/vnd.jupyter.widget-view+json">{view}</script>
</div></main></body></html>""", encoding="utf-8")
    with serve(folder) as base, browser() as b:
        yield w, base, b


_SHOWN = """() => [...document.querySelectorAll('img.descent-frame')].filter(i => i.offsetParent !== null)
  .map(i => { const r = i.getBoundingClientRect();
              return {alt: i.alt, src: i.src,
                      box: [r.x, r.y, r.width, r.height].map(v => Math.round(v * 10) / 10)}; })"""


def _png(src: str) -> bytes:
    return base64.b64decode(src.split(",", 1)[1])


@pytest.mark.parametrize("width", [1280, 390])
def test_layers_are_stacked_and_follow_their_controls_without_a_kernel(page_url, width):
    w, base, b = page_url
    page = b.new_page(viewport={"width": width, "height": 900})
    log = watch(page, base)
    try:
        page.goto(f"{base}/index.html", wait_until="load")
        page.wait_for_selector("img.descent-frame", timeout=20000)
        shown = page.evaluate(_SHOWN)
        # the background and the red layer (on at first), one on top of the other
        assert [s["alt"] for s in shown] == ["empty axes for frequency 1", "a red sine of frequency 1 and amplitude 1"]
        assert shown[0]["box"] == shown[1]["box"] and shown[0]["box"][2] > 0
        assert shown[0]["box"][2] <= width
        assert _png(shown[1]["src"]) == w.set(k=1, red_a=1.0).frames[1]

        # switch the blue layer on: a third image, on the same spot
        page.locator(".widget-toggle-buttons").nth(1).locator("button", has_text="on").click()
        page.wait_for_function("() => [...document.querySelectorAll('img.descent-frame')]"
                               ".filter(i => i.offsetParent !== null).length === 3", timeout=5000)
        shown = page.evaluate(_SHOWN)
        assert shown[2]["alt"] == "a blue sine of frequency 1 and amplitude 0.5"
        assert len({tuple(s["box"]) for s in shown}) == 1

        # the shared dropdown moves the background and every layer
        page.locator("select").select_option(index=1)
        page.wait_for_timeout(100)
        shown = page.evaluate(_SHOWN)
        assert [s["alt"] for s in shown] == ["empty axes for frequency 2", "a red sine of frequency 2 and amplitude 1",
                                             "a blue sine of frequency 2 and amplitude 0.5"]
        w.set(k=2, red_on=True, red_a=1.0, blue_on=True, blue_a=0.5)
        assert [_png(s["src"]) for s in shown] == w.frames

        # the red layer's own slider changes only the red image
        handle = page.locator(".widget-hslider").first.locator(".noUi-handle")
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(100)
        shown = page.evaluate(_SHOWN)
        assert shown[1]["alt"] == "a red sine of frequency 2 and amplitude 2"
        assert _png(shown[1]["src"]) == w.set(red_a=2.0).frames[1]

        # switch red off: gone from the page, and from what a screen reader reads
        page.locator(".widget-toggle-buttons").first.locator("button", has_text="off").click()
        page.wait_for_timeout(100)
        shown = page.evaluate(_SHOWN)
        assert [s["alt"] for s in shown] == ["empty axes for frequency 2",
                                             "a blue sine of frequency 2 and amplitude 0.5"]
        hidden = page.evaluate("() => [...document.querySelectorAll('img.descent-frame')]"
                               ".filter(i => i.alt.startsWith('a red') && i.offsetParent !== null).length")
        assert hidden == 0
        assert log.console_errors == [] and log.outside == []
    finally:
        page.close()
