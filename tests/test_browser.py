"""The built website, as a reader sees it, in headless Chromium with every outside request cut.

Every page at 1280 px: it loads, typesets, asks nothing of the outside world, has no critical or
serious accessibility violation (axe-core, installed from npm at build time and injected into the
page), and no code cell or display equation wider than its column. Every page on a 390 px phone:
no output sticks out of the screen. Screenshots of each chapter (desktop, phone, dark) are saved
in ``_build/screenshots`` for a person to look at. Both editions, English and Chinese (``zh/``), pass
the page tests; the widgets and animations, which the Chinese pages carry byte for byte, are driven on
the English pages. The Chinese screenshots are named ``…-zh``.

Needs the site built (`make book`; `make test` builds it first) and Debian's chromium;
reported as skipped, with the reason, where either is missing.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import (
    axe_script,
    axe_violations,
    browser,
    chromium_missing,
    frame_widgets,
    serve,
    watch,
    widget_state,
)
from tools.toc import toc_entries

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
#: both editions: the English site and, when it is built, the Chinese one in zh/ (tools/i18n), page for page
EDITIONS = [""] + (["zh/"] if (HTML / "zh" / "book" / "intro.html").exists() else [])
PAGES = [f"{edition}{entry}.html" for edition in EDITIONS for entry in toc_entries(ROOT)]
EVERY_PAGE = PAGES + [f"{edition}{name}" for edition in EDITIONS for name in ("search.html", "genindex.html")]


def _chapter(path: str) -> bool:
    """A chapter's page (``book/0…``), in either edition."""
    return path.removeprefix("zh/").startswith("book/0")
AXE = axe_script()

reason = chromium_missing() or (None if (HTML / "book" / "intro.html").exists() else
                                "the website is not built: run `make book` first (`make test` does)") or (
    None if (HTML / "_static" / "vendor").exists() else
    "the website was built without npm, so its pages load MathJax and the widget manager from CDNs, "
    "which these tests (every outside request cut) cannot reach")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(reason is not None, reason=reason or "")]


@pytest.fixture(scope="module")
def site():
    with serve(HTML) as base, browser() as b:
        yield base, b


def _open(site, path: str, wait_ms: int = 0, width: int = 1280, height: int = 900, **options):
    base, b = site
    page = b.new_page(viewport={"width": width, "height": height}, **options)
    page.set_default_timeout(90000)  # an 8 MiB page on a loaded 2-core machine missed playwright's 30 s
    log = watch(page, base)
    page.goto(f"{base}/{path}", wait_until="load")
    try:  # "networkidle" is a heuristic (no request for 500 ms): a request Chromium keeps open is not a failure,
        page.wait_for_load_state("networkidle", timeout=20000)  # what the page shows is checked by each test
    except PlaywrightTimeout:
        pass
    if wait_ms:
        page.wait_for_timeout(wait_ms)
    return page, log


def _has_math(html: str) -> bool:
    return 'class="math' in html or "\\(" in html


def _report(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['id']} ({v['help']}): " + "; ".join(n["target"] for n in v["nodes"][:4])
                     for v in violations)


# A code cell whose lines run past the column, and display equations wider than the column (the
# reader must scroll sideways to see their end), at 1280 px.
_TOO_WIDE = """() => {
  const cut = [];
  document.querySelectorAll('div.cell_input pre').forEach(pre => {
    if (pre.scrollWidth > pre.clientWidth + 1) {
      const line = pre.textContent.split('\\n').reduce((a, b) => b.length > a.length ? b : a, '');
      cut.push('code: ' + line.trim().slice(0, 90));
    }
  });
  document.querySelectorAll('mjx-container[display="true"]').forEach(eq => {
    const math = eq.querySelector('mjx-math');
    if (math && math.getBoundingClientRect().width > eq.getBoundingClientRect().width + 1) {
      cut.push('equation: ' + (eq.getAttribute('aria-label') || eq.textContent).slice(0, 90));
    }
  });
  return cut;
}"""

# Outputs that stick out of the screen (or out of their own box), and a page that scrolls sideways.
_STICK_OUT = """() => {
  const width = document.documentElement.clientWidth, out = [];
  document.querySelectorAll('div.cell_output').forEach(o => {
    o.querySelectorAll('img, canvas, select, input, button, .widget-hslider, .widget-dropdown, .descent-anim, '
                       + '.widget-toggle-buttons, .widget-vbox, table').forEach(el => {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && (r.right > width + 1 || r.left < -1)) {
        out.push(el.tagName.toLowerCase() + '.' + [...el.classList].slice(0, 2).join('.') + ' right edge at '
                 + Math.round(r.right) + ' px');
      }
    });
  });
  if (document.documentElement.scrollWidth > width + 1) out.push('the page scrolls sideways: '
                                                                  + document.documentElement.scrollWidth + ' px');
  return [...new Set(out)];
}"""


def _shoot(page, path: str, suffix: str = "") -> None:
    """Screenshot a chapter with its first widget or animation in view (the top of the page if it has none)."""
    if not _chapter(path):
        return
    if path.startswith("zh/"):
        suffix = f"-zh{suffix}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = page.locator(".widget-vbox, .descent-anim").first
    if target.count():
        target.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -60)")
        page.wait_for_timeout(150)
    page.screenshot(path=str(SHOTS / f"{Path(path).stem}{suffix}.png"))


def _wait_ready(page, html: str) -> None:
    if _has_math(html):
        page.wait_for_function("document.querySelectorAll('mjx-container').length > 0", timeout=20000)
    page.wait_for_function("[...document.images].every(i => i.complete)", timeout=20000)
    if 'widget-view+json' in html:
        page.wait_for_selector(".widget-vbox", timeout=20000)
    page.wait_for_timeout(300)


#: axe rules that depend only on colours, which the Chinese pages take from the same stylesheets as the
#: English ones (test_the_chinese_pages_use_the_english_stylesheets): run on the English pages only, in
#: light and dark mode (they are most of axe's time: ~9 s a chapter, for MathJax's thousands of nodes)
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
_STYLESHEETS = re.compile(r'<link rel="stylesheet"[^>]*href="([^"]+)"')


def test_the_chinese_pages_use_the_english_stylesheets():
    if "zh/" not in EDITIONS:
        pytest.skip("the Chinese edition is not built")
    for path in PAGES:
        if path.startswith("zh/"):
            english_page, chinese_page = HTML / path.removeprefix("zh/"), HTML / path
            english = _STYLESHEETS.findall(english_page.read_text(encoding="utf-8"))
            chinese = _STYLESHEETS.findall(chinese_page.read_text(encoding="utf-8"))
            assert [c.split("?")[0] for c in chinese] == [e.split("?")[0] for e in english], path
            for href in english:  # and the files they name hold the same bytes
                name = href.split("?")[0]
                assert (chinese_page.parent / name).read_bytes() == (english_page.parent / name).read_bytes(), (
                    f"{path}: {name} differs from the English site's")


@pytest.mark.parametrize("path", EVERY_PAGE)
def test_page_loads_typesets_is_accessible_and_stays_on_the_site(site, path):
    """At 1280 px: loads, typesets, no outside request, no console error, no critical or serious axe
    violation, no code cell or display equation wider than its column (the notebooks are formatted to
    79 characters; a long equation is broken over aligned lines); a desktop and a dark-mode screenshot of
    each chapter."""
    html = (HTML / path).read_text(encoding="utf-8")
    chinese = path.startswith("zh/")
    page, log = _open(site, path, color_scheme="light")
    try:
        _wait_ready(page, html)
        broken = page.evaluate("[...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
        assert broken == [], f"images that did not load: {broken}"
        if 'widget-view+json' in html:
            assert page.locator("img.widget-image").count() > 0
        _shoot(page, path)
        assert log.outside == [], f"requests leaving the site: {log.outside[:5]}"
        assert log.failed == [], f"failed requests: {log.failed[:5]}"
        assert log.console_errors == [], f"console errors: {log.console_errors[:5]}"
        if path in PAGES:
            cut = page.evaluate(_TOO_WIDE)
            assert cut == [], f"{path}: wider than the column at 1280 px:\n" + "\n".join(cut)
        if AXE is None:
            pytest.skip("axe-core is not installed (tools/vendor_assets.py installs it with npm at build time)")
        violations = axe_violations(page, AXE, disabled=COLOUR_RULES if chinese else ())
        assert violations == [], f"{path}: accessibility violations\n{_report(violations)}"
        page.emulate_media(color_scheme="dark")  # the theme follows the system's preference
        page.wait_for_function("document.documentElement.dataset.theme === 'dark'", timeout=5000)
        page.wait_for_timeout(200)
        _shoot(page, path, "-dark")
        if not chinese:
            dark = axe_violations(page, AXE, rules=COLOUR_RULES)
            assert dark == [], f"{path} in dark mode: \n{_report(dark)}"
    finally:
        page.close()


@pytest.mark.parametrize("path", PAGES)
def test_nothing_sticks_out_of_a_phone_screen(site, path):
    """On a 390 px phone no output is wider than the screen, and every widget frame and animation fits."""
    html = (HTML / path).read_text(encoding="utf-8")
    page, _ = _open(site, path, width=390, height=844, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        _wait_ready(page, html)
        _shoot(page, path, "-phone")
        out = page.evaluate(_STICK_OUT)
        assert out == [], f"{path} at 390 px: " + "; ".join(out)
    finally:
        page.close()


def test_search_finds_momentum(site):
    page, log = _open(site, "search.html?q=momentum")
    try:
        page.wait_for_selector("#search-results li", timeout=20000)
        assert page.locator("#search-results li").count() >= 2
        assert log.outside == [] and log.console_errors == []
    finally:
        page.close()


#: The Chinese pages carry the English pages' widgets and animations byte for byte (only prose is translated;
#: test_the_chinese_pages_carry_the_same_widgets_and_animations proves it), so what the widgets and animations
#: do in a browser is tested on the English pages only: twice would cost minutes and prove nothing more.
ANIMATED = [p for p in PAGES if _chapter(p) and not p.startswith("zh/") and "descent-anim" in
            ((HTML / p).read_text(encoding="utf-8") if (HTML / p).exists() else "")]


@pytest.mark.parametrize("path", ANIMATED)
def test_animations_play_without_a_kernel(site, path):
    page, log = _open(site, path)
    try:
        anims = page.locator("div.animation")
        assert anims.count() > 0
        for k in range(anims.count()):
            anim = anims.nth(k)
            img = anim.locator("img").first
            before = img.get_attribute("src")
            anim.locator('button[title="Next frame"]').click()
            assert img.get_attribute("src") != before, f"animation {k} of {path} did not step"
            anim.locator('button[title="Play"]').click()
            page.wait_for_timeout(400)
            anim.locator('button[title="Pause"]').click()
        assert log.console_errors == [] and log.outside == []
    finally:
        page.close()


WIDGET_PAGES = [p for p in PAGES if _chapter(p) and not p.startswith("zh/") and (HTML / p).exists()
                and frame_widgets((HTML / p).read_text(encoding="utf-8"))]

_DATA_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")


@pytest.mark.skipif("zh/" not in EDITIONS, reason="the Chinese edition is not built")
@pytest.mark.parametrize("path", [p for p in PAGES if _chapter(p) and not p.startswith("zh/")])
def test_the_chinese_pages_carry_the_same_widgets_and_animations(path):
    english = (HTML / path).read_text(encoding="utf-8")
    chinese = (HTML / "zh" / path).read_text(encoding="utf-8")
    assert widget_state(chinese) == widget_state(english), f"zh/{path}: its widgets differ from the English page's"
    assert chinese.count("descent-anim") == english.count("descent-anim")
    assert sorted(_DATA_URI.findall(chinese)) == sorted(_DATA_URI.findall(english)), (
        f"zh/{path}: its animation frames or inline images differ from the English page's")

_SHOWN_ALT = """(box) => {
  const img = [...box.querySelectorAll('img.widget-image')].find(i => i.offsetParent !== null);
  return img ? img.alt : null;
}"""

_SHOWN = """(box) => {
  const img = [...box.querySelectorAll('img.widget-image')].find(i => i.offsetParent !== null);
  if (!img) return null;
  return fetch(img.src).then(r => r.arrayBuffer()).then(b => {
    let s = ''; const a = new Uint8Array(b);
    for (let i = 0; i < a.length; i += 8192) s += String.fromCharCode.apply(null, a.subarray(i, i + 8192));
    return btoa(s);
  });
}"""


def _move(control, model_name: str, index: int, page) -> None:
    if model_name == "SelectionSliderModel":
        handle = control.locator(".noUi-handle").first
        handle.focus()
        current = int(float(handle.get_attribute("aria-valuenow")))
        key = "ArrowRight" if index > current else "ArrowLeft"
        for _ in range(abs(index - current)):
            page.keyboard.press(key)
    elif model_name == "DropdownModel":
        control.locator("select").select_option(index=index)
    elif model_name == "ToggleButtonsModel":
        control.locator("button").nth(index).click()
    else:  # pragma: no cover - the frame mechanism makes only these three
        raise AssertionError(f"unknown control {model_name}")


@pytest.mark.parametrize("path", WIDGET_PAGES)
def test_every_control_of_every_widget_switches_to_its_frame_without_a_kernel(site, path):
    """Move every control through two values; what is shown changes and is the frame rendered for them."""
    saved = frame_widgets((HTML / path).read_text(encoding="utf-8"))
    page, log = _open(site, path)
    try:
        for w in saved:
            script = page.locator(f'script[type="application/vnd.jupyter.widget-view+json"]'
                                  f':text("{w.model_id}")')
            if script.count() == 0:
                continue  # a widget shown only inside another one
            box = script.first.locator("xpath=..").locator(".widget-vbox").first
            box.wait_for(timeout=20000)
            box.scroll_into_view_if_needed()
            rows = box.locator(":scope > .widget-hslider, :scope > .widget-dropdown, :scope > .widget-toggle-buttons")
            assert rows.count() == len(w.controls), f"{path}: {rows.count()} controls shown, {len(w.controls)} saved"
            indices = [c["index"] for c in w.controls]
            shown = base64.b64decode(box.evaluate(_SHOWN))
            assert shown == w.frame(tuple(indices)), f"{path}: the default frame is not the one saved"
            for k, control in enumerate(w.controls):
                n = len(control["labels"])
                targets = [i for i in (n - 1, 0, n // 2) if i != indices[k]][:2]
                for target in targets:
                    _move(rows.nth(k), control["model_name"], target, page)
                    indices[k] = target
                    page.wait_for_timeout(50)
                    now = base64.b64decode(box.evaluate(_SHOWN))
                    expected = w.frame(tuple(indices))
                    assert now == expected, (f"{path}: after setting {control['model_name']} {k} to "
                                             f"{control['labels'][target]!r} the frame shown is not its frame")
                    alt = w.alts
                    for i in indices:
                        alt = alt[i]
                    assert box.evaluate(_SHOWN_ALT) == alt and alt, f"{path}: the frame shown lacks its alt text"
                    if control["model_name"] == "SelectionSliderModel":
                        handle = rows.nth(k).locator(".noUi-handle").first
                        page.wait_for_function("h => h.getAttribute('aria-valuetext') === " + repr(
                            control["labels"][target]), arg=handle.element_handle(), timeout=2000)
                        assert handle.get_attribute("aria-label") == control["description"]
                    assert now != shown or expected == shown
                    shown = now
        assert log.outside == [] and log.console_errors == []
    finally:
        page.close()


def test_widget_pages_exist():
    """Guard: the widget tests above are not silently empty."""
    assert len(WIDGET_PAGES) >= 5, f"only {len(WIDGET_PAGES)} pages with frame widgets: {WIDGET_PAGES}"


def test_saved_widget_state_is_json(site):
    """Each page's saved widget state parses (the manager would fail silently otherwise)."""
    for p in WIDGET_PAGES:
        html = (HTML / p).read_text(encoding="utf-8")
        m = re.search(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', html, re.S)
        assert m and json.loads(m.group(1))["state"]


_MARK_CONTROLS = """() => {
  const els = [...document.querySelectorAll('div.cell_output .noUi-handle, div.cell_output select, '
                                            + 'div.cell_output button, div.cell_output input')]
    .filter(e => e.offsetParent !== null && !e.classList.contains('copybtn'));  // not the theme's copy buttons
  els.forEach((e, i) => e.dataset.kb = String(i));
  return els.map(e => e.tagName.toLowerCase() + '.' + [...e.classList].slice(0, 2).join('.')
                      + (e.getAttribute('aria-label') ? ' ' + e.getAttribute('aria-label') : ''));
}"""

_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e.dataset.kb === undefined) return null;
  const cs = getComputedStyle(e);
  return {kb: Number(e.dataset.kb), visible: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2)
                                            || cs.boxShadow !== 'none'};
}"""

KEYBOARD_PAGE = next((p for p in ANIMATED if p in WIDGET_PAGES), None)


@pytest.mark.skipif(KEYBOARD_PAGE is None, reason="no page with both a widget and an animation")
def test_every_control_is_reached_by_the_tab_key_and_shows_its_focus(site):
    """Tab through a page with widgets and an animation: every control is reached, its focus is visible, and
    an animation can be stepped with the arrow keys (its alt text and announced frame follow)."""
    html = (HTML / KEYBOARD_PAGE).read_text(encoding="utf-8")
    page, log = _open(site, KEYBOARD_PAGE)
    try:
        _wait_ready(page, html)
        controls = page.evaluate(_MARK_CONTROLS)
        assert controls, "no controls found"
        reached, unseen_focus = set(), set()
        page.locator("body").press("Tab")
        for _ in range(80 + 12 * len(controls) + html.count('class="cell docutils')):
            info = page.evaluate(_FOCUSED)
            if info is not None:
                reached.add(info["kb"])
                if not info["visible"]:
                    unseen_focus.add(info["kb"])
            if len(reached) == len(controls):
                break
            page.keyboard.press("Tab")
        missed = [controls[i] for i in range(len(controls)) if i not in reached]
        assert missed == [], f"controls the Tab key never reaches: {missed[:6]}"
        assert unseen_focus == set(), f"focus not visible on: {[controls[i] for i in sorted(unseen_focus)][:6]}"
        anim = page.locator(".descent-anim").first
        img, frame = anim.locator("img"), anim.locator('input[type="range"]')
        alt, src = img.get_attribute("alt"), img.get_attribute("src")
        frame.focus()
        page.keyboard.press("ArrowRight")
        assert img.get_attribute("src") != src and img.get_attribute("alt") != alt
        assert frame.get_attribute("aria-valuetext").startswith("frame 2 of ")
        assert log.console_errors == []
    finally:
        page.close()
