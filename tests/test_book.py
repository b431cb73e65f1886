"""The built book, as a reader sees it: built in the ci profile with warnings as errors, opened in Chromium.

Needs Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs
it).  Without it the browser test is skipped with a message, except under
``CI=true``, where a missing browser is a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    env = {**os.environ, "RESANDI_PROFILE": "ci", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT), "--path-output",
                           str(out), "--all", "-W", "--keep-going"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, f"the book does not build cleanly:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return out / "_build" / "html"


def test_every_page_of_the_toc_is_built(html, toc_pages):
    for page in toc_pages:
        assert (html / f"{page}.html").is_file(), f"{page} is in _toc.yml but was not built"


@pytest.fixture(scope="module")
def server(html):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html))

    class Quiet(handler.func):
        def log_message(self, *args):
            pass

    httpd = socketserver.TCPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        message = "Debian's chromium is not installed (apt-get install chromium): the browser test cannot run"
        if IN_CI:
            pytest.fail(message + " -- and under CI=true nothing is skipped")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()


def test_pages_render_in_chromium(server, browser, toc_pages):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    shots = 0
    for name in toc_pages:
        page.goto(f"{server}/{name}.html", wait_until="load")
        title = page.locator("main h1").first.inner_text().strip()
        assert title, f"{name}: no title"
        broken = page.evaluate("Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert not broken, f"{name}: images that do not load: {broken[:3]}"
        figures = page.evaluate("document.querySelectorAll('main img').length")
        if name.startswith("notebooks/"):
            assert figures >= 1, f"{name}: a chapter without a figure"
            links = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href).join(' ')")
            assert "mybinder.org" in links and "colab.research.google.com" in links, f"{name}: launch buttons missing"
        toc_links = page.evaluate("Array.from(document.querySelectorAll('nav.bd-links a')).map(a => a.getAttribute('href'))")
        assert len(toc_links) >= len(toc_pages) - 1, f"{name}: the sidebar does not list every page"
        if shots < 4:
            page.screenshot(path=str(ARTIFACTS / f"{name.replace('/', '_')}.png"), full_page=False)
            shots += 1
    page.close()
