"""Checks on the book's Markdown sources that the build would not report."""

from __future__ import annotations

from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"


def test_display_math_is_a_block_of_its_own():
    """A ``$$`` display glued to a line of text is parsed as inline math and garbles the
    whole paragraph (raw LaTeX and stray dollars on the page); it needs blank lines around it."""
    glued = []
    for path in sorted(BOOK.rglob("*.md")):
        lines = path.read_text().split("\n")
        inside = False
        for i, line in enumerate(lines):
            text = line.strip()
            if not text.startswith("$$") or (not inside and len(text) > 4 and text.endswith("$$")):
                continue
            neighbour = lines[i - 1] if not inside else (lines[i + 1] if i + 1 < len(lines) else "")
            if neighbour.strip() and not neighbour.strip().startswith((":", "$$")):
                glued.append(f"{path.relative_to(BOOK)}:{i + 1}")
            inside = not inside
    assert not glued, f"put blank lines around these $$ displays: {glued}"


def test_gronwall_has_one_spelling():
    """Search finds every chapter under one spelling: "Gronwall", never "Grönwall" (issue 23)."""
    package = BOOK.parent / "code" / "nndyn"
    sources = [*BOOK.rglob("*.md"), *BOOK.rglob("*.bib"), *package.rglob("*.py")]
    other = [str(p.relative_to(BOOK.parent)) for p in sources if "Grönwall" in p.read_text(encoding="utf-8")]
    assert not other, f"write Gronwall, not Grönwall, in: {other}"


def test_bibliography_parses_and_every_cited_key_is_in_it():
    """A merge once left an entry of references.bib without its closing brace; the build only
    warns (or drops the following entry), so parse the file and check every cited key."""
    import re

    from pybtex.database import parse_file

    keys = {k.lower() for k in parse_file(str(BOOK / "references.bib")).entries}
    cited = set()
    for path in BOOK.rglob("*.md"):
        for group in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", path.read_text(encoding="utf-8")):
            cited.update(k.strip().lower() for k in group.split(","))
    missing = sorted(cited - keys)
    assert not missing, f"cited but not in references.bib: {missing}"
