"""Sphinx extension of the book: the ledger page and the line under each numbered statement.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. The ledger itself (the
statements, the tests' declarations, the excuses) is read by ``scripts/ledger.py``, once per
build; this module shows it:

* **The page.** The directive ``{nndyn-ledger}`` (in ``book/ledger.md``) writes, per chapter,
  each numbered statement with a link that shows its number, how it is established (proved
  here, or in the papers it cites; corrected from the notes, with a link to the errata
  entry), the tests that check it (the test's id and its ``what`` line) and where the chapter
  shows it (links to the figures); then the observations, per experiment; then the counts.
  It is MyST written by :func:`ledger.markdown` and rendered as if it were typed in the page,
  so its references are resolved, numbered and checked (``-n -W``) as any other.
* **The line under each statement.** After every statement box of the chapters (sphinx-proof's
  nodes), one paragraph: "Checked numerically by 3 tests; shown in Fig. 6.2 (ledger entry)." or
  "Not checked numerically: <reason> (ledger entry).", the link going to the statement's
  entry on the ledger page (its label ``ledger-<statement label>``). A statement that the
  reason names as ``{prf:ref}`label``` is a ``prf`` cross-reference, shown as the reader sees
  it ("Lemma 2.2", a link), never as its label. In the PDF the link
  text also gives the ledger's page ("ledger entry, page 231"), through the
  ``[...]{.latex-only}`` mechanism of ``scripts/nndyn_latex.py``. The PDF may break a
  test's id (``tests/test_x.py::test_name``, one long word) after ``/``, ``_`` or ``::``.
* **Errata anchors.** The first errata entry (a list item of ``book/errata.md``) that refers
  to a statement gets the label ``errata-<statement label>``, which the ledger entry links.
* **Test results.** A site published with the test results of its edition
  (``<site>/test-results/``, made by ``scripts/test_results_page.py`` in the release
  workflow, which sets ``NNDYN_TEST_RESULTS=1``) has the Sphinx tag
  :data:`TEST_RESULTS_TAG`; the ledger page links the results only then (``{only}``), and a
  local build says where they would be, so that its link is never dead.

Re-reading: Sphinx does not know that these pages depend on the tests. Each build compares
the ledger's fingerprint (and this extension's source) with the one the pages were read with,
and re-reads the ledger page and every chapter with statements when it changed.

The chapter notebooks are made from the pages' sources (``scripts/notebook_markdown.py``),
so they do not have the lines; the ledger page is not a notebook.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes

import ledger as ledger_module

TEST_RESULTS_DIR = "test-results"
"""Folder of the published site that holds the test results of the edition."""
TEST_RESULTS_ENV = "NNDYN_TEST_RESULTS"
"""Set to ``1`` by the release workflow, which writes the test results into the site after the build."""
TEST_RESULTS_TAG = "nndyn_test_results"
"""Sphinx tag of a site that has its test results (``{only} html and nndyn_test_results``)."""
ERRATA_DOC = "book/errata"
LINE_CLASS = "nndyn-ledger-line"
LINE_ID_PREFIX = "ledger-line-"
"""The paragraph under a statement has the id ``ledger-line-<statement label>``."""
HTML_ONLY, LATEX_ONLY = "html-only", "latex-only"
"""The classes that ``scripts/nndyn_latex.py`` keeps in one form and drops in the other."""

_STATE: dict[str, Any] = {}


def current_ledger(app=None) -> ledger_module.Ledger:
    """The ledger of this build, read once (at ``builder-inited`` or on first use)."""
    if "ledger" not in _STATE:
        root = Path(app.srcdir) if app is not None else ledger_module.ROOT
        _STATE["ledger"] = ledger_module.collect(root)
    return _STATE["ledger"]


def site_has_test_results(outdir: Path, environ: dict[str, str] | None = None) -> bool:
    """Whether the site built into ``outdir`` has (or will have, ``NNDYN_TEST_RESULTS=1``) its test results."""
    environ = os.environ if environ is None else environ
    return environ.get(TEST_RESULTS_ENV) == "1" or (outdir / TEST_RESULTS_DIR / "index.html").exists()


# --------------------------------------------------------------------------- the page


def _ledger_directive():
    from sphinx.util.docutils import SphinxDirective

    class LedgerDirective(SphinxDirective):
        """``{nndyn-ledger}``: the entries, observations and counts of the ledger (no content)."""

        has_content = False

        def run(self):
            renderer = getattr(self.state, "_renderer", None)
            if renderer is None:
                raise self.error("nndyn-ledger is a MyST directive (its entries are MyST)")
            text = ledger_module.markdown(current_ledger(self.env.app))
            renderer.nested_render_text(text, self.lineno)
            return []

    return LedgerDirective


# --------------------------------------------------------------------------- the lines


def _xref(target: str, text: str, docname: str, reftype: str = "ref", explicit: bool = True, domain: str = "std"):
    from sphinx import addnodes

    node = addnodes.pending_xref("", refdomain=domain, reftype=reftype, reftarget=target, refexplicit=explicit,
                                 refwarn=True, refdoc=docname)
    node += nodes.inline(text, text, classes=["xref", domain, f"{domain}-{reftype}"])
    return node


def _tex_label(docname: str, label: str) -> str:
    """The LaTeX label that Sphinx's LaTeX writer gives the target ``label`` of ``docname``."""
    from sphinx.util.texescape import tex_replace_map

    name = f"{docname}:{label}".translate(tex_replace_map).encode("ascii", "backslashreplace").decode("ascii")
    return r"\detokenize{%s}" % name.replace("\\", "_")


def line_paragraph(ledger: ledger_module.Ledger, label: str, docname: str) -> nodes.paragraph:
    """The paragraph under the statement ``label`` of the page ``docname``."""
    line = ledger_module.statement_line(ledger, label)
    paragraph = nodes.paragraph(classes=[LINE_CLASS], ids=[LINE_ID_PREFIX + label])
    if line.tests:
        paragraph += nodes.Text(f"Checked numerically by {line.tests} test{'s' if line.tests != 1 else ''}")
        figures = [name for name in line.shown_in if name in ledger.figures]
        glued = [name for name in line.shown_in if name in ledger.glue_keys and name not in ledger.figures]
        where: list = [_xref(name, name, docname, "numref", explicit=False) for name in figures]
        chapters = []
        for key in glued:
            page = ledger.glue_keys[key]
            if page not in chapters:
                chapters.append(page)
        for page in chapters:
            if page == docname:
                where.append(nodes.Text("in the text" if where else "the text"))
            else:
                number, title = ledger.chapters.get(page, (None, page))
                text = f"Chapter {number}" if number is not None else title
                where.append(_xref("/" + page, text, docname, "doc"))
        if where:
            paragraph += nodes.Text("; shown in ")
            for k, node in enumerate(where):
                if k:
                    paragraph += nodes.Text(" and " if k == len(where) - 1 else ", ")
                paragraph += node
    elif line.reason:
        paragraph += nodes.Text("Not checked numerically: ")
        for kind, piece in ledger_module.reason_parts(line.reason.rstrip(". ")):
            if kind == "ref":  # {prf:ref}`label`: the statement as the reader sees it, "Lemma 2.2", linked
                paragraph += _xref(piece, piece, docname, "ref", explicit=False, domain="prf")
            else:
                paragraph += nodes.Text(piece)
    else:
        paragraph += nodes.Text("Not checked numerically")
    target = ledger_module.ANCHOR_PREFIX + label
    paragraph += nodes.Text(" (")
    paragraph += nodes.inline("", "", _xref(target, "ledger entry", docname), classes=[HTML_ONLY])
    printed = nodes.inline("", "", classes=[LATEX_ONLY])
    printed += _xref(target, "ledger entry", docname)
    printed += nodes.Text(", page ")
    printed += nodes.raw("", r"\pageref{%s}" % _tex_label(ledger_module.LEDGER_DOC, target), format="latex")
    paragraph += printed
    paragraph += nodes.Text(").")
    return paragraph


def add_lines(doctree: nodes.Node, ledger: ledger_module.Ledger, docname: str) -> int:
    """Insert the line after every statement box of ``doctree`` that the ledger knows; return how many."""
    from sphinx_proof.nodes import NODE_TYPES

    kinds = tuple(NODE_TYPES[kind] for kind in ledger_module.STATEMENT_KINDS)
    labels = {s.label for s in ledger.statements if s.docname == docname}
    count = 0
    for node in list(doctree.findall(lambda n: isinstance(n, kinds))):
        label = node.get("label")
        if label not in labels or node.parent is None:
            continue
        node.parent.insert(node.parent.index(node) + 1, line_paragraph(ledger, label, docname))
        count += 1
    return count


def add_errata_anchors(doctree: nodes.Node, labels: set[str]) -> dict[str, str]:
    """Give the first errata entry that refers to each statement the id ``errata-<label>``;
    return ``{label name: id}`` of the anchors made."""
    from sphinx import addnodes

    made: dict[str, str] = {}
    for xref in doctree.findall(addnodes.pending_xref):
        label = xref.get("reftarget")
        name = ledger_module.ERRATA_ANCHOR_PREFIX + str(label)
        if xref.get("refdomain") != "prf" or label not in labels or name in made:
            continue
        entry = xref.parent
        while entry is not None and not isinstance(entry, nodes.list_item):
            entry = entry.parent
        if entry is None:
            continue
        paragraph = next(iter(entry.findall(nodes.paragraph)), None)
        anchor = nodes.target("", "", ids=[name])
        if paragraph is not None:
            paragraph.insert(0, anchor)
        else:
            entry.insert(0, anchor)
        made[name] = name
    return made


def _on_doctree_read(app, doctree) -> None:
    docname = app.env.docname
    if ledger_module.LEDGER_DOC not in app.env.found_docs:
        return  # a build without the ledger page (a test's small book): no links to it
    ledger = current_ledger(app)
    if docname == ERRATA_DOC:
        std = app.env.get_domain("std")
        for name, anchor in add_errata_anchors(doctree, {s.label for s in ledger.statements}).items():
            std.anonlabels[name] = (docname, anchor)
        return
    add_lines(doctree, ledger, docname)


TEST_ID = re.compile(r"^tests/[\w/.-]+\.py::\S+$")
"""A test's id as the ledger page shows it (in code font)."""


def breakable_test_ids(doctree: nodes.Node) -> int:
    """LaTeX only: the test ids of the ledger page (one long word in typewriter font, which
    LaTeX would not break and would run into the margin) may break after ``/``, ``_``, ``::``,
    ``[`` and ``-``. Returns how many were made breakable."""
    from sphinx.util import texescape

    texescape.init()  # Sphinx's LaTeX builder has called it; a test may not have (it only fills the maps)
    count = 0
    for literal in list(doctree.findall(nodes.literal)):
        text = literal.astext()
        if not TEST_ID.match(text):
            continue
        pieces = re.findall(r".*?(?:::|[/_\[-]|$)", text)
        latex = r"\sphinxcode{\sphinxupquote{" + r"\allowbreak{}".join(texescape.escape(p) for p in pieces if p) + "}}"
        literal.replace_self(nodes.raw(text, latex, format="latex"))
        count += 1
    return count


def _on_doctree_resolved(app, doctree, docname) -> None:
    if app.builder.format == "latex":
        breakable_test_ids(doctree)


# --------------------------------------------------------------------------- re-reading, tags


def fingerprint(ledger: ledger_module.Ledger) -> str:
    """The ledger's fingerprint and the source of the code that shows it."""
    digest = hashlib.sha256(ledger.fingerprint().encode())
    for path in (Path(__file__), Path(ledger_module.__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _on_env_get_outdated(app, env, added, changed, removed) -> list[str]:
    """The pages to re-read because the ledger changed since they were read."""
    _STATE.pop("ledger", None)  # read the sources again: this build's
    ledger = current_ledger(app)
    new = fingerprint(ledger)
    old_docs = set(getattr(env, "nndyn_ledger_docs", ()))
    docs = {s.docname for s in ledger.statements} | {ledger_module.LEDGER_DOC}
    if getattr(env, "nndyn_ledger_fingerprint", None) == new:
        return []
    env.nndyn_ledger_fingerprint = new
    env.nndyn_ledger_docs = sorted(docs)
    return sorted(d for d in docs | old_docs if d in env.found_docs and d not in added | changed)


def _on_config_inited(app, config) -> None:
    if site_has_test_results(Path(app.outdir)):
        app.tags.add(TEST_RESULTS_TAG)


def setup(app) -> dict[str, Any]:
    app.add_directive("nndyn-ledger", _ledger_directive())
    app.connect("config-inited", _on_config_inited)
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("doctree-resolved", _on_doctree_resolved)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
