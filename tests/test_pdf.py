"""The whole book as one PDF (``make pdf``), in the quick preset, from the quick build's cache.

Skipped with a message when xelatex, latexmk or poppler's pdftotext is missing; under
``CI=true`` a missing program is a failure (``.ci/run`` installs them).
"""

from __future__ import annotations

import html as html_lib
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
import build_book  # noqa: E402

# The PDF is made by the suite's background job, from the quick build's execution cache,
# once the HTML is done (tests/conftest.py); these tests wait for it and only read it.
pytestmark = pytest.mark.book

NUMBERED = r"(?:Theorem|Lemma|Corollary|Proposition|Definition|Remark|Assumption|Example|Conjecture|Exercise)"


@pytest.fixture(scope="module")
def built_pdf(built_book, pdf_build_log) -> Path:
    missing = build_book.missing_tex() + [p for p in ("pdftotext", "pdfinfo") if shutil.which(p) is None]
    if missing:
        message = (f"no {', '.join(missing)}: the PDF tests need the Debian packages "
                   f"{' '.join(build_book.TEX_PACKAGES)} poppler-utils")
        if os.environ.get("CI") == "true":
            pytest.fail(message + " -- under CI a missing TeX is a failure")
        pytest.skip(message)
    assert "Executing notebook" not in pdf_build_log(), "the PDF build re-executed a chapter"
    pdf = built_book / build_book.PDF_NAME
    assert pdf.exists()
    return pdf


@pytest.fixture(scope="module")
def pdf_text(built_pdf) -> str:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(built_pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text.replace("-\n", "-"))


def chapters() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [c["file"] for part in toc["parts"] for c in part["chapters"]]


def title(page: str) -> str:
    match = re.search(r"^# (.+)$", (ROOT / f"{page}.md").read_text(), flags=re.M)
    return match.group(1).strip()


def plain(text: str) -> str:
    """A title as pdftotext shows it: no Markdown, no maths markup."""
    text = re.sub(r"\$[^$]*\$", " ", text)
    text = re.sub(r"[`*_{}]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def test_pdf_has_pages_and_the_edition(built_pdf, pdf_text):
    info = subprocess.run(["pdfinfo", str(built_pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages > 50, pages
    import nndyn

    assert f"Edition {nndyn.__version__}" in pdf_text[:3000], "the title page must name the edition"


def test_every_chapter_title_is_in_the_pdf(pdf_text):
    for page in chapters():
        words = re.findall(r"\w+", plain(title(page)))
        pattern = r"\W+".join(re.escape(w) for w in words)
        assert re.search(pattern, pdf_text, flags=re.I), f"{page}: {title(page)!r}"


def html_labels(built_book: Path, kind: str) -> dict[str, list[str]]:
    """The numbered boxes (theorems, ..., exercises) or figures of each chapter's HTML page."""
    labels = {}
    for page in chapters():
        text = html_lib.unescape((built_book / f"{page}.html").read_text())
        if kind == "figure":
            found = re.findall(r'<span class="caption-number">Fig\. (\d+\.\d+) </span>', text)
        else:
            found = re.findall(rf'<span class="caption-number">({NUMBERED} \d+(?:\.\d+)+) </span>', text)
            found += re.findall(rf'<p class="admonition-title">({NUMBERED} \d+(?:\.\d+)+)', text)
        labels[page] = list(dict.fromkeys(found))
    return labels


def test_every_numbered_statement_of_the_html_is_in_the_pdf(built_book, pdf_text):
    labels = html_labels(built_book, "statement")
    assert sum(map(len, labels.values())) > 30, labels
    missing = [label for found in labels.values() for label in found if label not in pdf_text]
    assert not missing, missing


def test_no_unresolved_reference(pdf_text):
    assert "??" not in pdf_text
    assert "{glue" not in pdf_text and "{prf:ref}" not in pdf_text


def test_every_figure_of_the_html_is_in_the_pdf(built_book, built_pdf, pdf_text):
    figures = html_labels(built_book, "figure")
    expected = {f"Fig. {n}" for found in figures.values() for n in found}
    assert expected
    # pdftotext may put a root sign of the caption's maths between "Fig." and the number
    captions_in_pdf = {f"Fig. {n}" for n in re.findall(r"Fig\.[\s√]*(\d+\.\d+):", pdf_text)}
    assert expected <= captions_in_pdf, sorted(expected - captions_in_pdf)
    assert len(captions_in_pdf) == len(expected), (sorted(captions_in_pdf), sorted(expected))
    images = subprocess.run(["pdfimages", "-list", str(built_pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    html_images = sum(len(re.findall(r'<img[^>]+src="[^"]*_images/', (built_book / f"{page}.html").read_text())) for page in chapters())
    assert len([line for line in images if " image " in line]) >= html_images


def test_solutions_are_gathered_at_the_end_of_each_chapter(pdf_text):
    """Each solution comes after its chapter's heading "Solutions to the exercises", with no
    exercise between that heading and the solution (solutions do not follow each exercise)."""
    with_solutions = [p for p in chapters() if "{solution}" in (ROOT / f"{p}.md").read_text()]
    headings = [m.start() for m in re.finditer(r"Solutions to the exercises", pdf_text)]
    assert len(headings) >= 2 * len(with_solutions), "one heading per chapter (and its line in the contents)"
    solutions = list(re.finditer(r"Solution to\s*Exercise (\d+\.\d+)", pdf_text))
    assert len(solutions) >= len(with_solutions)
    for match in solutions:
        before = [h for h in headings if h < match.start()]
        assert before, f"solution {match.group(1)} before any solutions heading"
        between = re.sub(r"Solution to\s*Exercise", "", pdf_text[before[-1]:match.start()])
        assert not re.search(r"Exercise \d+\.\d+ \(", between), f"an exercise between the heading and solution {match.group(1)}"


def test_the_site_links_the_pdf(built_book, built_pdf):
    intro = (built_book / "book" / "intro.html").read_text()
    assert 'href="../book.pdf"' in intro, "the intro page must link the PDF"
    chapter = (built_book / f"{chapters()[0]}.html").read_text()
    assert re.search(r'href="\.\./book\.pdf"', chapter), "the download menu must offer the PDF"
    assert (built_book / "book.pdf").stat().st_size > 100_000


# --------------------------------------------------------------------------- layout (issue 23)

OVERFULL_TOLERANCE_PT = 5.0
"""An overfull box by less than this is hardly visible on the page. Before issue 23 the log had
97 boxes above 3 pt, up to 1140 pt (a table running off its page)."""

OVERFULL_HIGH_TOLERANCE_PT = 5.0
"""How far a page may run into its bottom margin (an overfull \\vbox "too high"). A framed
box (statement, "How this was computed", code block) that splits across pages must split
where its first piece fits: scripts/latex/nndynbook.sty makes framed.sty count the depth of
the piece's last line, a display or a code block (before that fix, four pages of the quick
build of 2026-12-08 ran 8-19 pt into the margin, five more 0.7-2.4 pt)."""


@pytest.fixture(scope="module")
def latex_dir(built_pdf) -> Path:
    return built_pdf.parent.parent / "latex"


@pytest.fixture(scope="module")
def pdf_pages(built_pdf) -> list[str]:
    """The text of each page (pdftotext separates pages by form feeds), whitespace collapsed."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(built_pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"\s+", " ", page).strip() for page in text.split("\f")]


def overfull_boxes(log: str) -> list[tuple[str, float]]:
    """The overfull boxes of a LaTeX log: (line of the message, how far it overflows in pt)."""
    return [(m.group(0), float(m.group(1)))
            for m in re.finditer(r"Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too (?:wide|high)\)[^\n]*", log)]


def test_overfull_boxes_are_parsed():
    log = ("Overfull \\hbox (83.12pt too wide) in paragraph at lines 10--12\n"
           "Overfull \\vbox (2.5pt too high) has occurred while \\output is active\n"
           "Underfull \\hbox (badness 10000) in paragraph\n")
    assert [w for _, w in overfull_boxes(log)] == [83.12, 2.5]


def test_every_float_and_line_fits_its_page(latex_dir):
    """No figure taller than the page with its caption, no line or table wider than the text."""
    log = (latex_dir / "book.log").read_text(errors="replace")
    assert "Float too large" not in log, re.findall(r"[^\n]*Float too large[^\n]*", log)
    boxes = overfull_boxes(log)
    wide = [line for line, width in boxes if "too wide" in line and width > OVERFULL_TOLERANCE_PT]
    assert not wide, f"{len(wide)} overfull boxes wider than {OVERFULL_TOLERANCE_PT} pt: {wide[:5]}"
    high = [line for line, height in boxes if "too high" in line and height > OVERFULL_HIGH_TOLERANCE_PT]
    assert not high, f"{len(high)} pages run more than {OVERFULL_HIGH_TOLERANCE_PT} pt into the margin: {high[:5]}"


def test_solution_titles_and_proofs_print_cleanly(latex_dir, pdf_text):
    """"Solution to Exercise 4.1" (not "toExercise"); every proof starts with "Proof." in a
    plain paragraph, not in an admonition whose title bar is empty."""
    assert "toExercise" not in pdf_text
    tex = (latex_dir / "book.tex").read_text()
    empty_titles = re.findall(r"\\begin\{sphinxadmonition\}\{note\}(?:\{\})?\s*\n\s*(?:\\sphinxAtStartPar\s*)?Proof\.", tex)
    assert not empty_titles, f"{len(empty_titles)} proofs in an admonition with an empty title"
    proofs = sum(len(re.findall(r"^```+\{prf:proof\}", (ROOT / f"{p}.md").read_text(), flags=re.M)) for p in chapters())
    assert proofs > 10
    assert len(re.findall(r"\\begin\{sphinxuseclass\}\{nndynproof\}", tex)) == proofs
    assert len(re.findall(r"\bProof\.", pdf_text)) >= proofs


LINE_BBOX = re.compile(r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</line>', re.S)


def text_lines(bbox_html: str) -> list[tuple[int, float, float, str]]:
    """(page number, left end, right end in pt, text) of each line of ``pdftotext -bbox-layout``."""
    found = []
    for number, page in enumerate(bbox_html.split("<page ")[1:], start=1):
        for m in LINE_BBOX.finditer(page):
            words = " ".join(html_lib.unescape(w) for w in re.findall(r">([^<]*)</word>", m.group(3)))
            found.append((number, float(m.group(1)), float(m.group(2)), words))
    return found


def text_right_edge(lines: list[tuple[int, float, float, str]], parity: int) -> float:
    """The right edge of the text block on the odd (``parity=1``) or even pages: where most
    lines end (a justified line ends exactly there; in the quick build 2767 of 13268)."""
    ends = Counter(round(right, 1) for page, _, right, _ in lines if page % 2 == parity)
    return ends.most_common(1)[0][0]


def beyond_the_right_edge(lines: list[tuple[int, float, float, str]], tolerance: float) -> list[tuple[int, float, str]]:
    """(page, pt beyond the text block, text) of the lines that end more than ``tolerance`` pt
    right of their page's text block."""
    edges = {parity: text_right_edge(lines, parity) for parity in (0, 1) if any(p % 2 == parity for p, *_ in lines)}
    return [(page, round(right - edges[page % 2], 1), text) for page, _, right, text in lines
            if right > edges[page % 2] + tolerance]


def test_lines_beyond_the_right_edge_are_found():
    body = '<line xMin="72.0" yMin="1" xMax="523.3" yMax="2"><word xMin="72.0" yMin="1" xMax="80" yMax="2">text</word></line>'
    wide = ('<line xMin="79.5" yMin="3" xMax="564.4" yMax="4"><word xMin="79.5" yMin="3" xMax="120" yMax="4">Theorem</word>'
            '<word xMin="121" yMin="3" xMax="564.4" yMax="4">9.1 (M&amp;N)</word></line>')
    html = f'<doc><page width="595"><flow>{body * 3}{wide}</flow></page><page width="595">{body * 2}</page></doc>'
    lines = text_lines(html)
    assert len(lines) == 6 and lines[3][2] == 564.4
    assert beyond_the_right_edge(lines, OVERFULL_TOLERANCE_PT) == [(1, 41.1, "Theorem 9.1 (M&N)")]


def test_no_text_runs_out_of_the_text_block(built_pdf):
    """No line of the PDF ends right of the text block, where a box's frame is: a box title
    (statement, exercise, solution, "How this was computed") too long for one line wraps inside
    the box's title row. Sphinx sets that row in a \\makebox of the box's width, so a longer
    title ran past the frame with no overfull box in the log (in the quick build of 2026-12-08,
    Theorem 9.1's title, the one of the 174 box titles too long, ended 41 pt right of the
    frame); scripts/latex/nndynbook.sty wraps it."""
    bbox = subprocess.run(["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(built_pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    lines = text_lines(bbox)
    assert len(lines) > 1000, len(lines)
    found = beyond_the_right_edge(lines, OVERFULL_TOLERANCE_PT)
    assert not found, found


HYPHENATED_END = re.compile(r"([\w.]*[A-Za-z])-$")
LINE_START_WORD = re.compile(r"\s*([A-Za-z][\w.]*)")


def hyphenated_code(layout_text: str) -> list[str]:
    """The identifiers with an "_" (code: experiment, function and file names) that a line of
    ``pdftotext -layout`` ends inside with a hyphen, as "left-right". pdftotext's default mode
    joins a word hyphenated at a line end and drops the hyphen, so it cannot show them."""
    lines = [line.rstrip() for line in layout_text.splitlines()]
    found = []
    for line, following in zip(lines, lines[1:]):
        end, start = HYPHENATED_END.search(line), LINE_START_WORD.match(following)
        if end and start and "_" in end.group(1) + start.group(1):
            found.append(f"{end.group(1)}-{start.group(1)}")
    return found


def test_hyphenated_code_is_found():
    text = ("Module nndyn.experiments.classical_bounds (python -m nndyn run classi-\n"
            " cal_bounds), preset quick, and the gradient vari-\n  ance of\n"
            "the least-\nsquares problem from nndyn.experi-\nments.parity_gradient_variance and classical_\nbounds\n")
    assert hyphenated_code(text) == ["classi-cal_bounds", "nndyn.experi-ments.parity_gradient_variance"]


def test_code_is_not_hyphenated(built_pdf):
    """No identifier printed in typewriter type is split by a hyphen at a line end: a reader
    who types "python -m nndyn run classi-cal_bounds" gets an error. The quick build of
    2026-12-08 printed 16 (classi-cal_bounds on page 15, halfs-pace_network, gra-dient_variance,
    ...); scripts/latex/nndynbook.sty gives the typewriter font no hyphen character and lets
    an inline literal break after "_" instead (the test checks the names with an "_", which
    no English word has)."""
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(built_pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = hyphenated_code(text)
    assert not found, found


FOOT_TITLE = re.compile(rf"^(?:{NUMBERED}|Solution to ?Exercise) \d+(?:\.\d+)+(?: \(.*\))?$")
"""The whole title row of a numbered box (a line of text that only starts with one has more words)."""


BBOX_LINE = re.compile(r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</line>', re.S)


def page_lines(bbox_html: str) -> list[list[tuple[float, float, str]]]:
    """(top, bottom in pt, text) of the lines of each page of ``pdftotext -bbox-layout``, top
    to bottom, without the running footer (the lines level with the page's lowest line)."""
    pages = []
    for page in bbox_html.split("<page ")[1:]:
        lines = sorted((float(m.group(1)), float(m.group(2)), " ".join(html_lib.unescape(w) for w in re.findall(r">([^<]*)</word>", m.group(3))))
                       for m in BBOX_LINE.finditer(page))
        footer = lines[-1][0] if lines else 0.0
        pages.append([line for line in lines if line[0] < footer - 2])
    return pages


def rows(lines: list[tuple[float, float, str]]) -> int:
    """How many lines of text ``lines`` make: pdftotext cuts a line with maths or wide spaces
    into pieces (an exponent, a fraction, a run of words), which overlap in height. A piece
    belongs to the line above when they overlap by at least half the height of the shorter of
    the two: the line under a tall formula overlaps it by a few points only (Exercise 8.4's two
    lines, read as one in the quick build of 2026-12-08)."""
    count, row = 0, None
    for top, low, _ in sorted(lines):
        if row is not None and min(row[1], low) - max(row[0], top) >= 0.5 * min(low - top, row[1] - row[0]):
            row = (min(row[0], top), max(row[1], low))
        else:
            count, row = count + 1, (top, low)
    return count


def test_rows_tells_the_line_under_a_tall_formula_from_a_piece_of_it():
    formula, under = (730.9, 746.6, "Check ... over 200 initialisations"), (744.2, 755.4, "for m = 16, 64, 256 ...")
    exponent, fraction = (731.0, 737.0, "2"), (728.0, 750.0, "1/2")
    assert rows([formula, under]) == 2
    assert rows([formula, exponent, fraction]) == 1
    assert rows([(100.0, 110.0, "a"), (112.0, 122.0, "b"), (124.0, 134.0, "c")]) == 3


def titles_at_the_foot(pages: list[list[tuple[float, float, str]]], headings: set[str], titles: set[str]) -> list[tuple[int, str, int]]:
    """(page number, title, lines under it) of each page whose last section heading ("2.3
    Title", with a title of ``headings``) or box title row (a numbered box or one of
    ``titles``) has at most one line of text under it: what it heads goes on on the next page."""
    found = []
    for number, lines in enumerate(pages, start=1):
        for top, bottom, text in reversed(lines):
            heading = re.match(r"^\d+(?:\.\d+)+ (.+)$", text)
            if (heading and heading.group(1) in headings) or FOOT_TITLE.match(text) or text in titles:
                under = rows([line for line in lines if line[0] > bottom - 1])
                if under <= 1:
                    found.append((number, text, under))
                break
    return found


def test_titles_at_the_foot_are_found():
    def line(top: float, text: str, height: float = 10.0) -> str:
        return f'<line xMin="72" yMin="{top}" xMax="300" yMax="{top + height}"><word xMin="72" yMin="{top}" xMax="300" yMax="{top + height}">{text}</word></line>'

    footer = line(790, "19") + line(790, "2.3. Two-layer networks")
    body = line(100, "Header") + line(120, "text")
    pages = [body + line(650, "Remark 1.2 (What the theorems do not say)") + line(670, "One line,", 14) + line(667, "2", 6),
             body + line(650, "2.3 Two-layer networks"),
             body + line(650, "How this was computed") + line(670, "Two lines") + line(682, "of text"),
             body + line(650, "Theorem 1.1 cannot distinguish a minimum") + line(670, "text"),
             body + line(600, "Lemma 2.1 (A step)") + line(620, "text") + line(650, "2.3 Two-layer networks simulate") + line(670, "text")]
    html = "<doc>" + "".join(f'<page width="595">{p}{footer}</page>' for p in pages) + "</doc>"
    lines = page_lines(html)
    assert [len(p) for p in lines] == [5, 3, 5, 4, 6]
    found = titles_at_the_foot(lines, {"Two-layer networks"}, {"How this was computed"})
    assert found == [(1, "Remark 1.2 (What the theorems do not say)", 1), (2, "2.3 Two-layer networks", 0)]


def test_no_heading_or_box_title_alone_at_the_foot_of_a_page(built_pdf, latex_dir):
    """A section heading or a box's title row never ends a page with at most one line of what
    it heads under it, the rest on the next page. Issue 23 first fixed a title row alone (Remark
    1.2's in the quick build), then a title row with one line: Lemma 2.2, Theorem 4.1 (after
    heading 4.3), a "How this was computed" and "Solution to Exercise 9.2" with "import torch"
    under it, in the quick build of 2026-12-08 (scripts/latex/nndynbook.sty: a box that would
    split after less than its title row and two lines starts on the next page, and so does a
    heading right before it). A whole box of one line at the foot would count too (none is)."""
    bbox = subprocess.run(["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(built_pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = page_lines(bbox)
    headings = {plain(h) for page in chapters() for h in re.findall(r"^#{2,4} (.+)$", (ROOT / f"{page}.md").read_text(), flags=re.M)}
    tex = (latex_dir / "book.tex").read_text()
    titles = set(re.findall(r"\\begin\{sphinxadmonition\}\{\w+\}\{([^\\{}$]+)\}", tex))  # those without markup
    assert len(headings) > 30 and len(titles) > 30, (len(headings), len(titles))
    found = titles_at_the_foot(pages, headings, titles)
    assert not found, found


INSTRUCTION = re.compile(r"\b(?:move|moving|drag|dragging) (?:the|a|each) sliders?\b|\bhover\b|\buntick|\bclick\b", re.I)
"""What only a reader of the site can do."""


def test_pdf_tells_no_reader_to_move_a_slider_or_hover(pdf_text):
    """Not in the chapters and back matter; the API reference (the appendix) documents the
    code of the site's interactive figures, sliders included."""
    assert INSTRUCTION.search("Move the slider over L") and INSTRUCTION.search("Hover over a curve")
    text = pdf_text[:pdf_text.rindex("APPENDIX A")] if "APPENDIX A" in pdf_text else pdf_text
    found = [text[max(0, m.start() - 60):m.end() + 60] for m in INSTRUCTION.finditer(text)]
    assert not found, found
    unplaced = sliders_not_on_the_site(text)
    assert not unplaced, unplaced


SLIDER = re.compile(r"\bsliders?\b", re.I)
SITE_WINDOW = 60
"""Characters either side of "slider" that must name the site."""


def sliders_not_on_the_site(text: str) -> list[str]:
    """The mentions of a slider that do not say it is on the site ("site" within
    :data:`SITE_WINDOW` characters). A slider named without a verb passed the instruction
    check: the quick build of 2026-12-08 printed "sample sizes of the second slider 10, 100,
    1000" (chapter 5) and "the slider steps through at most 51 of the records" (chapter 7)
    in their "How this was computed" boxes."""
    found = []
    for m in SLIDER.finditer(text):
        window = text[max(0, m.start() - SITE_WINDOW):m.end() + SITE_WINDOW]
        if not re.search(r"\bsite\b|\bsite\u2019s\b|\bsite's\b", window):
            found.append(window)
    return found


def test_sliders_not_on_the_site_are_found():
    ok = "and on the site, a second slider of the figure shows larger samples. Its slider on the site runs"
    assert sliders_not_on_the_site(ok) == [] and sliders_not_on_the_site("what the site\u2019s sliders show") == []
    bad = "Grid of 161 by 161 points, n = 100 samples, sample sizes of the second slider 10, 100, 1000, the smaller samples"
    assert len(sliders_not_on_the_site(bad)) == 1


def test_html_keeps_the_instructions_and_drops_the_printed_text(built_book):
    """The site keeps what the PDF leaves out, and no span meant for the PDF shows on it."""
    pages = {p: (built_book / f"{p}.html").read_text() for p in chapters()}
    assert any(INSTRUCTION.search(html_lib.unescape(re.sub(r"<[^>]+>", " ", text))) for text in pages.values())
    for page, text in pages.items():
        assert "latex-only" not in text, page
        assert "{.html-only}" not in text and "{.latex-only}" not in text, page


def chapter_pages(pages: list[str], heading: str) -> list[int]:
    """Indices of the pages on which a chapter titled ``heading`` opens (fncychap prints
    "CHAPTER <number>" then the title at the top of the page)."""
    pattern = re.compile(r"^(?:CHAPTER|APPENDIX) \S+(?: \S+)? " + re.escape(heading) + r"\b", re.I)
    return [i for i, page in enumerate(pages) if pattern.search(page)]


def test_bibliography_chapter_holds_the_references(pdf_pages):
    """The chapter "Bibliography" opens on a page that lists references, and every reference
    of references.bib is printed in that chapter, not after an empty chapter page."""
    opens = chapter_pages(pdf_pages, "Bibliography")
    assert len(opens) == 1, opens
    first = opens[0]
    later = [i for i in range(first + 1, len(pdf_pages)) if re.match(r"^(?:CHAPTER|APPENDIX) ", pdf_pages[i])]
    end = later[0] if later else len(pdf_pages)
    chapter = " ".join(pdf_pages[first:end])
    assert re.search(r"\[[A-Za-z+]+\d{2}[a-z]?\]", pdf_pages[first]), f"no reference on the chapter's first page: {pdf_pages[first][:300]}"
    bib = (ROOT / "book" / "references.bib").read_text()
    titles = [re.sub(r"[{}]", "", t) for t in re.findall(r"^\s*title\s*=\s*[{\"](.+?)[}\"],?\s*$", bib, flags=re.M | re.I)
              if "\\" not in t]  # a title with a LaTeX accent prints otherwise than it reads
    assert len(titles) > 20
    first_words = [" ".join(re.findall(r"\w+", t)[:3]) for t in titles]
    # \W*: pdftotext joins a word hyphenated at a line break ("high-degree" -> "highdegree")
    missing = [w for w in first_words if not re.search(r"\W*".join(map(re.escape, w.split())), chapter, flags=re.I)]
    assert not missing, missing
    assert all(pdf_pages[i] for i in range(first, end)), "a blank page inside the bibliography"


def test_back_matter_in_a_readers_order(pdf_pages):
    """Errata, bibliography and notation come before the API reference, which is an appendix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    opens = {}
    for page in ("book/errata", "book/bibliography", "book/notation", "book/api"):
        found = chapter_pages(pdf_pages, plain(title(page)))
        assert found, page
        opens[page] = found[-1]
    assert opens["book/errata"] < opens["book/bibliography"] < opens["book/notation"] < opens["book/api"], opens
    assert re.match(r"^APPENDIX A\b", pdf_pages[opens["book/api"]]), pdf_pages[opens["book/api"]][:80]
    assert toc["parts"][-1]["chapters"] == [{"file": "book/api"}]


def test_introduction_has_a_heading(pdf_pages):
    """The root page's text opens a chapter "Introduction" (and its pages' header is not "CONTENTS")."""
    start = next(i for i, page in enumerate(pdf_pages) if "Why does gradient descent find good parameters" in page)
    assert re.match(r"^(?:CHAPTER \S+ )?Introduction\b", pdf_pages[start], flags=re.I), pdf_pages[start][:120]
    following = [p for p in pdf_pages[start + 1:start + 3] if p]
    assert following and not any(p.upper().startswith("CONTENTS") or p.upper().endswith("CONTENTS") for p in following)
