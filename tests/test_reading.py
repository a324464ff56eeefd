"""Issue 24, chapters a student can follow: the structure every chapter keeps (checked on the sources).

Each chapter opens with what the reader will be able to do, ends with a summary before its exercises, keeps
the software of each figure in a collapsed "How this was computed" block under it, gives every exercise a
title (the list of exercises says what each is about), and names other chapters by their number: a chapter's
title used as the subject of a sentence ("... ; Gradient descent stays at its initialisation uses ...") read as a claim.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("0*.md"))


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name[:2] for p in CHAPTERS])
def test_chapter_opens_with_goals_ends_with_summary_and_keeps_software_under_figures(path):
    text = path.read_text(encoding="utf-8")
    assert text.index(":::{admonition} After this chapter you can") < text.index("\n## ")
    assert text.index("\n## Summary\n") < text.index("\n## Exercises\n")
    assert "{py:mod}" not in text[:text.index("\n## ")]
    names = re.findall(r":    name: (fig-[\w-]+)", text)
    assert names
    for name in names:
        after = text[text.index(f":    name: {name}"):]
        nxt = after.find(":    name: ", 1)
        block = after if nxt < 0 else after[:nxt]
        assert ":::{admonition} How this was computed\n:class: dropdown" in block, name


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name[:2] for p in CHAPTERS])
def test_every_exercise_has_a_title(path):
    untitled = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if re.fullmatch(r"`{3,}\{exercise\}\s*", line)]
    assert not untitled, f"{path.name}: exercises without a title at lines {untitled}"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name[:2] for p in CHAPTERS])
def test_other_chapters_are_named_by_number(path):
    bare = re.findall(r"\{ref\}`chapter-[\w-]+`", path.read_text(encoding="utf-8"))
    assert not bare, f"{path.name}: {bare} (write {{ref}}`chapter N <label>`)"
    # a sentence that starts with a chapter reference starts with a capital
    for m in re.finditer(r"([.!?]\s+)\{ref\}`(c)hapter \d+ <", path.read_text(encoding="utf-8")):
        raise AssertionError(f"{path.name}: '{m.group(0)}' starts a sentence in lower case")
