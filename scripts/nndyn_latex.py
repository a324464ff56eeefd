"""Sphinx extension of the book: text for one form only, and the layout of the PDF.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``, next to ``nndyn_book``.

* **Text for one form.** ``[...]{.html-only}`` (a MyST span, extension ``attrs_inline``)
  is text that only the site shows, ``[...]{.latex-only}`` text that only the PDF prints:
  an interactive figure's caption tells the site's reader to move its slider and the PDF's
  reader what the printed still shows. Both work inside captions, where a directive such as
  ``{only}`` cannot go. Every other builder keeps the HTML text.
* **Proofs.** sphinx-proof draws a proof in LaTeX as an admonition without a title, an
  empty title bar above "Proof. ...". The PDF prints it as a textbook does: *Proof.* in
  italics at the start of a plain paragraph, a square at the end.
* **Solutions.** sphinx-exercise puts the space of "Solution to Exercise 4.1" at the start
  of the link to the exercise, where LaTeX drops it ("Solution toExercise 4.1"); a control
  space goes before the link.
* **Introduction.** sphinx-jupyterbook-latex prints the root page's text after the table
  of contents with neither a chapter heading nor a running header of its own (the pages'
  headers say "CONTENTS"). It gets an unnumbered chapter "Introduction", listed in the
  contents.
* **Bibliography.** Sphinx gathers the references at the very end of the document, in a
  chapter of their own, after the empty chapter of ``book/bibliography.md``; they are
  moved into that chapter (``scripts/latex/nndynbook.sty`` keeps LaTeX from opening a
  second chapter for them), wherever it sits in ``_toc.yml``.
* **Appendix.** The chapters of the ``_toc.yml`` part captioned :data:`APPENDIX_CAPTION`
  (the API reference) are lettered appendices in the PDF (``\\appendix``).
* **Wide tables.** A table whose cells would not fit the line as single lines (the
  Reproduce page's two, the notation table) gets column widths that hold each column's
  longest word and share the rest of the line by need (:func:`column_widths`), cells set
  ragged right without hyphens, a small font (``\\footnotesize``, or ``\\scriptsize``
  where the words need it) and LaTeX's ``longtable``, so that it may break across pages.
* **Signatures** of the API reference that are long put one parameter on a line
  (``maximum_signature_line_length``, set for the LaTeX build only by ``build_book.py``:
  on the site Sphinx 7.4 writes such a signature as a ``<dl>`` without ``<dt>``).

Figures taller than the page can hold with their caption are scaled down by
``scripts/latex/nndynbook.sty`` (a height limit for every included graphic).
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes

HTML_ONLY = "html-only"
LATEX_ONLY = "latex-only"
"""Classes of the MyST spans ``[...]{.html-only}`` and ``[...]{.latex-only}``."""
APPENDIX_CAPTION = "Appendix"
"""Caption of the ``_toc.yml`` part whose chapters are appendices in the PDF."""
WIDE_TABLE_CHARACTERS = 100
"""A table whose longest cells of each column add up to more characters than this is wide."""
LINE_PT = 453.0
"""The text width of the PDF (A4 with Sphinx's margins; the log's ``\\textwidth``), in pt."""
CHARACTER_PT = 4.8
"""Width of a character of a wide table's code: 8 pt (``\\footnotesize``) typewriter font,
FreeMono, 0.6 em; the widest character of the table's fonts."""
PADDING_PT = 18.0
"""A cell's padding (twice ``\\tabcolsep``, 6 pt), its rule (0.4 pt) and 5.6 pt to spare."""
INTRODUCTION_TITLE = "Introduction"


def drop_other_form(doctree: nodes.Node, form: str) -> int:
    """Remove the spans meant for the other form (``form`` is "latex" or "html"); return how many."""
    other = HTML_ONLY if form == "latex" else LATEX_ONLY
    found = [n for n in doctree.findall(nodes.inline) if other in n.get("classes", [])]
    for node in found:
        parent = node.parent
        index = parent.index(node)
        before = parent[index - 1] if index > 0 else None
        after = parent[index + 1] if index + 1 < len(parent) else None
        parent.remove(node)
        # "text\n" + span + "\ntext": one line break is left, not two (a new paragraph in LaTeX)
        if isinstance(before, nodes.Text) and isinstance(after, nodes.Text) \
                and str(before)[-1:].isspace() and str(after)[:1].isspace():
            parent[index] = nodes.Text(str(after).lstrip())  # by position: Text nodes compare as strings
    return len(found)


def _on_doctree_resolved(app, doctree, docname) -> None:
    form = "latex" if app.builder.format == "latex" else "html"
    drop_other_form(doctree, form)
    if form != "latex":
        return
    plain_proofs(doctree)
    space_solution_titles(doctree)
    wrap_wide_tables(doctree)
    if docname == app.config.root_doc:
        introduction_chapter(doctree, docname)
        references_in_their_chapter(doctree, _bibliography_docnames(app))
        appendix_before(doctree, _appendix_docnames(app))


# --------------------------------------------------------------------------- proofs, solutions


def plain_proofs(doctree: nodes.Node) -> int:
    """sphinx-proof's proofs (an untitled admonition) as a container ``nndynproof`` (see the .sty)."""
    from sphinx_proof.nodes import proof_node

    count = 0
    for proof in list(doctree.findall(proof_node)):
        for box in [c for c in proof.children if isinstance(c, nodes.admonition)]:
            container = nodes.container(classes=["nndynproof"])
            container.extend(box.children)
            _emphasise_first_word(container)
            box.replace_self(container)
            count += 1
    return count


def _emphasise_first_word(container: nodes.Element) -> None:
    """"Proof. ..." (sphinx-proof's prefix of the first paragraph) -> *Proof.* ..."""
    paragraph = next(iter(container.findall(nodes.paragraph)), None)
    if paragraph is None or not paragraph.children or not isinstance(paragraph[0], nodes.Text):
        return
    match = re.match(r"(\w+\.)\s*", str(paragraph[0]))
    if match is None:
        return
    rest = str(paragraph[0])[match.end():]
    paragraph.remove(paragraph[0])
    paragraph.insert(0, nodes.Text(" " + rest))
    paragraph.insert(0, nodes.emphasis(match.group(1), match.group(1)))


def space_solution_titles(doctree: nodes.Node) -> int:
    """"Solution to" + link to the exercise -> "Solution to" + a space + link.

    sphinx-exercise puts the space at the start of the link's text, where LaTeX drops it
    (``\\hyperref[...]{ Exercise 4.1}``); a control space goes before the link.
    """
    from sphinx_exercise.nodes import solution_node

    count = 0
    for solution in doctree.findall(solution_node):
        title = solution.children[0] if solution.children else None
        if not isinstance(title, nodes.title) or not title.children:
            continue
        first = title.children[0]
        if isinstance(first, nodes.Text) and len(title.children) > 1 and not str(first).endswith(" "):
            title.insert(1, nodes.raw("", "\\ ", format="latex"))
            count += 1
    return count


# --------------------------------------------------------------------------- tables


def _cell_texts(table: nodes.table) -> list[list[str]]:
    rows = []
    for row in table.findall(nodes.row):
        rows.append([" ".join(entry.astext().split()) for entry in row.children if isinstance(entry, nodes.entry)])
    return rows


def column_widths(rows: list[list[str]], character_pt: float = CHARACTER_PT) -> tuple[list[int], bool]:
    """Widths of a table's columns, in thousandths of the line, and whether its words fit.

    Each column gets at least its longest word (which LaTeX cannot break without hyphenating
    code) and the cell padding; what is left of the line goes to the columns whose longest
    cell (capped at 60 characters) needs more, in proportion to what each needs. A table
    whose words do not fit the line gets its columns in proportion to its words.
    """
    count = max(len(r) for r in rows)
    least, wish = [], []
    for j in range(count):
        cells = [r[j] for r in rows if j < len(r)]
        word = max((len(w) for c in cells for w in c.split()), default=1)
        longest = min(max((len(c) for c in cells), default=1), 60)
        least.append(word * character_pt + PADDING_PT)
        wish.append(max(longest - word, 0) * character_pt)
    spare = LINE_PT - sum(least)
    if spare > 0 and sum(wish):
        least = [low + spare * extra / sum(wish) for low, extra in zip(least, wish)]
    return [max(1, int(1000 * width / sum(least))) for width in least], spare >= 0


def wrap_wide_tables(doctree: nodes.Node) -> int:
    """Wide tables: wrapped cells (``\\X`` columns, ragged right), a small font, ``longtable``.

    The font is ``\\footnotesize``, or ``\\scriptsize`` where the longest words of the
    columns do not fit the line at that size.
    """
    count = 0
    for table in list(doctree.findall(nodes.table)):
        if "colwidths-given" in table.get("classes", []) or table.parent is None:
            continue
        rows = _cell_texts(table)
        if not rows:
            continue
        natural = sum(max((len(r[j]) for r in rows if j < len(r)), default=0) for j in range(max(map(len, rows))))
        if natural <= WIDE_TABLE_CHARACTERS:
            continue
        font = "\\footnotesize"
        widths, fits = column_widths(rows)
        if not fits:
            font = "\\scriptsize"
            widths, _ = column_widths(rows, CHARACTER_PT * 7 / 8)
        colspecs = list(table.findall(nodes.colspec))
        if len(colspecs) != len(widths):
            continue
        for colspec, width in zip(colspecs, widths):
            colspec["colwidth"] = width
        table["classes"] += ["colwidths-given", "longtable"]
        parent, index = table.parent, table.parent.index(table)
        parent.insert(index + 1, nodes.raw("", "\\endgroup\n", format="latex"))
        parent.insert(index, nodes.raw("", f"\\begingroup{font}\\nndynwidetable\n", format="latex"))
        count += 1
    return count


# --------------------------------------------------------------------------- chapters


def _files(doctree: nodes.Node) -> dict[str, nodes.Element]:
    from sphinx import addnodes

    return {node["docname"]: node for node in doctree.findall(addnodes.start_of_file) if "docname" in node}


def introduction_chapter(doctree: nodes.Node, docname: str) -> bool:
    """An unnumbered chapter heading before the root page's text (see the module's docstring)."""
    section = next((s for s in doctree.findall(nodes.section) if s.get("docname") == docname), None)
    if section is None:
        return False
    body = [c for c in section.children if not isinstance(c, nodes.title)]
    first = next((c for c in body if not isinstance(c, (nodes.target, nodes.raw, nodes.comment))), None)
    if first is None:
        return False
    heading = ("\\cleardoublepage\\phantomsection\\addcontentsline{toc}{chapter}{%s}\\chapter*{%s}\\markboth{%s}{%s}\n"
               % ((INTRODUCTION_TITLE,) * 4))
    section.insert(section.index(first), nodes.raw("", heading, format="latex"))
    return True


def references_in_their_chapter(doctree: nodes.Node, chapters: list[str]) -> bool:
    """Move the references (``thebibliography``) into the bibliography chapter."""
    from sphinx.builders.latex.nodes import thebibliography

    files = _files(doctree)
    chapter = next((files[d] for d in chapters if d in files), None)
    found = list(doctree.findall(thebibliography))
    if chapter is None or not found:
        return False
    section = next(iter(chapter.findall(nodes.section)), chapter)
    for node in found:
        node.parent.remove(node)
        section.append(node)
    return True


def appendix_before(doctree: nodes.Node, chapters: list[str]) -> bool:
    """``\\appendix`` before the first of ``chapters`` in the document."""
    files = _files(doctree)
    first = next((files[d] for d in chapters if d in files), None)
    if first is None:
        return False
    first.parent.insert(first.parent.index(first), nodes.raw("", "\\appendix\n", format="latex"))
    return True


def _toc_parts(app) -> list[tuple[str, list[str]]]:
    sitemap = getattr(app.config, "external_site_map", None)
    if sitemap is None:
        return []
    return [(tree.caption or "", [str(f) for f in tree.items]) for tree in sitemap.root.subtrees]


def _appendix_docnames(app) -> list[str]:
    return [d for caption, docs in _toc_parts(app) if caption == APPENDIX_CAPTION for d in docs]


def _bibliography_docnames(app) -> list[str]:
    """The pages that hold a ``{bibliography}`` directive."""
    return [d for d in sorted(app.env.found_docs) if "{bibliography}" in _source(app, d)]


def _source(app, docname: str) -> str:
    try:
        with open(app.env.doc2path(docname), encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def setup(app) -> dict[str, Any]:
    app.connect("doctree-resolved", _on_doctree_resolved)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
