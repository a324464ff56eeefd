"""No dead internal link in the built site: every page, every href and src, every #anchor.

The crawl reads the quick build's HTML with :mod:`html.parser` (no browser): each internal
``href``/``src`` of every page must name a file of the site and, with a fragment, an ``id``
(or ``name``) of that page. The whole-book PDF is linked only by a site that has it
(``scripts/nndyn_book.py``, :func:`site_links_pdf`); in the test suite the PDF is made after
the HTML, so a link to it that the crawl finds before it exists waits for that build.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
import nndyn_book  # noqa: E402

LINK_ATTRIBUTES = {"a": "href", "link": "href", "area": "href", "img": "src", "script": "src",
                   "iframe": "src", "source": "src", "video": "src", "audio": "src", "embed": "src"}
"""The attribute of each tag that a browser follows or loads."""


class _Page(HTMLParser):
    """The ids and the followed links of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attributes.get(key):
                self.ids.add(attributes[key])
        link = attributes.get(LINK_ATTRIBUTES.get(tag, ""))
        if link is not None:
            self.links.append(link)
        if tag == "img" and attributes.get("srcset"):
            self.links.extend(part.split()[0] for part in attributes["srcset"].split(",") if part.strip())


def read_page(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def dead_links(site: Path) -> tuple[list[str], list[tuple[str, Path]]]:
    """The dead internal links of the site in ``site``, as ``"page -> href (why)"``, and the
    links to files that do not exist, as ``(text, target)`` (for a caller that knows a file
    is still being made)."""
    pages: dict[Path, _Page] = {}

    def page(path: Path) -> _Page:
        if path not in pages:
            pages[path] = read_page(path)
        return pages[path]

    dead: list[str] = []
    missing: list[tuple[str, Path]] = []
    for path in sorted(site.rglob("*.html")):
        if "_static" in path.relative_to(site).parts:
            continue
        rel = path.relative_to(site)
        for href in page(path).links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//") or not href.strip():
                continue  # external, mailto:, data:, javascript:
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(site.resolve()):
                dead.append(f"{rel} -> {href} (outside the site)")
            elif not target.is_file():
                missing.append((f"{rel} -> {href} (no such file)", target))
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in page(target).ids:
                dead.append(f"{rel} -> {href} (no such anchor)")
    return dead, missing


def test_the_crawl_finds_dead_links(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.html").write_text('<a id="top" href="sub/b.html#x">b</a> <a href="#top">top</a> <a href="#gone">?</a>'
                                     '<img src="missing.png"> <a href="https://example.org/#y">out</a>'
                                     '<link href="sub/b.html"> <a href="../outside.html">out</a>')
    (tmp_path / "sub" / "b.html").write_text('<p id="x"></p><a href="../a.html#top">a</a><a href="../book.pdf">pdf</a>')
    dead, missing = dead_links(tmp_path)
    assert dead == ["a.html -> #gone (no such anchor)", "a.html -> ../outside.html (outside the site)"]
    assert [text for text, _ in missing] == ["a.html -> missing.png (no such file)", "sub/b.html -> ../book.pdf (no such file)"]


def test_the_pdf_is_linked_only_where_it_exists(tmp_path):
    html = tmp_path / "_build" / "html"
    html.mkdir(parents=True)
    assert not nndyn_book.site_links_pdf(html, environ={}), "make book alone: no PDF, no link"
    assert nndyn_book.site_links_pdf(html, environ={nndyn_book.PDF_ENV: "1"}), "make pdf: the PDF comes next"
    (tmp_path / "_build" / "latex").mkdir()
    (tmp_path / "_build" / "latex" / nndyn_book.PDF_NAME).write_bytes(b"%PDF")
    assert nndyn_book.site_links_pdf(html, environ={}), "an earlier make pdf: the build copies its PDF in"


@pytest.mark.book
def test_no_dead_internal_link(built_book, request):
    dead, missing = dead_links(built_book)
    pdf = (built_book / nndyn_book.PDF_NAME).resolve()
    if any(target == pdf for _, target in missing):
        # Linked because the suite's background job makes the PDF after this HTML (NNDYN_PDF=1):
        # wait for it (requested here, so that the crawl alone does not schedule a PDF build).
        request.getfixturevalue("pdf_build_log")()
        dead += [text for text, target in missing if not target.exists()]
    else:
        dead += [text for text, _ in missing]
    pages = [p for p in built_book.rglob("*.html") if "_static" not in p.parts]
    assert len(pages) >= 17
    assert not dead, f"{len(dead)} dead internal links:\n" + "\n".join(dead[:40])


@pytest.mark.book
def test_the_menu_and_intro_link_the_pdf_only_with_it(built_book):
    """The introduction and the download menu agree: both link the PDF (a site that has it,
    or whose run makes it next; tests/test_pdf.py follows the link) or neither does."""
    intro = (built_book / "book" / "intro.html").read_text()
    chapter = (built_book / "book" / "01_classical_convergence.html").read_text()
    linked = [re.search(r'href="\.\./book\.pdf"', text) is not None for text in (intro, chapter)]
    assert linked[0] == linked[1], linked
    if not linked[0]:
        assert "download-book-pdf-button" not in chapter and "book.pdf" not in intro
