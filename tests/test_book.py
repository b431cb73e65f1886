"""The built book, as a reader sees it: built in the ci profile with warnings as errors, opened in Chromium.

Needs Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs
it).  Without it the browser test is skipped with a message, except under
``CI=true``, where a missing browser is a failure.

``RESANDI_BOOK_HTML=/path/to/_build/html`` checks a book built before instead of
building one (for example ``jupyter-book build . --path-output /tmp/book``).

Every page is checked after its JavaScript has run (MathJax typesets the
equations): its prose must hold no raw TeX (``$``, ``\\(``, ``\\alpha``, ...) and
no Markdown table text (``| a | b |`` rows), which is what a reader sees when an
equation or a Markdown output fails to render.  Code cells and plain-text
outputs are not prose and are not checked.  Screenshots of every page (full
page) go to ``test-artifacts/`` (gitignored), for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
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
REPRODUCTION_PAGE = "notebooks/12_reproduction"

#: TeX that MathJax should have turned into equations: dollars, \( \) \[ \] delimiters, control words.
RAW_TEX = re.compile(r"\$|\\[()\[\]]|\\[A-Za-z]{2,}")
#: A Markdown table row (| a | b |) or separator (| --- | ---: |, dashes possibly typeset as en or em dashes) left as text.
MARKDOWN_TABLE = re.compile(r"^\s*\|.*\|.*\|\s*$|\|\s*:?(?:-{3,}|[\u2013\u2014]+):?\s*\|", re.MULTILINE)

#: The prose of the page: the article without code, plain-text outputs, typeset math and scripts.
PROSE_JS = """() => {
  const main = document.querySelector('main article') || document.querySelector('main');
  if (!main) return null;
  const copy = main.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, mjx-container, .cell_input, .MathJax, .katex, .headerlink')
      .forEach(e => e.remove());
  return copy.innerText;
}"""

#: Wait until MathJax (if the page loads it) has typeset the page.
MATHJAX_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; return 'typeset'; }
  return window.MathJax ? 'configured, not loaded' : 'no MathJax';
}"""


def prose_problems(text: str) -> list[str]:
    """Raw TeX and Markdown table text in a page's prose, each with its context; empty when the page renders."""
    found = []
    for kind, pattern in (("raw TeX", RAW_TEX), ("Markdown table text", MARKDOWN_TABLE)):
        for m in pattern.finditer(text):
            context = text[max(0, m.start() - 60) : m.end() + 60].replace("\n", " ")
            found.append(f"{kind} {m.group(0).strip()!r} in ...{context}...")
    return found


def check_rendered(page, url: str) -> tuple[list[str], str]:
    """Open ``url`` in a Playwright page, let MathJax typeset it; return (problems of its prose, MathJax state)."""
    page.goto(url, wait_until="load")
    state = page.evaluate(MATHJAX_JS)
    text = page.evaluate(PROSE_JS)
    return (["no <main> element: is the page built?"] if text is None else prose_problems(text)), state


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    given = os.environ.get("RESANDI_BOOK_HTML")
    if given:
        assert (Path(given) / "index.html").is_file() or any(Path(given).glob("*.html")), f"no built book in {given}"
        return Path(given)
    out = tmp_path_factory.mktemp("book")
    env = {
        **os.environ,
        "RESANDI_PROFILE": "ci",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "jupyter-book"),
            "build",
            str(ROOT),
            "--path-output",
            str(out),
            "--all",
            "-W",
            "--keep-going",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
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
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


def test_pages_render_in_chromium(server, browser, toc_pages):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for name in toc_pages:
        page.goto(f"{server}/{name}.html", wait_until="load")
        title = page.locator("main h1").first.inner_text().strip()
        assert title, f"{name}: no title"
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert not broken, f"{name}: images that do not load: {broken[:3]}"
        figures = page.evaluate("document.querySelectorAll('main img').length")
        if name.startswith("notebooks/"):
            assert figures >= 1, f"{name}: a chapter without a figure"
            links = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href).join(' ')")
            assert "mybinder.org" in links and "colab.research.google.com" in links, f"{name}: launch buttons missing"
        toc_links = page.evaluate(
            "Array.from(document.querySelectorAll('nav.bd-links a')).map(a => a.getAttribute('href'))"
        )
        assert len(toc_links) >= len(toc_pages) - 1, f"{name}: the sidebar does not list every page"
    page.close()


def test_prose_holds_no_raw_tex_and_no_markdown_tables(server, browser, toc_pages):
    """After MathJax has run, no page's prose shows TeX source or Markdown table rows; a screenshot of each page."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems, typeset = {}, 0
    for name in toc_pages:
        found, state = check_rendered(page, f"{server}/{name}.html")
        typeset += state == "typeset"
        if found:
            problems[name] = found[:5] + ([f"... and {len(found) - 5} more"] if len(found) > 5 else [])
        page.screenshot(path=str(ARTIFACTS / f"{name.replace('/', '_')}.png"), full_page=True)
    page.close()
    assert typeset >= 1, "MathJax typeset no page: is book/_static/mathjax served?"
    assert not problems, "pages whose prose does not render:\n" + "\n".join(
        f"{name}:\n  " + "\n  ".join(found) for name, found in problems.items()
    )


def test_reproduction_page_holds_the_report_as_an_html_table(server, browser):
    from resandi_lite import report

    page = browser.new_page()
    page.goto(f"{server}/{REPRODUCTION_PAGE}.html", wait_until="load")
    cells = page.evaluate(
        "Array.from(document.querySelectorAll('main table tr'))"
        ".map(tr => tr.querySelector('td') ? tr.querySelector('td').innerText.trim() : null)"
    )
    page.close()
    missing = [r.quantity for r in report.paper_rows() if r.quantity not in cells]
    assert not missing, (
        f"{REPRODUCTION_PAGE}: report rows that are not rows of an HTML table: {missing[:5]} "
        f"({len(missing)} of {len(report.paper_rows())})"
    )


def test_prose_checker_flags_what_a_reader_saw_before():
    """The detector, without a browser: text as the built pages showed it before issue 18's fixes, and clean prose."""
    chapter8 = "The average gradient of the score over positions, $$ Where is that channel active?"  # stray $$
    chapter12 = (
        "classification (spec section 5) | quantity | paper | ours (± standard error) | difference |\n"
        "| — | —: | —: | —: |\n| accuracy, varying length | 90.4% | 86.4 ± 0.5% | -4.0 |"
    )  # CommonMark
    assert any(p.startswith("raw TeX '$'") for p in prose_problems(chapter8))
    assert any("\\frac" in p for p in prose_problems(r"so \frac{1}{L} stays as text"))
    assert len([p for p in prose_problems(chapter12) if p.startswith("Markdown table text")]) >= 2
    clean = "The correlations are small (|r| < 0.4 in the paper); a CTRW rests — then jumps: 2 | 3 of them."
    assert prose_problems(clean) == []
