"""A chapter in JupyterLab with a live kernel: run it, move a slider, and the figure changes.

Starts JupyterLab on 127.0.0.1 on a copy of a chapter (outputs and saved widget state
removed, so every widget on the page comes from the live kernel), drives it with headless
Chromium, and aborts any request that would leave the machine.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tests.browser import browser, chromium_missing, watch
from tools.run_notebooks import kernel_env

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "book" / "04_ema.ipynb"
TOKEN = "descent-live-test"

reason = chromium_missing() or (None if CHAPTER.exists() else f"{CHAPTER.name} is missing")
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(reason is not None, reason=reason or "")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    nb = nbformat.read(CHAPTER, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, tmp_path / CHAPTER.name)
    port = _free_port()
    env = {**kernel_env(), "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={tmp_path}",
           "--allow-root", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_moving_a_slider_in_a_live_kernel_changes_the_figure(lab):
    with browser() as b:
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        watch(page, lab)
        page.goto(f"{lab}/lab/tree/{CHAPTER.name}?token={TOKEN}")
        page.wait_for_selector(".jp-Notebook", timeout=90000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=30000)
        page.wait_for_timeout(1500)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        dialog = page.locator(".jp-Dialog button.jp-mod-accept")
        if dialog.count():
            dialog.first.click()
        slider = page.locator(".jp-OutputArea .widget-hslider").first
        slider.wait_for(timeout=180000)
        box = slider.locator("xpath=..")
        image = box.locator("img.widget-image:visible").first
        image.wait_for(timeout=30000)
        before = image.get_attribute("src")
        handle = slider.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("ArrowLeft")
        page.wait_for_timeout(500)
        after = box.locator("img.widget-image:visible").first.get_attribute("src")
        assert after != before, "the figure did not change when the slider moved"
        assert os.path.exists(CHAPTER)
