"""Sphinx extension of the book: its edition, student notebooks, launch and download links, PDF layout.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. What it does:

* **Edition.** The version lives in one place, ``code/nndyn/_version.py``. It becomes
  Sphinx's ``version``/``release`` (the PDF's title page) and, with the commit and date of
  the build, the site's footer. ``NNDYN_EDITION`` (set by the release workflow to the tag,
  e.g. ``v0.2.0``) marks a published edition; without it the footer says "development
  build".
* **Repository.** ``repository.url`` in ``_config.yml`` is the one setting that names the
  repository; the environment variable ``NNDYN_REPOSITORY_URL`` overrides it (the
  publishing workflows set it to the repository they run in). Launch links, the notebooks'
  install cell and the repository button all derive from it, and so does the role
  ``{repo-file}`CONTRIBUTING.md``` (a file of the repository, in code font, linked to
  ``<repository>/blob/<branch>/<path>``; in a build with no repository URL, or for a path
  that is no file of the checkout, the name alone, never a dead link).
* **Student notebooks.** For every executable page (a MyST notebook), a notebook without
  outputs is written to ``<site>/notebooks/<name>.ipynb``: its first cell installs
  ``nndyn`` from the repository when it is missing and replaces ``myst_nb.glue`` (which
  only the book build needs). It runs top to bottom in an environment that has only
  Jupyter and ``nndyn``. Its Markdown reads like the page: glued values, references,
  statements and captions as the built site shows them (``scripts/notebook_markdown.py``
  rewrites the MyST, ``scripts/notebook_refs.py`` asks Sphinx what the page shows).
* **Buttons.** The download menu offers that notebook and, in a site that has it
  (:func:`site_links_pdf`), the whole book as a PDF (``<site>/book.pdf``, built by
  ``make pdf``); the launch menu opens the notebook on
  Colab from the branch :data:`NOTEBOOKS_BRANCH`, to which the publishing workflow pushes
  ``<site>/notebooks``. Binder is not offered: it would need the whole environment built
  from the repository for every visit.
* **PDF.** In the LaTeX build the solutions of a chapter are moved to a section
  "Solutions to the exercises" at the end of the chapter instead of following each
  exercise. Theorems, exercises and figures are numbered per chapter as on the site
  (sphinx-jupyterbook-latex numbers them per section when the book has parts), and a
  ``{ref}`` to an exercise of another chapter (from the errata) points at the exercise's
  LaTeX label with the site's number, where Sphinx would print "??".
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from sphinx_patches import proof_chapter_latex

ROOT = Path(__file__).resolve().parent.parent
VERSION_FILE = ROOT / "code" / "nndyn" / "_version.py"
NOTEBOOKS_DIR = "notebooks"
"""Folder of the built site that holds the student notebooks."""
NOTEBOOKS_BRANCH = "notebooks"
"""Branch of the repository to which the publishing workflow pushes ``<site>/notebooks`` (Colab opens it)."""
PDF_NAME = "book.pdf"
"""File name of the whole-book PDF in the built site."""
PDF_ENV = "NNDYN_PDF"
"""Set to ``1`` by ``build_book.py --pdf`` (and the test suite's build that makes the PDF): the
HTML built now links the PDF that the same run makes next."""
PDF_TAG = "nndyn_pdf"
"""Sphinx tag of a site that links the PDF (``{only} html and nndyn_pdf`` in the pages)."""
COLAB_URL = "https://colab.research.google.com"


def read_version(path: Path = VERSION_FILE) -> str:
    """The package version, read from ``_version.py`` without importing the package.

    Outside a checkout (a copy of the book without ``code/``) the installed package's.
    """
    if not path.exists():
        import nndyn

        return nndyn.__version__
    match = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", path.read_text())
    if match is None:
        raise ValueError(f"path: no __version__ = '...' line in {path}")
    return match.group(1)


def git_commit(root: Path = ROOT) -> str | None:
    """Short hash of the checked-out commit, or None outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def edition(version: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """What the site says about the edition a reader is looking at.

    Returns ``{"label": ..., "ref": ...}``: the label for the footer and the git reference
    (tag or branch) from which the notebooks install ``nndyn``.
    """
    environ = os.environ if environ is None else environ
    tag = environ.get("NNDYN_EDITION", "").strip()
    date = _dt.date.today().isoformat()
    if tag:
        if tag.lstrip("v") != version:
            raise ValueError(f"NNDYN_EDITION: tag {tag!r} does not match the package version {version!r} (code/nndyn/_version.py)")
        return {"label": f"Edition {version} (released {date})", "ref": tag}
    commit = git_commit()
    where = f", commit {commit}" if commit else ""
    return {"label": f"Development build after edition {version} ({date}{where})", "ref": ""}


def repository_url(config_url: str, environ: dict[str, str] | None = None) -> str:
    """The repository URL: ``NNDYN_REPOSITORY_URL`` if set, else ``repository.url`` of ``_config.yml``."""
    environ = os.environ if environ is None else environ
    return (environ.get("NNDYN_REPOSITORY_URL") or config_url).rstrip("/")


def repository_file_url(repo_url: str, branch: str, path: str) -> str | None:
    """The web address of the file ``path`` of the repository ``repo_url`` on ``branch``
    (GitHub's ``/blob/`` form), or None where there is no repository URL to link."""
    url = repo_url.removeprefix("git+").removesuffix(".git").rstrip("/")
    if not url.startswith(("https://", "http://")):
        return None
    return f"{url}/blob/{branch or 'main'}/{path.lstrip('/')}"


def repo_file_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{repo-file}`path```: a file of the repository (``CONTRIBUTING.md``), in code font,
    linked to the repository's page of it (:func:`repository_file_url`); the name alone in a
    build without a repository URL. A path that is no file of the checkout is an error."""
    path = text.strip()
    if not (ROOT / path).is_file():
        message = inliner.reporter.error(f"repo-file: {path!r} is no file of the repository", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    config = inliner.document.settings.env.app.config
    url = repository_file_url(config.nndyn_repository_url or "", config.html_theme_options.get("repository_branch", ""), path)
    return [repo_file_node(path, url)], []


def repo_file_node(path: str, url: str | None):
    """The name ``path`` in code font, linked to ``url`` (no link where ``url`` is None)."""
    from docutils import nodes

    literal = nodes.literal(path, path)
    return literal if url is None else nodes.reference("", "", literal, refuri=url, classes=["nndyn-repo-file"])


def install_spec(repo_url: str, ref: str = "") -> str:
    """The pip requirement that installs ``nndyn`` from the repository (at ``ref`` if given)."""
    url = repo_url if repo_url.startswith("git+") else f"git+{repo_url}"
    return f"nndyn @ {url}" + (f"@{ref}" if ref else "")


def setup_cell_source(spec: str, preset: str) -> str:
    """The first cell of every student notebook."""
    return f'''# Set-up: run this cell first. It installs nndyn, the package of the book, when it is
# missing, and stands in for `glue` (which only the book build needs).
import importlib.util, os, subprocess, sys

if importlib.util.find_spec("nndyn") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "{spec}"])

# "quick" runs every experiment in seconds; "full" makes the figures of the published book.
os.environ.setdefault("NNDYN_PRESET", "{preset}")


def glue(name, value, display=True):
    """Show a value that the book would insert into its text (myst_nb.glue in the book build)."""
    if display:
        from IPython.display import display as _display
        _display(value)'''


GLUE_IMPORT = re.compile(r"^(\s*)from myst_nb import glue\s*$", flags=re.M)


def student_notebook(source: Path, *, spec: str, preset: str, title_note: str = "", resolver=None):
    """A notebook (nbformat) of the MyST page ``source``, runnable without the book's toolchain.

    Outputs are left out; ``from myst_nb import glue`` lines are replaced by the stand-in
    defined in the set-up cell, which is inserted first. The Markdown reads like the page
    (``scripts/notebook_markdown.py``): glued numbers, references and statements as the
    ``resolver`` (:class:`notebook_refs.SphinxResolver` in the book build) says the page
    shows them, and each figure's caption in a Markdown cell after the cell that draws it
    (and, the same text, in the cell's ``mystnb.figure.caption`` metadata).
    Cell ids are numbered, so that a page gives the same notebook in every build.
    """
    import jupytext
    import nbformat
    from notebook_markdown import PlainResolver, exercise_titles, footnote_list, to_jupyter

    resolver = resolver or PlainResolver()
    nb = jupytext.read(source)
    titles = exercise_titles(source.read_text(), resolver)
    cells = []
    notes: list[tuple[str, str]] = []  # the page's footnotes, shown at its end as on the site
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type == "markdown":
            cell.source = to_jupyter(cell.source, resolver, titles, notes)
            continue
        if cell.cell_type != "code":
            continue
        cell.source = GLUE_IMPORT.sub(r"\1# glue: defined in the set-up cell", cell.source)
        cell.outputs = []
        cell.execution_count = None
        figure = cell.metadata.get("mystnb", {}).get("figure", {})
        if figure.get("caption"):
            number = resolver.title("numref", figure["name"]) if figure.get("name") else None
            caption = to_jupyter(figure["caption"], resolver)
            cells.append(nbformat.v4.new_markdown_cell(f"**{number or 'Figure'}.** {caption}"))
            # Jupyter does not show cell metadata, but myst-nb (a Jupyter Book made of the
            # notebook) and metadata editors do: the caption there reads as the cell's does.
            figure["caption"] = caption
    if notes:
        cells.append(nbformat.v4.new_markdown_cell("---\n\n**Notes**\n\n" + to_jupyter(footnote_list(notes), resolver)))
    nb.cells = [cell for cell in cells if cell.cell_type != "markdown" or cell.source.strip()]
    intro = nbformat.v4.new_markdown_cell(
        "This notebook is a chapter of *Training neural networks: dynamics and convergence*."
        + (f" {title_note}" if title_note else "")
        + " Run the set-up cell first; then run the cells in order. The numbers in the text"
        + (f" are those {GLUED_NOTE.format(preset=preset)}" if not isinstance(resolver, PlainResolver)
           else " are computed by the code cells (the book's text shows their values)")
        + "; running the cells computes them again. Theorems, figures and papers that the"
        " text refers to link to the pages of the published book."
    )
    setup = nbformat.v4.new_code_cell(setup_cell_source(spec, preset))
    setup.metadata["tags"] = ["setup"]
    nb.cells = [intro, setup, *nb.cells]
    for index, cell in enumerate(nb.cells):  # fixed ids: the same page gives the same file (nbformat draws random ones)
        cell["id"] = f"cell-{index:03d}"
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata.pop("jupytext", None)
    return nb


GLUED_NOTE = "computed when the book was built (preset {preset}; a value's tooltip says so)"
"""What the first cell of a notebook says about the glued numbers in its text."""


def book_bibtex(version: str, year: int | None = None) -> str:
    """The BibTeX entry of the book at ``version`` (the "How to cite" page shows it)."""
    year = year or _dt.date.today().year
    return f"""@book{{nndyn_book,
  title     = {{Training neural networks: dynamics and convergence.
               An executable textbook}},
  author    = {{{{The nndyn authors}}}},
  year      = {{{year}}},
  edition   = {{{version}}},
  note      = {{Executable textbook with the Python package nndyn, version {version}}},
}}"""


def _bibtex_directive():
    from docutils import nodes
    from sphinx.util.docutils import SphinxDirective

    class BookBibtex(SphinxDirective):
        """``{nndyn-book-bibtex}``: the book's BibTeX entry for the version being built."""

        def run(self):
            text = book_bibtex(self.config.version)
            block = nodes.literal_block(text, text, language="bibtex")
            return [block]

    return BookBibtex


# --------------------------------------------------------------------------- Sphinx hooks


def _is_notebook_page(app, docname: str) -> bool:
    return "kernelspec" in app.env.metadata.get(docname, {})


def _on_config_inited(app, config) -> None:
    version = read_version()
    config.version = version
    config.release = version
    info = edition(version)
    options = config.html_theme_options
    url = repository_url(options.get("repository_url", ""))
    options["repository_url"] = url
    options["extra_footer"] = f'<p class="nndyn-edition">{info["label"]} · nndyn {version}</p>'
    # The launch menu is made here (Colab from the notebooks branch), not by the theme.
    options["launch_buttons"] = {}
    app.config.nndyn_edition = info
    app.config.nndyn_repository_url = url
    if site_links_pdf(Path(app.outdir)):
        app.tags.add(PDF_TAG)  # a changed tag makes the HTML builder write every page again


def site_links_pdf(outdir: Path, environ: dict[str, str] | None = None) -> bool:
    """Whether the site built into ``outdir`` links the whole-book PDF.

    Only when the PDF is there by the end of the build: it is in the site already, or in the
    LaTeX folder beside it (an earlier ``make pdf``; :func:`_on_build_finished` copies it in),
    or this build is the HTML step of a run that makes it next (``NNDYN_PDF=1``). A site
    built by ``make book`` alone has no link to a PDF that does not exist.
    """
    environ = os.environ if environ is None else environ
    return (environ.get(PDF_ENV) == "1" or (outdir / PDF_NAME).exists()
            or (outdir.parent / "latex" / PDF_NAME).exists())


def _notebook_name(docname: str) -> str:
    return Path(docname).name + ".ipynb"


def _on_page_context(app, pagename, templatename, context, doctree) -> None:
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    pathto = context["pathto"]
    notebook = _is_notebook_page(app, pagename)
    for group in buttons:
        if group.get("label") == "download-buttons":
            extra = []
            if notebook:
                extra.append({
                    "type": "link", "url": pathto(f"{NOTEBOOKS_DIR}/{_notebook_name(pagename)}", 1),
                    "text": ".ipynb", "icon": "fas fa-code", "label": "download-notebook-button",
                    "tooltip": "Download this chapter as a notebook (installs nndyn when missing)",
                })
            pdf = [{
                "type": "link", "url": pathto(PDF_NAME, 1), "text": "book (.pdf)",
                "icon": "fas fa-book", "label": "download-book-pdf-button", "tooltip": "Download the whole book as a PDF",
            }] if app.tags.has(PDF_TAG) else []
            group["buttons"] = extra + group["buttons"] + pdf
    url = app.config.nndyn_repository_url
    match = re.match(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?$", url)
    if notebook and match:
        org, repo = match.groups()
        colab = f"{COLAB_URL}/github/{org}/{repo}/blob/{NOTEBOOKS_BRANCH}/{_notebook_name(pagename)}"
        buttons.insert(0, {
            "type": "group", "tooltip": "Launch interactive content", "icon": "fas fa-rocket", "label": "launch-buttons",
            "buttons": [{
                "type": "link", "text": "Colab", "tooltip": "Open this chapter's notebook on Colab",
                "icon": "_static/images/logo_colab.png", "url": colab,
            }],
        })


_ID = re.compile(r'(\sid=")([^"]+)(")')


def unique_ids(body: str) -> str:
    """The page body with every id that occurs more than once numbered: ``proof-1``, ``proof-2``, ...

    sphinx-proof writes ``id="proof"`` and ``id="proof-content"`` for every proof, and
    sphinx-exercise ``id="exercise-content"``/``id="solution-content"`` for every exercise and
    solution, so a chapter had up to a dozen elements with one id (invalid HTML: a link or a
    script that looks one up finds the first). Ids that occur once are left as they are, so
    no label's anchor changes.
    """
    counts: dict[str, int] = {}
    for match in _ID.finditer(body):
        counts[match.group(2)] = counts.get(match.group(2), 0) + 1
    seen: dict[str, int] = {}

    def number(match: re.Match) -> str:
        name = match.group(2)
        if counts[name] < 2:
            return match.group(0)
        seen[name] = seen.get(name, 0) + 1
        return f"{match.group(1)}{name}-{seen[name]}{match.group(3)}"

    return _ID.sub(number, body)


def _unique_ids_on_page(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = unique_ids(context["body"])


INTERACTIVE_FILES = {"js": ("plotly.min.js", "interactive.js"), "css": ("interactive.css",)}
"""What a page with an interactive figure (nndyn.interactive) loads; nothing else loads them."""


def _add_interactive_assets(app, pagename, templatename, context, doctree) -> None:
    """Load plotly.js and the figures' script only on pages that have an interactive figure."""
    from nndyn.interactive import FIGURE_CLASS

    if f'class="{FIGURE_CLASS}"' not in context.get("body", ""):
        return
    for name in INTERACTIVE_FILES["js"]:
        app.add_js_file(name)
    for name in INTERACTIVE_FILES["css"]:
        app.add_css_file(name)


def plotly_js() -> Path:
    """plotly.min.js as shipped in the pinned plotly wheel (requirements.txt)."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise RuntimeError("plotly is not installed: the interactive figures need plotly.min.js from its wheel (requirements.txt)")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


def _on_build_finished(app, exception) -> None:
    if exception is not None or app.builder.name != "html":
        return
    out = Path(app.outdir)
    shutil.copy2(plotly_js(), out / "_static" / "plotly.min.js")
    folder = out / NOTEBOOKS_DIR
    folder.mkdir(exist_ok=True)
    import nbformat

    from notebook_refs import SphinxResolver, lookups_kept, site_url

    spec = install_spec(app.config.nndyn_repository_url, app.config.nndyn_edition["ref"])
    preset = os.environ.get("NNDYN_PRESET") or "full"
    site = site_url(app.config.nndyn_repository_url)
    with lookups_kept(app.env):
        for docname in sorted(app.env.found_docs):
            if not _is_notebook_page(app, docname):
                continue
            nb = student_notebook(Path(app.env.doc2path(docname)), spec=spec, preset=preset,
                                  title_note=app.config.nndyn_edition["label"] + ".",
                                  resolver=SphinxResolver(app, docname, site))
            nbformat.write(nb, folder / _notebook_name(docname))
    # A PDF built earlier (make pdf) stays in the site when the HTML is rebuilt.
    pdf = out.parent / "latex" / PDF_NAME
    if pdf.exists() and not (out / PDF_NAME).exists():
        shutil.copy2(pdf, out / PDF_NAME)


def _move_solutions(app, doctree) -> None:
    """LaTeX only: gather the solutions of a chapter in a section at its end."""
    if app.builder.name != "latex":
        return
    from docutils import nodes
    from sphinx_exercise.nodes import solution_node

    found = list(doctree.findall(solution_node))
    if not found:
        return
    chapter = next(iter(doctree.findall(nodes.section)), None)
    if chapter is None:
        return
    docname = app.env.docname
    section = nodes.section(ids=[f"solutions-{Path(docname).name}"], names=[f"solutions to the exercises ({docname})"])
    section += nodes.title("", "Solutions to the exercises")
    for node in found:
        node.parent.remove(node)
        section += node
    chapter += section


def _number_per_chapter(app) -> None:
    """LaTeX with parts: number statements per chapter (``4.1``), as the HTML does.

    sphinx-jupyterbook-latex sets ``numfig_secnum_depth = 2`` when the book has parts, which
    Sphinx uses for the numbers it computes (theorems, exercises: ``4.2.1``) and, shifted by
    the part level, for LaTeX's own figure and equation counters (reset per chapter). The
    numbers are computed with depth 1; the writer gets depth 2 back (:func:`_restore_depth`).
    """
    if app.builder.name == "latex" and app.config.numfig_secnum_depth == 2:
        app.config.numfig_secnum_depth = 1
        app.config.nndyn_latex_restore_depth = True


def _restore_depth(app, doctree, docname) -> None:
    """Depth 2 again for the LaTeX writer, once the numbers are assigned (they are, in
    ``env-get-updated``, before the write phase resolves the assembled doctree)."""
    if getattr(app.config, "nndyn_latex_restore_depth", False):
        app.config.numfig_secnum_depth = 2


def _exercise_refs_for_latex(app, doctree, docname) -> None:
    """LaTeX only: a reference to an exercise becomes a link to sphinx-exercise's label
    (``exercise:<label>``) with the number Sphinx computed."""
    if app.builder.name != "latex":
        return
    from docutils import nodes
    from sphinx import addnodes

    registry = getattr(app.env, "sphinx_exercise_registry", {})
    found = list(doctree.findall(addnodes.number_reference)) + list(doctree.findall(nodes.reference))
    for node in {id(n): n for n in found}.values():
        target = node.get("refid") or (node.get("refuri") or "").rpartition("#")[2]
        if target not in registry or node.parent is None or node not in node.parent.children:
            continue
        text = node.astext()
        latex = r"\hyperref[exercise:%s]{%s}" % (target, text.replace("\\", "").replace("{", "").replace("}", ""))
        node.replace_self(nodes.raw("", latex, format="latex"))


def setup(app) -> dict[str, Any]:
    app.add_config_value("nndyn_edition", {}, "env")
    app.add_config_value("nndyn_repository_url", "", "env")
    proof_chapter_latex.apply()  # scripts/sphinx_patches/: a statement's chapter in the LaTeX doctree
    app.add_directive("nndyn-book-bibtex", _bibtex_directive())
    app.add_role("repo-file", repo_file_role)
    app.connect("config-inited", _on_config_inited, priority=900)
    app.connect("html-page-context", _on_page_context, priority=502)
    app.connect("html-page-context", _add_interactive_assets)
    app.connect("html-page-context", _unique_ids_on_page)
    app.connect("build-finished", _on_build_finished)
    app.connect("doctree-read", _move_solutions)
    app.add_config_value("nndyn_latex_restore_depth", False, "")
    app.connect("builder-inited", _number_per_chapter, priority=900)
    app.connect("doctree-resolved", _restore_depth)
    app.connect("doctree-resolved", _exercise_refs_for_latex)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
