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
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
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
