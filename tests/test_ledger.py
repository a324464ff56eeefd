"""The ledger of the book's claims: its rules, its collector, its page and the lines under the statements.

``scripts/ledger.py`` reads the numbered statements of the book and the tests' declarations
(``@pytest.mark.checks`` / ``@pytest.mark.observation``, with :mod:`ast`), and
``scripts/nndyn_ledger.py`` shows them (the page ``book/ledger.md``, a line under each
statement box). The rules are tested twice: each on a small synthetic checkout, where a
broken declaration must be reported, and on the repository itself, where none may be.
"""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ledger  # scripts/, on the path through pyproject.toml
import nndyn_book
import nndyn_ledger
import test_results_page

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def repo() -> ledger.Ledger:
    return ledger.collect(ROOT)


# ------------------------------------------------------------------ a synthetic checkout

CHAPTER = """\
(chapter-demo)=
# A demo chapter

````{prf:definition} A term
:label: def-term
Words.
````

````{prf:theorem} Proved here
:label: thm-here
A statement.
````

```{prf:proof}
A proof.
```

````{prf:lemma} From a paper
:label: lem-paper
As shown by {cite:t}`someone2020, other2021`.
````

Some prose that cites {cite}`unrelated2019`.

````{prf:theorem} Neither
:label: thm-neither
A statement that nothing establishes.
````

````{prf:remark} A remark
:label: rem-x
````

```{prf:proof}
A proof that follows the remark, not the theorem.
```

```{code-cell} ipython3
:mystnb:
:  figure:
:    name: fig-demo
glue("demo-key", 1.0, display=False)
```

The value is {glue:text}`demo-key:.2f`.
"""

ERRATA = """\
## Chapter 1

- **Here** ({prf:ref}`thm-here`). The notes state it otherwise.
"""

DEMO_EXPERIMENT = """\
\"\"\"Chapter 1: a demo experiment.\"\"\"
TITLE = "A demo"
CHAPTER = 1
"""


def make_checkout(root: Path, tests: str, unchecked: str | None = None) -> ledger.Ledger:
    """A checkout with one chapter, one errata page, one experiment and the test file ``tests``."""
    (root / "book" / "errata").mkdir(parents=True)
    (root / "book" / "01_demo.md").write_text(CHAPTER)
    (root / "book" / "errata" / "ch01.md").write_text(ERRATA)
    (root / "tests").mkdir()
    (root / "tests" / "test_demo.py").write_text(textwrap.dedent(tests))
    if unchecked is not None:
        (root / "tests" / "ledger_unchecked.py").write_text(textwrap.dedent(unchecked))
    experiments = root / "code" / "nndyn" / "experiments"
    experiments.mkdir(parents=True)
    shutil.copy(ROOT / "code" / "nndyn" / "experiments" / "catalog.py", experiments / "catalog.py")
    (experiments / "demo_experiment.py").write_text(DEMO_EXPERIMENT)
    return ledger.collect(root)


GOOD_TESTS = """\
import pytest
from pytest import mark


@pytest.mark.checks("thm-here", "a check: $x \\\\le 1$ with tolerance $10^{-9}$", shown_in=("fig-demo",))
def test_here():
    pass


@mark.checks(("thm-here", "lem-paper"), "two statements", shown_in=("demo-key",))
def test_both():
    pass


@pytest.mark.parametrize("d, name", [pytest.param(5, "a", marks=pytest.mark.checks("lem-paper", "$d = 5$")),
                                     pytest.param(7, "b", id="seven", marks=[pytest.mark.checks("lem-paper", "$d = 7$")]),
                                     (9, "c")])
def test_param(d, name):
    pass


@pytest.mark.observation("demo_experiment", "what the experiment shows", shown_in=("fig-demo",))
class TestObserved:
    def test_one(self):
        pass

    def helper(self):
        pass
"""


def test_the_collector_reads_statements_proofs_citations_and_errata(tmp_path):
    found = make_checkout(tmp_path, GOOD_TESTS)
    by_label = {s.label: s for s in found.statements}
    assert list(by_label) == ["thm-here", "lem-paper", "thm-neither"], "definitions and remarks are not statements"
    here, paper, neither = by_label["thm-here"], by_label["lem-paper"], by_label["thm-neither"]
    assert (here.kind, here.number, here.title, here.chapter) == ("theorem", "1.1", "Proved here", 1)
    assert (paper.number, neither.number) == ("1.1", "1.2"), "each kind is numbered on its own, per chapter"
    assert here.proved_here and not paper.proved_here and not neither.proved_here, \
        "a proof after a remark belongs to the remark"
    assert paper.citations == ("someone2020", "other2021") and paper.proved_in_paper
    assert neither.citations == (), "a citation in the prose after a statement is not the statement's"
    assert here.errata == ("book/errata/ch01.md",) and paper.errata == ()
    assert found.figures == {"fig-demo": "book/01_demo"} and found.glue_keys == {"demo-key": "book/01_demo"}
    assert found.other_labels == {"def-term", "rem-x"}
    assert found.chapters["book/01_demo"] == (1, "A demo chapter")


def test_the_collector_reads_markers_on_functions_params_and_classes(tmp_path):
    found = make_checkout(tmp_path, GOOD_TESTS)
    assert not found.read_errors
    checks = {(d.test_id, d.targets) for d in found.checks()}
    assert checks == {
        ("tests/test_demo.py::test_here", ("thm-here",)),
        ("tests/test_demo.py::test_both", ("thm-here", "lem-paper")),
        ("tests/test_demo.py::test_param[5-a]", ("lem-paper",)),
        ("tests/test_demo.py::test_param[seven]", ("lem-paper",)),
    }
    [observation] = found.observations()
    assert observation.test_id == "tests/test_demo.py::TestObserved::test_one"
    assert observation.targets == ("demo_experiment",) and observation.shown_in == ("fig-demo",)
    assert found.checks("thm-here")[0].what == "a check: $x \\le 1$ with tolerance $10^{-9}$"
    assert found.functions["tests/test_demo.py"] == {"test_here", "test_both", "test_param", "TestObserved::test_one"}


def test_pytest_gives_the_synthetic_tests_the_ids_the_collector_computes(tmp_path):
    found = make_checkout(tmp_path, GOOD_TESTS)
    collected = collected_ids(tmp_path, ["tests/test_demo.py"])
    assert not uncollected(found, collected), collected


def test_a_correct_checkout_breaks_no_rule_but_coverage_and_establishment(tmp_path):
    found = make_checkout(tmp_path, GOOD_TESTS, unchecked='UNCHECKED = {"thm-neither": "an existence statement"}')
    broken = ledger.problems(found)
    assert set(broken) == {"neither proved here nor cited"}, broken
    assert broken["neither proved here nor cited"][0].startswith("thm-neither ")


def rules_broken(tmp_path, tests: str, unchecked: str | None = None) -> dict[str, list[str]]:
    return ledger.problems(make_checkout(tmp_path, tests, unchecked))


def test_a_statement_neither_checked_nor_excused_has_no_entry(tmp_path):
    broken = rules_broken(tmp_path, GOOD_TESTS)
    assert broken["statements without an entry"] == [
        "thm-neither (book/01_demo.md:25, Theorem 1.2 (Neither)): no test checks it and tests/ledger_unchecked.py gives no reason"]


def test_a_statement_checked_and_excused_breaks_the_rules(tmp_path):
    broken = rules_broken(tmp_path, GOOD_TESTS, 'UNCHECKED = {"thm-here": "why", "thm-neither": "because"}')
    assert broken["checked and excused"] and "thm-here" in broken["checked and excused"][0]


def test_an_empty_reason_breaks_the_rules(tmp_path):
    broken = rules_broken(tmp_path, GOOD_TESTS, 'UNCHECKED = {"thm-neither": "  "}')
    assert broken["empty reasons"] == ["thm-neither: UNCHECKED gives an empty reason"]


def test_a_marker_naming_a_missing_label_breaks_the_rules(tmp_path):
    broken = rules_broken(tmp_path, """\
        import pytest

        @pytest.mark.checks("thm-gone", "a check of a statement that was renamed")
        def test_x():
            pass

        @pytest.mark.checks("def-term", "a definition is no statement to check")
        def test_y():
            pass
    """)
    assert broken["unknown labels"] == [
        "tests/test_demo.py::test_x (tests/test_demo.py:3) checks 'thm-gone', which is no label of the book",
        "tests/test_demo.py::test_y (tests/test_demo.py:7) checks 'def-term', which is a prf directive that is not "
        "a theorem, lemma, proposition or corollary",
    ]


def test_an_excuse_naming_a_missing_label_breaks_the_rules(tmp_path):
    broken = rules_broken(tmp_path, "", 'UNCHECKED: dict[str, str] = {"thm-gone": "renamed since"}')
    assert broken["unknown labels"] == ["tests/ledger_unchecked.py: 'thm-gone' is not a numbered statement of the book"]


def test_a_reason_names_a_statement_by_a_role_not_by_its_raw_label(tmp_path):
    """``lem-paper`` printed as such is a file name to the reader; ``{prf:ref}`lem-paper``` is
    "Lemma 1.1" with a link. A role naming no prf label of the book breaks the rules too."""
    broken = rules_broken(tmp_path, GOOD_TESTS, 'UNCHECKED = {"thm-neither": "its part is checked as lem-paper"}')
    assert broken["raw labels in reasons"] == [
        "tests/ledger_unchecked.py: the reason of 'thm-neither' prints the raw label 'lem-paper'; "
        "write {prf:ref}`lem-paper`"]
    good = rules_broken(tmp_path / "good", GOOD_TESTS, 'UNCHECKED = {"thm-neither": "its part is checked as {prf:ref}`lem-paper`"}')
    assert "raw labels in reasons" not in good and "unknown labels" not in good, good
    gone = rules_broken(tmp_path / "gone", GOOD_TESTS, 'UNCHECKED = {"thm-neither": "see {prf:ref}`lem-gone`"}')
    assert gone["unknown labels"] == [
        "tests/ledger_unchecked.py: the reason of 'thm-neither' refers to 'lem-gone', which is no prf label of the book"]
    assert ledger.raw_labels("thm-here-too and thm-here's", {"thm-here"}) == ["thm-here"]
    assert ledger.raw_labels("thm-here-too, {prf:ref}`thm-here`", {"thm-here"}) == []


def test_a_statement_in_a_reason_is_shown_as_the_reader_sees_it(tmp_path):
    """On the ledger page the role stays MyST (resolved by sphinx-proof); in the line under the
    statement it is a ``prf`` cross-reference, which sphinx-proof shows as "Lemma 1.1"."""
    from sphinx import addnodes

    found = make_checkout(tmp_path, GOOD_TESTS,
                          unchecked='UNCHECKED = {"thm-neither": "its part, a_1 <= 1, is checked as {prf:ref}`lem-paper`."}')
    assert "Not checked numerically: its part, a\\_1 \\<= 1, is checked as {prf:ref}`lem-paper`." in ledger.markdown(found)
    line = nndyn_ledger.line_paragraph(found, "thm-neither", "book/01_demo")
    refs = [x for x in line.findall(addnodes.pending_xref) if x["refdomain"] == "prf"]
    assert [(x["reftype"], x["reftarget"], x["refexplicit"]) for x in refs] == [("ref", "lem-paper", False)]
    assert line.astext().startswith("Not checked numerically: its part, a_1 <= 1, is checked as lem-paper (ledger entry")


def test_an_observation_of_a_missing_experiment_breaks_the_rules(tmp_path):
    broken = rules_broken(tmp_path, """\
        import pytest

        @pytest.mark.observation("no_such_experiment", "what it shows")
        def test_x():
            pass
    """)
    assert broken["unknown experiments"] == [
        "tests/test_demo.py::test_x (tests/test_demo.py:3) observes 'no_such_experiment', which is no experiment of nndyn.experiments"]


def test_shown_in_a_missing_figure_or_glue_key_breaks_the_rules(tmp_path):
    broken = rules_broken(tmp_path, """\
        import pytest

        @pytest.mark.checks("thm-here", "a check", shown_in=("fig-demo", "demo-key", "fig-gone"))
        def test_x():
            pass
    """)
    assert broken["unknown figures or glue keys"] == [
        "tests/test_demo.py::test_x (tests/test_demo.py:3): shown_in names 'fig-gone', neither a figure label nor a glued key of the book"]


def test_a_marker_the_collector_cannot_read_breaks_the_rules(tmp_path):
    broken = rules_broken(tmp_path, """\
        import pytest

        LABEL = "thm-here"

        @pytest.mark.checks(LABEL, "a label given by a variable")
        def test_x():
            pass

        @pytest.mark.checks("thm-here")
        def test_y():
            pass

        @pytest.mark.checks("thm-here", "a check")
        def helper():
            pass

        CHECKS_HERE = pytest.mark.checks("thm-here", "a marker kept in a variable")

        @CHECKS_HERE
        def test_z():
            pass
    """)
    errors = broken["unreadable declarations"]
    assert len(errors) == 4, errors
    assert "labels is not a literal (LABEL)" in errors[0]
    assert "needs its labels and its 'what' line" in errors[1]
    assert "on helper, which is not a test" in errors[2]
    assert errors[3].startswith("tests/test_demo.py:17: a checks marker the ledger cannot attach to a test")


def test_a_third_positional_argument_breaks_the_rules(tmp_path):
    """``checks(label, what, "more")``: the third string would be read as nothing (``shown_in``
    is a keyword), so it is an error, not silently dropped."""
    broken = rules_broken(tmp_path, """\
        import pytest

        @pytest.mark.checks("thm-here", "a check", "a second what line")
        def test_x():
            pass
    """)
    errors = broken["unreadable declarations"]
    assert len(errors) == 1 and "takes two positional arguments" in errors[0], errors


def test_ascii_mathematics_outside_the_math_of_a_what_line_breaks_the_rules(tmp_path):
    """The page typesets only the ``$...$`` of a ``what`` line: ``lambda_n(K) >= ...``, ``sqrt``,
    ``2^d`` written in ASCII would show as typed (the reader review of the ledger page)."""
    broken = rules_broken(tmp_path, """\
        import pytest

        @pytest.mark.checks("thm-here", "lambda_n(K_hat) >= lambda/2 in 90 % of draws, d=2..10")
        def test_x():
            pass

        @pytest.mark.checks("thm-here", "$\\\\lambda_n(\\\\hat K) \\\\ge \\\\lambda/2$ in 90 % of draws, $d = 2, \\\\dots, 10$")
        def test_y():
            pass
    """)
    [error] = broken["ASCII mathematics in what lines"]
    assert error.startswith("tests/test_demo.py::test_x ") and "'lambda', '_', '>=', '/', '=', '..'" in error, error


@pytest.mark.parametrize("text, found", [
    ("ratio <= 1 + 1e-9 at every step", ["<=", "1e-9"]),
    ("falls like n^{-1/2}, slope -0.7..-0.3", ["^", "{", "-1", "/", "}", "-0", ".."]),
    ("2 sqrt d, |G - I|, 3x lower, log2 slope, log(n)", ["sqrt", "|", "|", "3x", "log2", "log("]),
    ("GD (lr 0.2, 2000 steps), width-100 net, depths 2-4, 95 % accuracy, log-log slope, thm-kernel-convergence", []),
    ("$\\lambda_n(\\hat K) \\ge 2^d/\\sqrt{d}$ at $m = 10^{-3}$", []),
])
def test_the_ascii_stand_ins_for_mathematics(text, found):
    assert ledger.ascii_math(text) == found


def test_a_what_line_is_measured_as_the_page_shows_it():
    assert ledger.visible_text("$\\lambda_n(\\hat K) \\ge 2^{d}\\,\\mathbb{E}$ here") == "xn( K) x 2d E here"


def test_a_declared_test_that_is_not_defined_breaks_the_rules(tmp_path):
    found = make_checkout(tmp_path, GOOD_TESTS)
    found.functions["tests/test_demo.py"].discard("test_here")  # as if the function had gone
    assert ledger.problems(found)["unknown tests"] == ["tests/test_demo.py::test_here: test_here is not a test function of tests/test_demo.py"]


# ------------------------------------------------------------------ the repository


def test_the_repository_breaks_no_rule_of_its_declarations(repo):
    """Every declaration of the tests and of ``UNCHECKED`` is readable and names real labels,
    experiments, figures, glue keys and tests; no statement is both checked and excused.
    (Coverage and establishment have their own tests below.)"""
    broken = ledger.problems(repo)
    broken.pop("statements without an entry", None)
    broken.pop("neither proved here nor cited", None)
    assert not broken, json.dumps(broken, indent=1)


def test_every_statement_is_proved_here_or_cites_the_paper_that_proves_it(repo):
    """A statement without a proof after it names, in its title or body, the paper that proves it
    (the ledger entry says "proved in" that paper)."""
    assert not ledger.unestablished(repo), "\n".join(ledger.unestablished(repo))


def test_every_statement_is_checked_numerically_or_excused(repo):
    """The ledger's coverage: each numbered statement has a test that declares it checks it
    (``@pytest.mark.checks``), or a reason in ``tests/ledger_unchecked.py``."""
    missing = ledger.missing_entries(repo)
    assert not missing, f"{len(missing)} of {len(repo.statements)} statements:\n" + "\n".join(missing)


def collected_ids(root: Path, files: list[str]) -> list[str]:
    """The test ids pytest collects from ``files`` of the checkout ``root`` (without conftest.py:
    collection only, so that no book build starts)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "--noconftest", "-p", "no:cacheprovider",
                          "--rootdir", str(root), *files], cwd=root, capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    return [line.strip() for line in out.stdout.splitlines() if "::" in line]


def uncollected(found: ledger.Ledger, collected: list[str]) -> list[str]:
    """The declarations whose test id pytest does not collect."""

    def known(test_id: str) -> bool:
        if test_id in collected:
            return True
        base, _, param = test_id.partition("[")
        if not param:  # a marker on a parametrized function: every case
            return any(c.startswith(base + "[") for c in collected)
        wanted = param[:-1]  # one param of stacked parametrizes: one part of the id
        return any(c.startswith(base + "[") and wanted in c[len(base) + 1:-1].split("-") for c in collected)

    return [d.test_id for d in found.declarations if not known(d.test_id)]


def test_every_test_the_ledger_names_is_collected_by_pytest(repo, request):
    """The page never calls a statement checked without a real test: each declared test id
    is one pytest collects (the function exists; a parametrized case has that id). In a run
    of the whole suite the ids are this session's; otherwise the files are collected apart."""
    if not repo.declarations:
        pytest.skip("no test declares what it checks yet")
    collected = [item.nodeid for item in request.session.items]
    missing = uncollected(repo, collected)
    if missing:  # not in this session (a run of some files only, or deselected): collect their files
        files = sorted({d.path for d in repo.declarations if d.test_id in missing})
        missing = uncollected(repo, collected + collected_ids(ROOT, files))
    assert not missing, missing


def test_the_command_line_prints_the_counts():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "ledger.py")], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for name in ("numbered statements", "proved in this book", "proved in a cited paper", "the notes. statement, corrected",
                 "checked numerically", "neither proved in this book nor checked numerically"):
        assert re.search(rf"^\s*\d+\s+{name}", out.stdout, flags=re.M | re.I), (name, out.stdout)


def test_the_collector_imports_neither_torch_nor_the_tests():
    code = "import sys; sys.path.insert(0, 'scripts'); import ledger; ledger.collect(); " \
           "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'nndyn', 'pytorch_lightning') or m.startswith('test_')]; " \
           "print(bad); sys.exit(1 if bad else 0)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


# ------------------------------------------------------------------ the page and the lines


def test_the_page_has_an_entry_for_every_statement_and_the_counts(tmp_path):
    found = make_checkout(tmp_path, GOOD_TESTS, unchecked='UNCHECKED = {"thm-neither": "an existence statement"}')
    text = ledger.markdown(found)
    for statement in found.statements:
        assert f"({ledger.ANCHOR_PREFIX}{statement.label})=\n{{prf:ref}}`{statement.label}`" in text
    assert "## Chapter 1: A demo chapter" in text
    assert "Proved in this book. The notes' statement, corrected: see {ref}`its errata entry <errata-thm-here>`." in text
    assert "Proved in {cite:t}`someone2020` and {cite:t}`other2021` (no proof here)." in text
    assert "Checked numerically by 2 tests:" in text  # thm-here
    assert "- `tests/test_demo.py::test_here`: a check: $x \\le 1$ with tolerance $10^{-9}$. Shown in {numref}`fig-demo`." in text
    assert "Shown in a number in the text of {doc}`Chapter 1 </book/01_demo>`." in text
    assert "Not checked numerically: an existence statement." in text
    assert "## Observations: measurements no theorem covers" in text and "Experiment `demo_experiment` (A demo, Chapter 1)" in text
    assert "| Numbered statements (theorems, lemmas, propositions, corollaries) | 3 |" in text
    assert "| Proved in this book | 1 |" in text and "| Checked numerically (at least one test) | 2 |" in text


def test_text_of_a_declaration_is_escaped_outside_its_math():
    assert ledger.inline_markdown("ratio <= 1 + 1e-9, *not* [a] $a_*<b_1$ {x}") == \
        "ratio \\<= 1 + 1e-9, \\*not\\* \\[a\\] $a_*<b_1$ \\{x\\}"


def test_the_line_under_a_statement(tmp_path):
    found = make_checkout(tmp_path, GOOD_TESTS, unchecked='UNCHECKED = {"thm-neither": "an existence statement."}')
    checked = nndyn_ledger.line_paragraph(found, "thm-here", "book/01_demo")
    assert checked["ids"] == ["ledger-line-thm-here"] and nndyn_ledger.LINE_CLASS in checked["classes"]
    text = checked.astext()
    assert text.startswith("Checked numerically by 2 tests; shown in fig-demo and in the text (ledger entry"), text
    excused = nndyn_ledger.line_paragraph(found, "thm-neither", "book/01_demo").astext()
    assert excused.startswith("Not checked numerically: an existence statement (ledger entry"), excused
    from sphinx import addnodes

    targets = {x["reftarget"] for x in checked.findall(addnodes.pending_xref)}
    assert targets == {"fig-demo", "ledger-thm-here"}
    forms = [n["classes"][0] for n in checked.children if n.tagname == "inline"]
    assert forms == ["html-only", "latex-only"], "the site links the entry, the PDF also gives its page"


def test_make_chapter_executes_the_chapter_whose_figure_a_line_names(tmp_path):
    """The line under a statement may name another chapter's figure ("shown in Fig. 7.3"):
    ``make chapter`` must execute that chapter too, or the figure's label does not exist."""
    import chapter_build

    header = "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  name: python3\n---\n"
    make_checkout(tmp_path, """\
        import pytest

        @pytest.mark.checks("thm-here", "a check shown in the other chapter", shown_in=("fig-other",))
        def test_x():
            pass
    """)
    chapter = tmp_path / "book" / "01_demo.md"
    chapter.write_text(header + chapter.read_text())
    (tmp_path / "book" / "02_other.md").write_text(
        header + "# Other\n\n```{code-cell} ipython3\n:mystnb:\n:  figure:\n:    name: fig-other\nplot()\n```\n")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/01_demo\nparts:\n  - caption: A\n    numbered: true\n"
                                       "    chapters:\n      - file: book/02_other\n")
    assert chapter_build.ledger_figures("book/01_demo", tmp_path) == {"fig-other"}
    assert chapter_build.pages_to_execute("book/01_demo", tmp_path) == ["book/01_demo", "book/02_other"]


def test_a_test_id_may_break_across_lines_in_the_pdf():
    from docutils import nodes

    paragraph = nodes.paragraph()
    paragraph += nodes.literal("", "tests/test_x.py::test_a_b[5-x]")
    paragraph += nodes.literal("", "nndyn.train")
    assert nndyn_ledger.breakable_test_ids(paragraph) == 1
    raw = paragraph.children[0]
    assert raw.tagname == "raw" and raw["format"] == "latex"
    assert raw.astext() == (r"\sphinxcode{\sphinxupquote{tests/\allowbreak{}test\_\allowbreak{}x.py::\allowbreak{}"
                            r"test\_\allowbreak{}a\_\allowbreak{}b{[}\allowbreak{}5\sphinxhyphen{}\allowbreak{}x{]}}}")
    assert paragraph.children[1].tagname == "literal", "other code is left alone"


def test_a_changed_declaration_changes_the_fingerprint(tmp_path):
    found = make_checkout(tmp_path, GOOD_TESTS)
    before = nndyn_ledger.fingerprint(found)
    path = tmp_path / "tests" / "test_demo.py"
    path.write_text(path.read_text().replace("$d = 7$", "$d = 8$"))
    assert nndyn_ledger.fingerprint(ledger.collect(tmp_path)) != before, "the pages would not be read again"


def test_the_test_results_are_linked_only_where_they_exist(tmp_path):
    html = tmp_path / "_build" / "html"
    html.mkdir(parents=True)
    assert not nndyn_ledger.site_has_test_results(html, environ={}), "make book: no results, no link"
    assert nndyn_ledger.site_has_test_results(html, environ={nndyn_ledger.TEST_RESULTS_ENV: "1"}), "release: written next"
    (html / "test-results").mkdir()
    (html / "test-results" / "index.html").write_text("<html></html>")
    assert nndyn_ledger.site_has_test_results(html, environ={})


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5" time="3.5"
 timestamp="2026-12-07T21:00:00.000000" hostname="ci">
<testcase classname="tests.test_demo" name="test_here" time="0.250" />
<testcase classname="tests.test_demo" name="test_param[seven]" time="1.000"><failure message="assert 1 == 2">trace</failure></testcase>
<testcase classname="tests.test_demo.TestObserved" name="test_one" time="0.001"><skipped type="pytest.skip" message="no GPU">skip</skipped></testcase>
<testcase classname="tests.test_demo" name="test_both" time="2.0"><error message="fixture failed">err</error></testcase>
<testcase classname="tests.test_other" name="test_x[a-b]" time="0.25" />
</testsuite></testsuites>
"""


def test_the_test_results_page_from_a_junit_file(tmp_path):
    make_checkout(tmp_path / "repo", GOOD_TESTS)
    (tmp_path / "junit.xml").write_text(JUNIT)
    out = tmp_path / "site" / "test-results"
    code = test_results_page.main([str(tmp_path / "junit.xml"), str(out), "--edition", "v9.9.9", "--commit", "abc123",
                                   "--root", str(tmp_path / "repo")])
    assert code == 1, "a failed test is reported by the exit status"
    data = json.loads((out / "results.json").read_text())
    assert data["edition"] == "v9.9.9" and data["commit"] == "abc123" and data["date"].startswith("2026-12-07T21:00")
    assert data["summary"] == {"passed": 2, "failed": 1, "error": 1, "skipped": 1}
    outcomes = {t["id"]: t["outcome"] for t in data["tests"]}
    assert outcomes == {
        "tests/test_demo.py::test_here": "passed", "tests/test_demo.py::test_param[seven]": "failed",
        "tests/test_demo.py::TestObserved::test_one": "skipped", "tests/test_demo.py::test_both": "error",
        "tests/test_other.py::test_x[a-b]": "passed",
    }
    page = (out / "index.html").read_text()
    assert '<html lang="en">' in page and "Test results of v9.9.9" in page and "abc123" in page
    assert page.count("<tr class=") == 5 and "assert 1 == 2" in page
    assert 'href="../book/ledger.html"' in page and 'href="results.json"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "the page loads nothing from elsewhere"


def test_the_release_workflow_publishes_the_test_results_beside_the_site():
    import yaml

    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    steps = yaml.safe_load(text)["jobs"]["build"]["steps"]
    runs = [str(step.get("run", "")) for step in steps]
    test = next(i for i, run in enumerate(runs) if run.strip() == "make test")
    assert "--junitxml=_build/test-results.xml" in steps[test]["env"]["PYTEST_ADDOPTS"]
    pdf = next(i for i, run in enumerate(runs) if run.strip() == "make pdf")
    assert steps[pdf]["env"][nndyn_ledger.TEST_RESULTS_ENV] == "1"
    page = next(i for i, run in enumerate(runs) if "test_results_page.py" in run)
    upload = next(i for i, step in enumerate(steps) if "upload-pages-artifact" in str(step.get("uses", "")))
    assert test < pdf < page < upload
    assert "_build/test-results.xml _build/html/test-results" in runs[page]


def test_the_ledger_page_is_no_notebook():
    """Only pages with a kernelspec become notebooks (scripts/nndyn_book.py); the ledger is
    generated at build time and has nothing to run."""
    assert "kernelspec" not in (ROOT / "book" / "ledger.md").read_text()


# ------------------------------------------------------------------ the built book


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


@pytest.mark.book
def test_the_built_ledger_lists_every_statement_with_its_number(built_book, repo):
    page = (built_book / "book" / "ledger.html").read_text()
    missing, wrong = [], []
    for statement in repo.statements:
        anchor = f'id="{ledger.ANCHOR_PREFIX}{statement.label}"'
        if anchor not in page:
            missing.append(statement.label)
            continue
        entry = page[page.index(anchor):][:3000]
        link = re.search(r'<a class="reference internal" href="([^"]+)"[^>]*>(.*?)</a>', entry, flags=re.S)
        href, text = link.groups()
        expected = f"{statement.kind.title()} {statement.number}"
        if not href.endswith(f"{Path(statement.docname).name}.html#{statement.label}") or _text(text) != expected:
            wrong.append((statement.label, href, _text(text), expected))
    assert not missing and not wrong, (missing, wrong)
    assert 'id="ledger-counts"' in page and 'id="ledger-observations"' in page
    assert "test-results/" in page


@pytest.mark.book
def test_the_built_ledger_typesets_the_mathematics_of_the_what_lines(built_book, repo):
    """Each test's line on the page shows its ``$...$`` as math (a MathJax span), and no ASCII
    stand-in for mathematics (``<=``, ``>=``, ``sqrt``, ``lambda_n``, ``2^d``) is left in its text."""
    page = (built_book / "book" / "ledger.html").read_text()
    items = re.findall(r'<li><p><code class="docutils literal notranslate"><span class="pre">(tests/[^<]+)</span></code>:(.*?)</p>',
                       page, flags=re.S)
    assert len({test_id for test_id, _ in items}) == len({d.test_id for d in repo.declarations}), len(items)
    untypeset, ascii_left = [], []
    for test_id, body in items:
        declaration = next(d for d in repo.declarations if d.test_id == html_lib.unescape(test_id))
        maths = re.findall(r'<span class="math notranslate nohighlight">(.*?)</span>', body, flags=re.S)
        if len(maths) != len(ledger.MATH_SPAN.findall(declaration.what)):
            untypeset.append(test_id)
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", re.sub(r'<span class="math[^"]*">.*?</span>', " ", body, flags=re.S)))
        text = text.split(" Shown in ")[0]
        if ledger.ascii_math(text):
            ascii_left.append((test_id, ledger.ascii_math(text)))
    assert not untypeset and not ascii_left, (untypeset, ascii_left)


def test_a_repository_file_links_to_the_repository_or_shows_its_name():
    """``{repo-file}`CONTRIBUTING.md``` (the ledger page names the developers' guide): a link to
    the repository's page of the file, or, in a build with no repository URL, the name alone."""
    from docutils import nodes

    assert nndyn_book.repository_file_url("https://github.com/o/r/", "dev", "CONTRIBUTING.md") == \
        "https://github.com/o/r/blob/dev/CONTRIBUTING.md"
    assert nndyn_book.repository_file_url("git+https://github.com/o/r.git", "", "CONTRIBUTING.md") == \
        "https://github.com/o/r/blob/main/CONTRIBUTING.md"
    assert nndyn_book.repository_file_url("", "main", "CONTRIBUTING.md") is None
    linked = nndyn_book.repo_file_node("CONTRIBUTING.md", "https://github.com/o/r/blob/main/CONTRIBUTING.md")
    assert isinstance(linked, nodes.reference) and linked["refuri"].endswith("/CONTRIBUTING.md")
    assert linked.astext() == "CONTRIBUTING.md"
    plain = nndyn_book.repo_file_node("CONTRIBUTING.md", None)
    assert isinstance(plain, nodes.literal) and not list(plain.findall(nodes.reference))
    assert "{repo-file}`CONTRIBUTING.md`" in (ROOT / "book" / "ledger.md").read_text()


@pytest.mark.book
def test_the_built_ledger_links_the_developers_guide(built_book):
    """The page names ``CONTRIBUTING.md`` as a link to the file in the configured repository."""
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]
    url = nndyn_book.repository_file_url(nndyn_book.repository_url(config["url"]), config.get("branch", ""),
                                         "CONTRIBUTING.md")
    page = (built_book / "book" / "ledger.html").read_text()
    link = re.search(r'<a class="[^"]*reference external[^"]*" href="([^"]+)"[^>]*><code[^>]*>'
                     r'<span class="pre">CONTRIBUTING\.md</span></code></a>', page)
    assert link and link.group(1) == url, (link and link.group(1), url)
    assert (ROOT / "CONTRIBUTING.md").is_file()


@pytest.mark.book
def test_every_statement_box_is_followed_by_its_line(built_book, repo):
    """In each chapter, the line under a statement comes after its box and before the next
    statement, and links the statement's entry on the ledger page."""
    problems = []
    by_doc: dict[str, list[ledger.Statement]] = {}
    for statement in repo.statements:
        by_doc.setdefault(statement.docname, []).append(statement)
    for docname, statements in by_doc.items():
        page = (built_book / f"{docname}.html").read_text()
        for k, statement in enumerate(statements):
            box = page.find(f'id="{statement.label}"')
            line = page.find(f'id="{nndyn_ledger.LINE_ID_PREFIX}{statement.label}"')
            following = page.find(f'id="{statements[k + 1].label}"') if k + 1 < len(statements) else len(page)
            if not 0 <= box < line < following:
                problems.append(f"{docname}: {statement.label} (box {box}, line {line}, next {following})")
                continue
            paragraph = page[line:page.index("</p>", line)]
            if f'href="ledger.html#{ledger.ANCHOR_PREFIX}{statement.label}"' not in paragraph:
                problems.append(f"{docname}: the line under {statement.label} does not link its entry: {paragraph[:300]}")
            said = _text("<p " + paragraph)
            checks = repo.checks(statement.label)
            start = f"Checked numerically by {len(checks)} test" if checks else "Not checked numerically"
            if not said.startswith(start):
                problems.append(f"{docname}: {statement.label}: {said!r} does not start with {start!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.book
def test_no_line_under_a_statement_prints_a_raw_label(built_book, repo):
    """A reason that names another statement shows it as the reader sees it ("Lemma 2.2", a
    link), never as its label (``lem-halfspace-network``), in the line and on the ledger page."""
    labels = {s.label for s in repo.statements} | set(repo.other_labels)
    raw = []
    for docname in sorted({s.docname for s in repo.statements}):
        page = (built_book / f"{docname}.html").read_text()
        for statement in (s for s in repo.statements if s.docname == docname):
            start = page.find(f'id="{nndyn_ledger.LINE_ID_PREFIX}{statement.label}"')
            if start < 0:
                continue
            said = _text("<p " + page[start:page.index("</p>", start)])
            raw += [(statement.label, label, said) for label in ledger.raw_labels(said, labels)]
    entries = (built_book / "book" / "ledger.html").read_text()
    for statement in repo.statements:
        if statement.label in repo.unchecked:
            start = entries.find(f'id="{ledger.ANCHOR_PREFIX}{statement.label}"')
            said = _text(entries[entries.index(">", start) + 1:][:3000].split("</dd>")[0])
            raw += [(statement.label, label, "ledger page: " + said) for label in ledger.raw_labels(said, labels)]
    assert not raw, raw


@pytest.mark.book
def test_the_errata_entries_have_the_anchors_the_ledger_links(built_book, repo):
    errata = (built_book / "book" / "errata.html").read_text()
    ledger_page = (built_book / "book" / "ledger.html").read_text()
    for statement in repo.statements:
        if statement.errata:
            anchor = f"{ledger.ERRATA_ANCHOR_PREFIX}{statement.label}"
            assert f'id="{anchor}"' in errata, anchor
            assert f'href="errata.html#{anchor}"' in ledger_page, anchor
