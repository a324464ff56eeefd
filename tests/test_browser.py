"""Browser tests: a real Chromium (Debian's /usr/bin/chromium) driven by Playwright over the built site."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("NNDYN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Sphinx 7.4.7 declares THEBE_JS_URL twice on every page: harmless, and the only allowed error.
ALLOWED_PAGE_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="module")
def browser():
    if not chromium_available():
        message = f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) to run the browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " -- under CI a missing browser is a failure")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


@pytest.fixture(scope="module")
def site(built_book):
    handler = functools.partial(_QuietHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", built_book
    server.shutdown()


def pages(html_root: Path) -> list[str]:
    skip = {"genindex.html", "search.html", "py-modindex.html", "prf-prf.html"}
    return sorted(
        str(p.relative_to(html_root))
        for p in html_root.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts and p.name not in skip
        and p.name != "index.html"
    )


def visit(browser, url: str):
    """Load ``url``; return the page plus every failed request, foreign request and JS error."""
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: None if any(a in str(exc) for a in ALLOWED_PAGE_ERRORS) else problems.append(f"JS error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"failed request: {req.url} {req.failure}"))
    page.on("response", lambda resp: problems.append(f"HTTP {resp.status}: {resp.url}") if resp.status >= 400 else None)

    def check_host(route):
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            problems.append(f"request leaves 127.0.0.1: {route.request.url}")
            route.abort()

    page.route("**/*", check_host)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return context, page, problems


def test_every_page_loads_cleanly_with_math_and_images(browser, site):
    base, root = site
    all_pages = pages(root)
    assert len(all_pages) >= 5
    for rel in all_pages:
        context, page, problems = visit(browser, f"{base}/{rel}")
        try:
            html = (root / rel).read_text()
            has_math = "math notranslate" in html
            if has_math:
                page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
            body_text = page.inner_text("article")
            assert "$$" not in body_text, f"raw $$ left on {rel}"
            broken = page.evaluate(
                "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
            )
            assert not broken, f"images not decoded on {rel}: {broken}"
            assert not problems, f"{rel}: {problems}"
        finally:
            context.close()


def test_solution_dropdown_opens(browser, site):
    base, root = site
    context, page, problems = visit(browser, f"{base}/book/01_classical_convergence.html")
    try:
        solution = page.locator("div.solution.dropdown").first
        body = solution.locator(".solution-content, section, div.highlight").first
        assert not body.is_visible()
        solution.locator(".admonition-title, button").first.click()
        page.wait_for_timeout(300)
        assert body.is_visible()
        assert not problems, problems
    finally:
        context.close()


def test_search_finds_gradient(browser, site):
    base, _ = site
    context, page, problems = visit(browser, f"{base}/search.html?q=gradient")
    try:
        page.wait_for_selector("#search-results li", timeout=20_000)
        assert page.locator("#search-results li").count() >= 1
        assert not problems, problems
    finally:
        context.close()
