"""The tables made by code cells (the Reproduce page's two) on the site: none cut (issue 23).

At 1280 px each fits the text column (its cells wrap: book/_static/tables.css); at 390 px
it scrolls inside its own framed box, no taller than the window (so that the box's
scrollbar is in view with the table), and the page itself does not scroll sideways.
"""

from __future__ import annotations

import pytest

from test_browser import browser, site, visit  # noqa: F401  (fixtures)

pytestmark = pytest.mark.book

PAGE = "book/reproduce.html"

MEASURE = """() => [...document.querySelectorAll('.bd-article .cell_output table')].map(t => {
  const box = t.closest('.pst-scrollable-table-container');
  const style = getComputedStyle(box);
  return {table: t.getBoundingClientRect().width, box: box.clientWidth, boxHeight: box.getBoundingClientRect().height,
          overflow: style.overflowX, border: style.borderTopWidth, scroll: box.scrollWidth};
})"""


@pytest.mark.parametrize("width", [1280, 390])
def test_reproduce_tables_are_not_cut(browser, site, width):
    url, _ = site
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        _, page, problems = visit(browser, f"{url}/{PAGE}", context)
        tables = page.evaluate(MEASURE)
        page_width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()
    assert not problems, problems
    assert len(tables) == 2, tables
    assert page_width <= width, f"the page scrolls sideways at {width} px: {page_width}"
    for table in tables:
        if width >= 1280:
            assert table["table"] <= table["box"] + 1, f"a table wider than the text column at {width} px: {table}"
        else:
            assert table["overflow"] in ("auto", "scroll"), table
            assert table["boxHeight"] <= 900, f"the box's scrollbar is below the window: {table}"
            assert table["border"] not in ("0px", ""), f"the scrolling box has no frame: {table}"
