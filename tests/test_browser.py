"""Browser tests: a real Chromium (Debian's /usr/bin/chromium) driven by Playwright over the built site."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import re
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
# No page error and no console error is allowed. (Sphinx 7.4.7 wrote sphinx-thebe's inline
# script twice, and every page logged "Identifier 'THEBE_JS_URL' has already been declared"
# until scripts/nndyn_page_scripts.py removed the repeat.)


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


def visit(browser, url: str, context=None):
    """Load ``url`` in a new tab (of ``context``, or of a new context); return the context,
    the page and the list of every failed request, foreign request and JS error."""
    context = context or browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"JS error: {exc}"))
    page.on("console", lambda m: problems.append(f"console error: {m.text}") if m.type == "error" else None)
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


ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "_build" / "screenshots"


def wait_for_math(page) -> None:
    """Wait until MathJax has typeset the whole page (its startup promise resolves after the first pass)."""
    page.wait_for_selector("mjx-container", state="attached", timeout=20_000)
    page.evaluate("async () => { await MathJax.startup.promise; }")


# The theme (pydata-sphinx-theme 0.17, addTabStopsToScrollableElements in its
# pydata-sphinx-theme.js) makes a code block or output that scrolls focusable (tabindex 0)
# for keyboard users, 300 ms after the last resize or change of the page (debounced): a
# check right after one must wait for that, as a reader's keyboard does. The theme's selector:
SCROLLABLE_SELECTOR = "pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon, .pst-scrollable-table-container"
TAB_STOPS_SET = f"""() => Array.from(document.querySelectorAll({SCROLLABLE_SELECTOR!r}))
    .every(e => !(e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight) || e.tabIndex === 0)"""


def wait_for_tab_stops(page) -> None:
    """Wait until the theme has made every scrolling code block focusable after a resize."""
    page.wait_for_function(TAB_STOPS_SET, timeout=5_000)


def axe_violations(page) -> list[str]:
    """Serious or critical accessibility violations found by axe-core on the loaded page
    (once the theme's tab stops are set: :func:`wait_for_tab_stops`)."""
    wait_for_tab_stops(page)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        }"""
    )
    return found


def accessibility_failures(page, where: str) -> list[str]:
    """:func:`axe_violations` as a list of failures, one line headed ``where``."""
    violations = axe_violations(page)
    return [f"{where}: {violations}"] if violations else []


def toc_pages() -> list[str]:
    """Every page of the table of contents, as its built path (known before the build, so
    that the per-page tests can be spread over the test workers)."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return sorted(f + ".html" for f in files)


def test_the_per_page_tests_cover_every_built_page(built_book):
    assert toc_pages() == pages(built_book)


SCREENSHOT_FULL_PAGE = os.environ.get("NNDYN_FULL_SCREENSHOTS") == "1"
"""Full-page screenshots (for looking at whole pages) cost seconds a page; by default only the first screen."""


@pytest.mark.parametrize("rel", toc_pages())
def test_page_loads_cleanly_with_math_images_solutions_and_no_accessibility_violations(browser, site, rel):
    """One page at 1280 px: no failed or foreign request, no JS error, MathJax done and no raw
    ``$$``, every image decoded, no display equation cut off, every hidden solution opens on a
    click, every proof folds from the keyboard (:func:`check_proofs_fold`), and axe-core finds
    no serious or critical violation. On a page with interactive
    figures, also :func:`check_interactive_controls`; on every page :func:`check_figure_text`,
    and on a chapter :func:`check_paragraph_length`. No console error on any page. Then, in
    the same tab, :func:`check_phone_width` (every page), and on a chapter
    :func:`check_phone_and_dark_mode`."""
    base, root = site
    if not AXE.exists():
        message = f"{AXE} is missing (run `npm install`); accessibility checks need it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures = []
    context, page, problems = visit(browser, f"{base}/{rel}")
    interactive = rel in INTERACTIVE_TOC_PAGES
    try:
        html = (root / rel).read_text()
        if "math notranslate" in html:
            wait_for_math(page)
        body_text = page.inner_text("article")
        if "$$" in body_text:
            failures.append(f"raw $$ left on {rel}")
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        if broken:
            failures.append(f"images not decoded on {rel}: {broken}")
        wide = page.evaluate(OVERFLOWING_MATH)
        if wide:
            failures.append(f"display math wider than its box on {rel} at 1280 px: {wide}")
        broken_code = page.evaluate(BROKEN_TABLE_CODE)
        if broken_code:  # the Reproduce page once showed "classical_boun|ds" at 1280 px
            failures.append(f"{rel}: code in a table broken inside a word at 1280 px: {broken_code[:5]}")
        page.screenshot(path=str(SCREENSHOTS / (rel.replace("/", "__").replace(".html", ".png"))), full_page=SCREENSHOT_FULL_PAGE)
        if rel in CHAPTER_TOC_PAGES:  # before the solutions open: what a reader sees first
            failures += checked(rel, "paragraph length", lambda: check_paragraph_length(page, rel))
        if AXE.exists():
            failures += checked(rel, "accessibility", lambda: accessibility_failures(page, f"accessibility on {rel}"))
        # the checks below each report their own failure, so that one that breaks off
        # (a timeout) does not hide what the others found
        failures += checked(rel, "solutions", lambda: check_solutions_open_on_a_click(page, rel))
        failures += checked(rel, "proofs", lambda: check_proofs_fold(page, rel, html))
        failures += checked(rel, "toggle names", lambda: check_toggle_names(page, rel))
        if interactive:
            failures += checked(rel, "interactive controls", lambda: check_interactive_controls(page, rel))
        failures += checked(rel, "figure text", lambda: check_figure_text(page, rel))
        failures += checked(rel, "phone width", lambda: check_phone_width(page, rel))
        if rel in CHAPTER_TOC_PAGES:
            failures += checked(rel, "phone and dark mode", lambda: check_phone_and_dark_mode(page, rel))
        if problems:
            failures.append(f"{rel}: {problems}")
    finally:
        context.close()
    if interactive:  # a phone that opens the page, in dark mode: the figures' first draw is narrow
        failures += checked(rel, "loaded on a phone", lambda: check_loaded_on_a_phone_in_dark_mode(browser, f"{base}/{rel}", rel))
    assert not failures, "\n".join(failures)


def checked(rel: str, name: str, check) -> list[str]:
    """The failures ``check()`` returns, or the exception that broke it off, as a failure."""
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 -- reported, with the others
        return [f"{rel}: {name} broke off: {type(exc).__name__}: {str(exc)[:500]}"]


# ------------------------------------------------------------ figure text, paragraphs (issues 23, 24)

# The body text's size, and every static figure's natural and displayed widths (the hidden
# PNG fallbacks of interactive figures aside).
STATIC_FIGURES = """() => ({
    body: Math.max(...Array.from(document.querySelectorAll('article.bd-article section > p'))
        .map(p => parseFloat(getComputedStyle(p).fontSize)), 0),
    images: Array.from(document.querySelectorAll('.cell_output img'))
        .filter(i => !i.hidden && i.getClientRects().length)
        .map(i => ({src: i.src.split('/').pop().slice(0, 16), natural: i.naturalWidth, shown: i.getBoundingClientRect().width})),
})"""
# Every visible text of the interactive figures, with its displayed size in px (its font size,
# times the drawing's displayed width over its own width, should the page scale the drawing).
INTERACTIVE_TEXT = """() => Array.from(document.querySelectorAll('.nndyn-plot svg.main-svg text'))
    .filter(t => t.textContent.trim() && t.getClientRects().length && getComputedStyle(t).visibility !== 'hidden'
                 && getComputedStyle(t).display !== 'none' && parseFloat(getComputedStyle(t).opacity || '1') > 0)
    .map(t => {
        const svg = t.ownerSVGElement;
        const scale = svg.getBoundingClientRect().width / (svg.width.baseVal.value || svg.getBoundingClientRect().width);
        return {text: t.textContent.trim().slice(0, 30), px: parseFloat(getComputedStyle(t).fontSize) * scale};
    })"""


def check_figure_text(page, rel: str) -> list[str]:
    """Figure text a reader can read (issue 23), at the page's width (1280 px): the body text is
    at most :data:`nndyn.plotting.BODY_PX`, and every static figure is shown at least
    :data:`nndyn.plotting.DISPLAY_PX` wide, or at its natural width if narrower -- the two
    assumptions under which the conformance rule ``legible_text`` (run on every experiment's
    figures, :func:`nndyn.plotting.small_text`) proves its text at least 0.75 of the body
    text. The text of interactive figures is measured here directly: at least 0.75 of the
    body text."""
    from nndyn.plotting import BODY_PX, DISPLAY_PX, MIN_TEXT_PX

    failures = []
    measured = page.evaluate(STATIC_FIGURES)
    body = measured["body"]
    if not body and rel in CHAPTER_TOC_PAGES:
        failures.append(f"{rel}: no body paragraph measured")
    if body > BODY_PX:
        failures.append(f"{rel}: body text {body} px, larger than nndyn.plotting.BODY_PX = {BODY_PX} px, "
                        "which the figures' text sizes assume")
    for image in measured["images"]:
        if image["shown"] < min(image["natural"], DISPLAY_PX) - 0.5:
            failures.append(f"{rel}: figure {image['src']} shown {image['shown']:.0f} px wide (natural {image['natural']} px), "
                            f"narrower than nndyn.plotting.DISPLAY_PX = {DISPLAY_PX} px: its text shows smaller than "
                            "the conformance check assumes")
    if rel in INTERACTIVE_TOC_PAGES:
        page.wait_for_function(INTERACTIVE_READY, timeout=30_000)
        small = [f"{t['text']!r} {t['px']:.1f} px" for t in page.evaluate(INTERACTIVE_TEXT)
                 if t["px"] < max(MIN_TEXT_PX, 0.75 * body) - 1e-6]
        if small:
            failures.append(f"{rel}: interactive figure text below 0.75 of the body text ({max(MIN_TEXT_PX, 0.75 * body):g} px): "
                            f"{sorted(set(small))[:8]}")
    return failures


MAX_PARAGRAPH_LINES = 12
"""Most lines a paragraph of a chapter may take at 1280 px (issue 24)."""

# Paragraphs of the article taller than MAX_PARAGRAPH_LINES lines (height over the computed line height).
LONG_PARAGRAPHS = """max => Array.from(document.querySelectorAll('article.bd-article p'))
    .map(p => {
        const style = getComputedStyle(p);
        const line = parseFloat(style.lineHeight) || 1.65 * parseFloat(style.fontSize);
        return {lines: p.getBoundingClientRect().height / line, text: p.textContent.trim().replace(/\\s+/g, ' ').slice(0, 60)};
    })
    .filter(p => p.lines > max + 0.5)"""


def check_paragraph_length(page, rel: str) -> list[str]:
    """No paragraph of the chapter (at 1280 px, math typeset, solutions closed) is taller than
    :data:`MAX_PARAGRAPH_LINES` lines (issue 24); the failure lists each, with its lines."""
    long = page.evaluate(LONG_PARAGRAPHS, MAX_PARAGRAPH_LINES)
    return [f"{rel}: {len(long)} paragraphs longer than {MAX_PARAGRAPH_LINES} lines at 1280 px: "
            + "; ".join(f"{p['lines']:.1f} lines: {p['text']!r}" for p in long)] if long else []


GENERATED_PAGES = ("genindex.html", "py-modindex.html", "prf-prf.html", "search.html", "index.html")
"""Pages Sphinx and its extensions write besides those of the table of contents."""


@pytest.mark.parametrize("rel", GENERATED_PAGES)
def test_generated_pages_load_cleanly_and_fit_a_phone(browser, site, rel):
    """The index pages: no failed request, JS or console error, and :func:`check_phone_width`
    (the general index's two columns once pushed the page 561 px wider than a phone)."""
    base, root = site
    if not (root / rel).exists():
        pytest.skip(f"{rel} is not built")
    context, page, problems = visit(browser, f"{base}/{rel}")
    try:
        if "math notranslate" in (root / rel).read_text():
            wait_for_math(page)
        failures = check_phone_width(page, rel)
    finally:
        context.close()
    assert not (failures or problems), "\n".join(failures + problems)


KEYBOARD_CHAPTER = "book/04_gd_cannot_learn.html"
MAX_TABS_TO_FIRST_CONTROL = 30
"""Key presses a keyboard user may need from the top of chapter 4 to the first control of its
first interactive figure (447 when every formula was a tab stop)."""


def test_keyboard_reaches_the_first_figure_control_of_chapter_4_in_a_few_dozen_tabs(browser, site):
    """Formulas are out of the tab order (MathJax's menu setting inTabOrder, _config.yml), and
    skip links lead to the figures (book/_static/layout.js), so the first checkbox or slider of
    chapter 4's interactive figure is a few dozen key presses (Tab, or Enter on a skip link)
    from the top of the page (447 Tab presses before, 70 with the formulas out of the tab
    order alone); the formulas are still there for screen readers."""
    base, _ = site
    context, page, problems = visit(browser, f"{base}/{KEYBOARD_CHAPTER}")
    try:
        wait_for_math(page)
        page.wait_for_function(INTERACTIVE_READY, timeout=30_000)
        page.wait_for_function(MARKS_DONE, timeout=10_000)
        wait_for_tab_stops(page)
        math_tab_stops = page.evaluate("document.querySelectorAll('mjx-container[tabindex=\"0\"]:not(.nndyn-scrolls)').length")
        assert page.evaluate("document.querySelectorAll('mjx-container mjx-assistive-mml, mjx-container[aria-label]').length") > 0, \
            "formulas lost what screen readers read"
        page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
        # a keyboard user: Tab, and Enter on the skip link to the figure that holds the first
        # interactive figure (book/_static/layout.js), then Tab to its first control
        target = page.evaluate("'#' + document.querySelector('.nndyn-interactive').closest('figure[id]').id")
        presses = 0
        while presses < MAX_TABS_TO_FIRST_CONTROL:
            page.keyboard.press("Tab")
            presses += 1
            if page.evaluate("!!(document.activeElement && document.activeElement.closest('.nndyn-interactive'))"):
                break
            if page.evaluate("document.activeElement && document.activeElement.getAttribute('href')") == target:
                page.keyboard.press("Enter")
                presses += 1
                page.wait_for_timeout(300)
        else:
            presses = None
    finally:
        context.close()
    assert math_tab_stops == 0, f"{math_tab_stops} formulas are tab stops"
    assert presses is not None, f"the first figure control of {KEYBOARD_CHAPTER} is more than {MAX_TABS_TO_FIRST_CONTROL} Tab presses away"
    assert not problems, problems


def check_solutions_open_on_a_click(page, rel: str) -> list[str]:
    """Every hidden solution of the page is closed, and opens on a click."""
    failures = []
    solutions = page.locator("div.solution.dropdown")
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        body = solution.locator("section").first
        if body.is_visible():
            failures.append(f"solution {i} of {rel} is open before a click")
            continue
        solution.locator("button.toggle-button").first.click()
        body.wait_for(state="visible", timeout=5_000)
    return failures


# Each toggle button of sphinx-togglebutton (solutions, "How this was computed", "In the
# package"), with its accessible name, its box's title and whether the box is folded.
TOGGLE_NAMES = """() => Array.from(document.querySelectorAll('.admonition.toggle > .admonition-title > button.toggle-button'))
    .map(b => ({name: b.getAttribute('aria-label') || '', title: b.parentElement.textContent.replace(/\\s+/g, ' ').trim(),
                folded: b.closest('.admonition.toggle').classList.contains('toggle-hidden')}))"""


def check_toggle_names(page, rel: str) -> list[str]:
    """Every toggle button is named after its box (issue 23, accessibility: all were "Toggle
    hidden content"): "Show: <title>" while the box is folded, "Hide: <title>" while it is
    open (book/_static/accessibility.js), and the name follows a click on the title."""
    def wrong() -> list[str]:
        return [f"{t['name']!r} (title {t['title']!r}, {'folded' if t['folded'] else 'open'})"
                for t in page.evaluate(TOGGLE_NAMES)
                if t["name"] != ("Show: " if t["folded"] else "Hide: ") + t["title"] or not t["title"]]
    failures = [f"{rel}: toggle buttons not named after their box: {w[:3]}" for w in [wrong()] if w]
    titles = page.locator(".admonition.toggle > .admonition-title:has(> button.toggle-button)")
    if titles.count():
        for _ in range(2):  # open, then fold again (or the reverse)
            titles.first.click()
            page.wait_for_timeout(100)
            after = wrong()
            if after:
                failures.append(f"{rel}: a toggle button's name does not follow a click: {after[:3]}")
                break
    return failures


PROOFS = '.bd-article div.proof.admonition:is([id="proof"], [id^="proof-"])'
"""Every proof of sphinx-proof (a ``prf:proof``): "proof-1", "proof-2", ... (numbered by
scripts/nndyn_book.py's ``unique_ids``), or "proof" on a page with one proof."""
PROOF_STATE = """proofs => proofs.map(p => {
    const button = p.querySelector(':scope > button.nndyn-proof-toggle');
    const body = button && document.getElementById(button.getAttribute('aria-controls'));
    return {
        button: !!button,
        visible: !!button && button.getClientRects().length > 0,
        name: button ? (button.getAttribute('aria-label') || button.textContent).trim() : '',
        text: button ? button.textContent.trim() : '',
        expanded: button ? button.getAttribute('aria-expanded') : null,
        shown: !!body && body.getClientRects().length > 0 && body.contains(p.querySelector('p')),
    };
})"""


def check_proofs_fold(page, rel: str, html: str) -> list[str]:
    """Every proof of the page can be folded (issue 24, chapter 6: a reader skips a long proof
    and comes back to it; book/_static/proofs.js): it is open at first, with a visible button
    whose accessible name says "Hide proof" (and whose proof), and on every proof the button,
    focused and activated from the keyboard (Enter), hides the body and says "Show proof";
    Space shows it again."""
    expected = len(re.findall(r'class="proof admonition" id="proof(?:-\d+)?"', html))
    if not expected:
        return []
    failures = []
    try:
        page.wait_for_function("document.documentElement.dataset.nndynProofs === 'done'", timeout=5_000)
    except Exception:  # noqa: BLE001 -- reported; the proofs are checked all the same
        failures.append(f"{rel}: the proofs' script (book/_static/proofs.js) did not run")
    proofs = page.locator(PROOFS)
    if proofs.count() != expected:
        failures.append(f"{rel}: {proofs.count()} proofs in the page, {expected} in its HTML")
    for i, state in enumerate(proofs.evaluate_all(PROOF_STATE)):
        if not (state["button"] and state["visible"]):
            failures.append(f"{rel}: proof {i + 1} has no visible button to fold it")
            continue
        if not (state["shown"] and state["expanded"] == "true" and state["name"].startswith("Hide proof")
                and state["text"] == "Hide proof"):
            failures.append(f"{rel}: proof {i + 1} is not open at first, or its button does not say 'Hide proof': {state}")
            continue
        button = proofs.nth(i).locator(":scope > button.nndyn-proof-toggle")
        button.focus()
        page.keyboard.press("Enter")
        folded = proofs.evaluate_all(PROOF_STATE)[i]
        if folded["shown"] or folded["expanded"] != "false" or not folded["name"].startswith("Show proof"):
            failures.append(f"{rel}: Enter on the button of proof {i + 1} does not hide it: {folded}")
        page.keyboard.press("Space")
        opened = proofs.evaluate_all(PROOF_STATE)[i]
        if not opened["shown"] or opened["expanded"] != "true":
            failures.append(f"{rel}: Space on the button of proof {i + 1} does not show it again: {opened}")
    return failures


def check_loaded_on_a_phone_in_dark_mode(browser, url: str, rel: str) -> list[str]:
    """The page opened on a phone (390 px) whose reader chose dark mode before (stored by the
    theme): dark mode applies from the start, and :func:`check_interactive_on_a_phone`."""
    failures = []
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    page = context.new_page()
    try:
        page.add_init_script("localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');")
        page.goto(url, wait_until="load")
        if page.evaluate("document.documentElement.dataset.theme") != "dark":
            failures.append(f"{rel}: dark mode stored by the theme did not apply on load")
        failures += check_interactive_on_a_phone(page, rel)
    finally:
        context.close()
    return failures


# Display equations whose content is wider than their box, and whether the box scrolls.
OVERFLOWING_MATH = """() => Array.from(document.querySelectorAll('mjx-container[display="true"]'))
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => ({text: e.textContent.slice(0, 40), scrolls: ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)}))"""


# Boxes wider than their content area on the page (display equations, tables, outputs), and
# whether each scrolls inside itself with the visible cue of book/_static/layout.js/.css: the
# class nndyn-scrolls, an edge shadow (box-shadow) and a tab stop.
UNCUED_BOXES = """() => Array.from(document.querySelectorAll(
        'mjx-container[display="true"], .bd-article table, .cell_output .output'))
    .map(e => {
        const box = e.tagName === 'TABLE' ? (e.closest('.pst-scrollable-table-container, .table-wrapper') || e) : e;
        return {e, box};
    })
    .filter(({e, box}) => box.scrollWidth > box.clientWidth + 1 || e.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(({box}) => !(['auto', 'scroll'].includes(getComputedStyle(box).overflowX)
                         && box.classList.contains('nndyn-scrolls')
                         && getComputedStyle(box).boxShadow !== 'none' && box.tabIndex === 0))
    .map(({e}) => e.tagName + ': ' + e.textContent.trim().slice(0, 50))"""
# Inline formulas whose typeset formula is wider than their box (the theme's span.math, an
# inline-flex box at most as wide as the column, once cut such a formula off at the column's
# edge, overflow hidden: Definition 7.1 stopped at "f(a" on a phone), and which do not scroll
# in that box with the cue and tab stop of UNCUED_BOXES. The formula's width, not the box's
# scroll width: the glyphs of every formula stick out of its box by a few pixels.
UNCUED_INLINE_MATH = """() => Array.from(document.querySelectorAll('.bd-article span.math'))
    .map(box => ({box, formula: box.querySelector('mjx-container:not([display="true"])')}))
    .filter(({box, formula}) => formula && box.getClientRects().length
                                && formula.getBoundingClientRect().width > box.clientWidth + 1)
    .filter(({box}) => !(['auto', 'scroll'].includes(getComputedStyle(box).overflowX)
                         && box.classList.contains('nndyn-scrolls')
                         && getComputedStyle(box).boxShadow !== 'none' && box.tabIndex === 0))
    .map(({box, formula}) => `${formula.textContent.trim().slice(0, 40)} (${Math.round(formula.getBoundingClientRect().width - box.clientWidth)} px hidden)`)"""
# Static figures (a PNG in a figure of the article; not the hidden fallback of an interactive
# one) that a reader cannot tap to open at full size: not inside a link to the image itself,
# the link is not what a tap on the middle of the image reaches, or (on a phone) nothing says
# so (book/_static/layout.css labels the link "Tap for full size").
UNTAPPABLE_FIGURES = """() => Array.from(document.querySelectorAll('.bd-article figure img'))
    .filter(img => !img.closest('.nndyn-interactive') && img.getClientRects().length)
    .filter(img => {
        const link = img.closest('a[href]');
        if (!link || link.href !== img.src) return true;
        img.scrollIntoView({block: 'center'});
        const r = img.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return !(hit && link.contains(hit)) || !getComputedStyle(link, '::after').content.includes('full size');
    })
    .map(img => img.src.split('/').pop().slice(0, 16))"""
MARKS_DONE = "() => document.documentElement.dataset.nndynScrollMarks === 'done'"


def check_phone_width(page, rel: str) -> list[str]:
    """The loaded page at 390 px (a phone): it does not scroll sideways, every display
    equation, inline formula, table or output wider than its box scrolls inside that box with
    a visible cue (an edge shadow) and a tab stop, and every static figure is a link to its
    full-size image that a tap on the figure reaches. The same tab as the checks at 1280 px
    (after MathJax has typeset the page, :func:`wait_for_math`)."""
    failures = []
    page.evaluate("document.documentElement.dataset.nndynScrollMarks = 'stale'")  # layout.js marks again after the resize
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)  # the resize event, which sets the marks pending
    page.wait_for_function(MARKS_DONE, timeout=10_000)
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if sideways > 1:
        failures.append(f"{rel}: the page scrolls sideways at 390 px, by {sideways} px")
    for script, what in ((UNCUED_BOXES, "wider than a phone without a scroll cue"),
                         (UNCUED_INLINE_MATH, "inline formulas cut off at 390 px (no scroll box with a cue)"),
                         (UNTAPPABLE_FIGURES, "static figures that a tap does not open at full size at 390 px"),
                         (BROKEN_TABLE_CODE, "code in a table broken inside a word at 390 px")):
        found = page.evaluate(script)
        if found:
            failures.append(f"{rel}: {len(found)} {what}: {found[:5]}")
    return failures


# Inline code without spaces in a generated table (the Reproduce page's) that the browser laid
# out on more than one line: the presets table once showed `seed=0` as "se / ed= / 0" at 390 px,
# and the experiment names as "classical_boun / ds" at 1280 px (checked at both widths). An
# experiment's name may break after an underscore, where layout.js puts a <wbr>: each piece
# between two of them is checked on its own (one text node each).
BROKEN_TABLE_CODE = """() => Array.from(document.querySelectorAll('.bd-article .cell_output table span.pre'))
  .flatMap(s => Array.from(s.childNodes).filter(n => n.nodeType === Node.TEXT_NODE))
  .filter(n => n.textContent && !/\\s/.test(n.textContent))
  .filter(n => { const r = document.createRange(); r.selectNodeContents(n);
                 return new Set(Array.from(r.getClientRects()).map(q => Math.round(q.top))).size > 1; })
  .map(n => n.parentElement.textContent)"""


# The scroll cue of every box that scrolls sideways (book/_static/layout.css): on each edge
# behind which content is hidden (data-nndyn-at), a solid bar at least 3 px wide whose colour
# has at least 3:1 contrast (WCAG's relative luminance) against the background behind the box.
SCROLL_CUES = """() => {
  const rgba = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => v / 255)
      .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4))
      .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const behind = box => {
    for (let e = box.parentElement; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  return Array.from(document.querySelectorAll('.bd-article .nndyn-scrolls')).map(box => {
    const at = box.dataset.nndynAt;
    const edges = at === 'start' ? ['right'] : at === 'end' ? ['left'] : ['left', 'right'];
    const style = getComputedStyle(box);
    return edges.map(side => {
      const color = rgba(style.getPropertyValue('border-' + side + '-color'));
      const width = parseFloat(style.getPropertyValue('border-' + side + '-width'));
      const seen = style.getPropertyValue('border-' + side + '-style') === 'solid' && (color.length === 3 || color[3] > 0.99);
      return {box: box.tagName + '.' + (box.className || '').split(' ').join('.') + ': ' + box.textContent.trim().slice(0, 30),
              at, side, width, contrast: seen ? contrast(color, behind(box)) : 0};
    });
  }).flat();
}"""
SCROLL_TO_MIDDLE = """() => document.querySelectorAll('.bd-article .nndyn-scrolls').forEach(box => {
  box.scrollLeft = (box.scrollWidth - box.clientWidth) / 2; box.dispatchEvent(new Event('scroll'));
})"""
SCROLL_CUE_PAGE = "book/reproduce.html"
"""The page whose wide tables showed a faint cue (reader review of issue 23)."""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_scroll_cue_is_clearly_visible_in_light_and_dark_mode(browser, site, theme):
    """On the Reproduce page at 390 and 1280 px, each box that scrolls sideways shows on every
    edge that hides content a solid bar (>= 3 px) of >= 3:1 contrast against what lies behind
    the box, at the start of the box and scrolled to its middle (both edges). At 390 px the
    page's tables scroll; at 1280 px they fit, and the test narrows them so that they scroll."""
    base, _ = site
    failures, measured = [], {}
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 844}, color_scheme=theme)
        try:
            page = context.new_page()
            page.add_init_script(f"localStorage.setItem('mode', '{theme}'); localStorage.setItem('theme', '{theme}');")
            page.goto(f"{base}/{SCROLL_CUE_PAGE}", wait_until="load")
            page.wait_for_function(MARKS_DONE, timeout=10_000)
            assert page.evaluate("document.documentElement.dataset.theme") == theme
            if not page.evaluate("document.querySelectorAll('.bd-article .nndyn-scrolls').length"):
                # at 1280 px the page's tables fit their column (tables.css): narrow them, so
                # that the cue is measured at this width, in this layout, too
                page.evaluate("document.documentElement.dataset.nndynScrollMarks = 'stale'")
                page.add_style_tag(content=".bd-article .pst-scrollable-table-container { max-width: 20rem; }")
                page.evaluate("window.dispatchEvent(new Event('resize'))")
                page.wait_for_timeout(300)
                page.wait_for_function(MARKS_DONE, timeout=10_000)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            cues = page.evaluate(SCROLL_CUES)
            page.evaluate(SCROLL_TO_MIDDLE)
            page.wait_for_timeout(100)
            cues += page.evaluate(SCROLL_CUES)
            table = page.query_selector(".bd-article .pst-scrollable-table-container.nndyn-scrolls")
            if table:
                table.screenshot(path=str(SCREENSHOTS / f"scroll-cue-{width}-{theme}.png"))
        finally:
            context.close()
        measured[width] = len(cues)
        failures += [f"{width} px: {c}" for c in cues if c["width"] < 3 or c["contrast"] < 3]
    assert measured[390] > 0 and measured[1280] > 0, f"no box scrolls sideways on the Reproduce page: nothing to measure {measured}"
    assert not failures, failures


# Inline formulas (which MathJax 3 never breaks) that run past the right edge of their line.
INLINE_MATH_OVERFLOW = """() => Array.from(document.querySelectorAll('.bd-article mjx-container:not([display="true"])'))
    .map(m => ({m, block: m.closest('p, li, dd, td, th, div')}))
    .filter(({m, block}) => block && m.getBoundingClientRect().right > block.getBoundingClientRect().right + 1)
    .map(({m}) => (m.getAttribute('aria-label') || m.textContent).slice(0, 60))"""


def test_the_mathematics_of_the_ledger_fits_a_phone(browser, site):
    """The ledger page typesets each test's what line (``$...$``, tests/test_ledger.py): at
    390 px every inline formula fits its line (a long one is written as two formulas, split
    at a relation, so that the line may break between them)."""
    base, _ = site
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{base}/book/ledger.html", wait_until="load")
        wait_for_math(page)
        page.wait_for_function(MARKS_DONE, timeout=10_000)
        assert page.evaluate("document.querySelectorAll('.bd-article mjx-container').length") > 100
        cut = page.evaluate(INLINE_MATH_OVERFLOW)
    finally:
        context.close()
    assert not cut, f"{len(cut)} formulas run past their line at 390 px: {cut}"


def chapter_pages(root: Path) -> list[str]:
    return [rel for rel in pages(root) if Path(rel).name[:2].isdigit()]


FIGURE_PLATES = """async () => Promise.all(Array.from(document.querySelectorAll('.cell_output img')).map(async img => {
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let transparent = 0;
    for (let i = 3; i < d.length; i += 4 * 7) if (d[i] < 250) transparent++;
    // the plate: the outermost rows and columns of the picture
    const edge = [];
    for (let x = 0; x < c.width; x += 3) edge.push([x, 0], [x, c.height - 1]);
    for (let y = 0; y < c.height; y += 3) edge.push([0, y], [c.width - 1, y]);
    const light = edge.filter(([x, y]) => {
        const k = 4 * (y * c.width + x);
        return d[k] + d[k + 1] + d[k + 2] > 600;
    }).length;
    return {src: img.src.split('/').pop(), filter: getComputedStyle(img).filter, transparent, lightShare: light / edge.length};
}))"""


def chapter_toc_pages() -> list[str]:
    return [rel for rel in toc_pages() if Path(rel).name[:2].isdigit()]


CHAPTER_TOC_PAGES = chapter_toc_pages()


# (filter, background colour) of every figure: static images and interactive plots.
FIGURE_TREATMENTS = """() => Array.from(document.querySelectorAll('.cell_output img:not([hidden]), .nndyn-plot'))
    .map(e => [getComputedStyle(e).filter, getComputedStyle(e).backgroundColor])"""


# Display equations (MathJax's list of typeset math) whose content is wider than their box,
# the column, with the start of their TeX: on a phone each should fit (issue 23, section 2).
EQUATIONS_WIDER_THAN_THE_COLUMN = """() => Array.from(MathJax.startup.document.math)
    .filter(item => item.display && item.typesetRoot)
    .map(item => ({box: item.typesetRoot, tex: item.math.trim().replace(/\\s+/g, ' ').slice(0, 60)}))
    .filter(({box}) => box.scrollWidth > box.clientWidth + 1)
    .map(({box, tex}) => ({ratio: box.scrollWidth / box.clientWidth, tex}))"""


def check_phone_and_dark_mode(page, rel: str) -> list[str]:
    """The loaded chapter on a phone (390 px), switched to dark mode with the theme's button:

    * dark mode applies;
    * a display equation wider than the screen scrolls inside its box, and every display
      equation fits the column (:data:`EQUATIONS_WIDER_THAN_THE_COLUMN`; book/_static/layout.css
      sets display math at 90 % below 600 px);
    * every figure is an opaque light plate, never inverted, so its dark ink stays readable,
      and static and interactive figures get one treatment: no filter (the theme dimmed
      only the static ones to grey) and the same white background;
    * an interactive figure is redrawn with its narrow layout and fits the screen
      (:func:`check_interactive_on_a_phone`), and axe-core finds no serious or critical
      violation on its page;
    * on a tablet (768 px) the page does not scroll sideways.

    The same tab as the checks at 1280 px: resizing and switching the theme is what a reader
    does, and it spares a second load and typesetting of the page.
    """
    failures, figures_checked = [], 0
    page.set_viewport_size({"width": 390, "height": 844})
    # the button cycles light -> auto (the system's, here light) -> dark
    for _ in range(3):
        if page.evaluate("document.documentElement.dataset.theme") == "dark":
            break
        page.evaluate("document.querySelector('.theme-switch-button').click()")
    if page.evaluate("document.documentElement.dataset.theme") != "dark":
        failures.append(f"{rel}: dark mode did not apply")
    page.wait_for_timeout(300)  # the page's and the figures' resize handlers
    stuck = [m["text"] for m in page.evaluate(OVERFLOWING_MATH) if not m["scrolls"]]
    if stuck:
        failures.append(f"{rel}: equations cut off on a phone: {stuck}")
    wide = page.evaluate(EQUATIONS_WIDER_THAN_THE_COLUMN)
    if wide:
        failures.append(f"{rel}: {len(wide)} display equations wider than the column at 390 px (they scroll): "
                        + "; ".join(f"{e['ratio']:.2f} x: {e['tex']!r}" for e in wide))
    for fig in page.evaluate(FIGURE_PLATES):
        figures_checked += 1
        if fig["transparent"] or fig["lightShare"] < 0.95 or "invert" in fig["filter"]:
            failures.append(f"{rel}: figure not a light opaque plate in dark mode: {fig}")
    if not figures_checked:
        failures.append(f"{rel}: no figure")
    treatments = page.evaluate(FIGURE_TREATMENTS)
    if len(set(map(tuple, treatments))) > 1 or any(t[0] != "none" for t in treatments):
        failures.append(f"{rel}: figures treated differently in dark mode (filter, background): {sorted(set(map(tuple, treatments)))}")
    if rel in INTERACTIVE_TOC_PAGES:
        failures += check_interactive_on_a_phone(page, rel)
        if AXE.exists():
            failures += checked(rel, "accessibility at 390 px", lambda: accessibility_failures(page, f"{rel}: accessibility in dark mode at 390 px"))
    page.set_viewport_size({"width": 768, "height": 1024})
    page.wait_for_timeout(200)
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"):
        failures.append(f"{rel}: the page scrolls sideways at 768 px")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / ("dark__" + rel.replace("/", "__").replace(".html", ".png"))))
    return failures


def test_the_book_has_hidden_solutions(built_book):
    """The per-page test opens every solution; the book must have some."""
    count = sum((built_book / rel).read_text().count('class="solution dropdown') for rel in pages(built_book))
    assert count >= 3, count


def chapter_terms(root: Path) -> dict[str, str]:
    """For each chapter page, a distinctive word of its title (what a reader would search for)."""
    terms = {}
    for rel in pages(root):
        if not Path(rel).name[:2].isdigit():
            continue
        title = re.search(r"<h1>(.*?)<", (root / rel).read_text(), flags=re.S).group(1)
        words = [w for w in re.findall(r"[A-Za-z]+", title) if len(w) > 3]
        terms[rel] = max(words, key=len)
    return terms


def test_search_finds_every_chapter(browser, site):
    base, root = site
    terms = chapter_terms(root)
    assert terms
    terms["book/01_classical_convergence.html"] = "gradient"
    # one browser context, a new tab per query: the search page and its index load afresh
    # each time; a tab is closed only after its check, since closing it aborts the requests
    # for result summaries still under way
    context = browser.new_context()
    try:
        for rel, term in terms.items():
            _, page, problems = visit(browser, f"{base}/search.html?q={term}", context)
            page.wait_for_selector("#search-results li", timeout=20_000)
            links = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
            assert any(Path(rel).name in (href or "") for href in links), (term, rel, links[:10])
            assert not problems, (term, problems)
            page.close()
    finally:
        context.close()


# --------------------------------------------------------------- launch and download links

LAUNCH_HOSTS = ("colab.research.google.com", "mybinder.org", "jupyterhub", "deepnote.com", "jupyterlite")


def header_links(html: str) -> list[str]:
    """Every link of a page's header buttons (launch, download, repository) and every link
    to a notebook or the PDF anywhere in the page."""
    header = re.search(r'<div class="article-header-buttons">(.*?)</div>\s*</div>\s*</div>', html, flags=re.S)
    links = re.findall(r'href="([^"]+)"', header.group(1)) if header else []
    links += [h for h in re.findall(r'<a [^>]*href="([^"]+)"', html) if re.search(r"\.(ipynb|pdf)(#|$)", h) or any(x in h for x in LAUNCH_HOSTS)]
    return list(dict.fromkeys(links))


def test_every_launch_and_download_link_leads_somewhere_real(built_book):
    """Launch and download links resolve to a file of the site or follow the configured
    repository's URL patterns (the repository itself, its issues, Colab on the notebooks
    branch for a notebook the site has). The PDF is checked by tests/test_pdf.py once built."""
    import nndyn_book  # scripts/, on pytest's path (pyproject.toml)
    import yaml

    repo = nndyn_book.repository_url(yaml.safe_load((Path(__file__).resolve().parent.parent / "_config.yml").read_text())["repository"]["url"])
    owner_repo = repo.removeprefix("https://github.com/")
    colab = re.compile(rf"^{re.escape(nndyn_book.COLAB_URL)}/github/{re.escape(owner_repo)}/blob/{nndyn_book.NOTEBOOKS_BRANCH}/([\w.-]+\.ipynb)$")
    bad, launch_links, notebook_links = [], 0, 0
    for page in built_book.rglob("*.html"):
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        rel = page.relative_to(built_book)
        for href in header_links(page.read_text()):
            href = html_lib_unescape(href)
            if href.startswith("#"):
                continue
            if re.match(r"^[a-z]+:", href):
                match = colab.match(href)
                if match:
                    launch_links += 1
                    if not (built_book / nndyn_book.NOTEBOOKS_DIR / match.group(1)).exists():
                        bad.append(f"{rel}: Colab opens a notebook the site does not publish: {href}")
                elif any(host in href for host in LAUNCH_HOSTS):
                    bad.append(f"{rel}: launch link that cannot work: {href}")
                elif not (href == repo or href.startswith(repo + "/") or href.startswith(repo + "?")):
                    bad.append(f"{rel}: external header link outside the repository: {href}")
                continue
            target = (page.parent / href.split("#")[0]).resolve()
            if target.name == nndyn_book.PDF_NAME and target.parent == built_book.resolve():
                continue  # built by make pdf (in the suite, after the HTML); tests/test_pdf.py follows it
            notebook_links += target.suffix == ".ipynb"
            if not target.is_file():
                bad.append(f"{rel}: {href} does not exist")
    assert not bad, "\n".join(bad[:30])
    assert launch_links >= 9 and notebook_links >= 9, (launch_links, notebook_links)


def html_lib_unescape(text: str) -> str:
    import html

    return html.unescape(text)


# --------------------------------------------------------------- interactive figures (issue 14)

INTERACTIVE_CHAPTERS = ("04_gd_cannot_learn", "05_cosine_landscape", "09_beyond_kernel")
"""Chapters that must have an interactive figure (the lazy-training one is in chapter 7 or 8)."""

FIGURE_STATE = """box => {
    const plot = box.querySelector('.nndyn-plot');
    return {
        ready: box.dataset.ready, frame: box.dataset.frame || '',
        svg: !!plot && !!plot.querySelector('svg.main-svg'),
        fallbackHidden: box.querySelector('img.nndyn-fallback').hidden,
        data: plot && plot.data ? JSON.stringify(plot.data.map(t => [t.x, t.y, t.z, t.visible])) : '',
        outputs: Array.from(box.querySelectorAll('output')).map(o => o.textContent),
        right: box.getBoundingClientRect().right, scroll: box.scrollWidth - box.clientWidth,
    };
}"""


def interactive_pages(root: Path) -> list[str]:
    return [rel for rel in pages(root) if 'class="nndyn-interactive"' in (root / rel).read_text()]


def test_interactive_figures_are_where_the_book_says_and_plotly_loads_only_there(built_book):
    with_figures = interactive_pages(built_book)
    names = " ".join(with_figures)
    for chapter in INTERACTIVE_CHAPTERS:
        assert chapter in names, f"{chapter} has no interactive figure"
    assert any(c in names for c in ("07_nn_vs_random_features", "08_lazy_training_ntk")), "no lazy-training figure"
    for rel in pages(built_book):
        text = (built_book / rel).read_text()
        assert ("_static/plotly.min.js" in text) == (rel in with_figures), f"{rel}: plotly.min.js loaded where it is not needed, or missing"
    assert (built_book / "_static" / "plotly.min.js").stat().st_size > 1_000_000


def interactive_toc_pages() -> list[str]:
    """Chapters with an interactive figure, known before the build (their sources call one)."""
    return [rel for rel in chapter_toc_pages() if re.search(r"\binteractive(_figure)?\(", (ROOT / rel.replace(".html", ".md")).read_text())]


INTERACTIVE_TOC_PAGES = interactive_toc_pages()


def test_the_interactive_pages_are_known_before_the_build(built_book):
    assert interactive_toc_pages() == interactive_pages(built_book)


INTERACTIVE_READY = "() => Array.from(document.querySelectorAll('.nndyn-interactive')).every(b => b.dataset.ready === 'yes')"


# What an interactive figure shows when the page opens (before any control is moved): whether
# every curve its sliders move is flat (chapter 7's figure opened at step 0, where the network
# and its random feature model are both 0), and the sliders over training time that do not
# open at the end of training.
OPENING_STATE = """box => {
    const spec = JSON.parse(box.querySelector('script.nndyn-figure-data').textContent);
    const data = box.querySelector('.nndyn-plot').data;
    const curves = spec.frame_traces.map(i => data[i]).filter(t => Array.isArray(t.y) && t.y.length > 2);
    const flat = curves.length > 0 && curves.every(t => t.y.every(v => v === t.y[0]));
    const timeNotAtEnd = Array.from(box.querySelectorAll('input[type=range]'))
        .filter(s => /training time/.test(document.querySelector(`label[for='${s.id}']`).textContent) && s.value !== s.max)
        .map(s => s.value + ' of ' + s.max);
    return {flat, timeNotAtEnd};
}"""


def check_interactive_controls(page, rel: str) -> list[str]:
    """On a loaded page (1280 px): each figure draws with plotly.js (the PNG fallback then
    hides) and opens at an informative state (:data:`OPENING_STATE`), every slider has a
    label and moves by keyboard, changing the frame, the drawn
    data and its output; every checkbox changes what is drawn; there is at least one control.
    Returns the failures."""
    failures, moved = [], 0
    page.wait_for_function(INTERACTIVE_READY, timeout=30_000)
    for n, box in enumerate(page.query_selector_all(".nndyn-interactive")):
        state = box.evaluate(FIGURE_STATE)
        if not (state["svg"] and state["fallbackHidden"]):
            failures.append(f"{rel} figure {n}: not drawn ({state})")
        opening = box.evaluate(OPENING_STATE)
        if opening["flat"]:
            failures.append(f"{rel} figure {n}: opens with every curve it moves flat")
        if opening["timeNotAtEnd"]:
            failures.append(f"{rel} figure {n}: a slider over training time opens before the end of training: {opening['timeNotAtEnd']}")
        for slider in box.query_selector_all("input[type=range]"):
            label = page.evaluate("s => document.querySelector(`label[for='${s.id}']`)?.textContent", slider)
            if not label:
                failures.append(f"{rel} figure {n}: a slider without a label")
            before = box.evaluate(FIGURE_STATE)
            slider.focus()
            page.keyboard.press("End" if slider.evaluate("s => s.value === s.min") else "Home")
            page.wait_for_timeout(300)
            after = box.evaluate(FIGURE_STATE)
            if after["frame"] == before["frame"] or after["data"] == before["data"] or after["outputs"] == before["outputs"]:
                failures.append(f"{rel} figure {n}: moving the slider {label!r} by keyboard changed nothing")
            moved += 1
        for checkbox in box.query_selector_all("input[type=checkbox]"):
            moved += 1
            before = box.evaluate(FIGURE_STATE)
            checkbox.focus()
            page.keyboard.press("Space")
            page.wait_for_timeout(200)
            if box.evaluate(FIGURE_STATE)["data"] == before["data"]:
                failures.append(f"{rel} figure {n}: a checkbox changed nothing")
            page.keyboard.press("Space")
    if not moved:
        failures.append(f"{rel}: no slider or checkbox found")
    return failures


FIGURES_FIT = """() => Array.from(document.querySelectorAll('.nndyn-interactive'))
    .every(b => b.getBoundingClientRect().right <= %d + 1 && b.scrollWidth - b.clientWidth <= 1)"""


def check_interactive_on_a_phone(page, rel: str) -> list[str]:
    """On a page at 390 px (loaded so, or resized to it): every figure is drawn with its
    narrow layout and fits the screen (no sideways scroll), and its text is at least
    :data:`nndyn.plotting.MIN_TEXT_PX`; a screenshot of each goes to ``_build/screenshots``."""
    failures = []
    page.wait_for_function(INTERACTIVE_READY, timeout=30_000)
    try:  # a resize across 600 px redraws the figure with its narrow layout
        page.wait_for_function("() => Array.from(document.querySelectorAll('.nndyn-interactive')).every(b => b.dataset.layout === 'narrow')", timeout=5_000)
    except Exception:
        failures.append(f"{rel}: an interactive figure is not drawn with its narrow layout at 390 px")
    page.wait_for_function(INTERACTIVE_READY, timeout=30_000)
    try:  # after a resize plotly.js lays the figure out again (debounced)
        page.wait_for_function(FIGURES_FIT % 390, timeout=5_000)
    except Exception:
        pass  # reported below, figure by figure
    for n, box in enumerate(page.query_selector_all(".nndyn-interactive")):
        state = box.evaluate(FIGURE_STATE)
        if state["right"] > 390 + 1 or state["scroll"] > 1:
            failures.append(f"{rel} figure {n}: wider than a phone at 390 px ({state['right']:.0f} px, scroll {state['scroll']})")
        box.scroll_into_view_if_needed()
        box.screenshot(path=str(SCREENSHOTS / f"interactive-390-dark__{Path(rel).stem}-{n}.png"))
    from nndyn.plotting import MIN_TEXT_PX

    small = sorted({f"{t['text']!r} {t['px']:.1f} px" for t in page.evaluate(INTERACTIVE_TEXT) if t["px"] < MIN_TEXT_PX - 1e-6})
    if small:
        failures.append(f"{rel}: interactive figure text below {MIN_TEXT_PX:g} px at 390 px: {small[:8]}")
    return failures
