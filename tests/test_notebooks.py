"""Chapter notebooks: generated for every executable page, and runnable outside the book.

The notebooks are written by ``scripts/nndyn_book.py`` into ``<site>/notebooks``. The slow
test runs one of them with nbclient in a fresh virtual environment that has only ``nndyn``
(installed from this repository with its declared dependencies) and ``ipykernel``: no
myst-nb, no jupytext, no book toolchain, no ``code/`` on the path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
import nndyn_book  # noqa: E402

CHAPTER = "book/02_barron_hardness"
"""The chapter run in the fresh environment: one of the quickest in the quick preset."""
VENV = ROOT / "_build" / "notebook-venv"
"""The fresh environment, kept between local runs while pyproject.toml and requirements.txt are unchanged."""


def notebook_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
    return [f for f in files if "kernelspec:" in (ROOT / f"{f}.md").read_text()[:400]]


def config_repository() -> str:
    return yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]


def test_install_spec_and_repository_setting():
    url = config_repository()
    assert nndyn_book.repository_url(url, environ={}) == url
    assert nndyn_book.repository_url(url, environ={"NNDYN_REPOSITORY_URL": "https://github.com/a/b/"}) == "https://github.com/a/b"
    assert nndyn_book.install_spec("https://github.com/a/b") == "nndyn @ git+https://github.com/a/b"
    assert nndyn_book.install_spec("https://github.com/a/b", "v1.0.0") == "nndyn @ git+https://github.com/a/b@v1.0.0"


def test_edition_label():
    version = nndyn_book.read_version()
    import nndyn

    assert version == nndyn.__version__
    assert nndyn_book.edition(version, {"NNDYN_EDITION": f"v{version}"})["ref"] == f"v{version}"
    assert nndyn_book.edition(version, {"NNDYN_EDITION": f"v{version}"})["label"].startswith(f"Edition {version}")
    assert nndyn_book.edition(version, {})["label"].startswith(f"Development build after edition {version}")
    with pytest.raises(ValueError, match="NNDYN_EDITION"):
        nndyn_book.edition(version, {"NNDYN_EDITION": "v99.0.0"})


@pytest.mark.parametrize("page", notebook_pages())
def test_student_notebook_needs_only_nndyn(page):
    spec = nndyn_book.install_spec(config_repository())
    nb = nndyn_book.student_notebook(ROOT / f"{page}.md", spec=spec, preset="quick")
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["setup"]
    assert spec in code[0].source and 'find_spec("nndyn") is None' in code[0].source
    for cell in code[1:]:
        assert "myst_nb" not in cell.source and "jupytext" not in cell.source, cell.source[:200]
        assert not cell.get("outputs")
    # the set-up cell is valid Python and defines the stand-in for glue
    namespace: dict = {}
    exec(compile(code[0].source.replace("subprocess.check_call", "print"), "setup", "exec"), namespace)
    namespace["glue"]("x", 1, display=False)
    # the same page gives the same file: a download does not change from one build to the next
    again = nndyn_book.student_notebook(ROOT / f"{page}.md", spec=spec, preset="quick")
    assert nbformat.writes(again) == nbformat.writes(nb)
    ids = [cell["id"] for cell in nb.cells]
    assert len(set(ids)) == len(ids)


@pytest.mark.book
def test_built_site_has_a_notebook_per_executable_page(built_book):
    for page in notebook_pages():
        path = built_book / nndyn_book.NOTEBOOKS_DIR / (Path(page).name + ".ipynb")
        assert path.exists(), path
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[1].metadata.get("tags") == ["setup"]
        html = (built_book / f"{page}.html").read_text()
        assert f"notebooks/{path.name}" in html, f"{page}: no download link to its notebook"


def _requirement(name: str) -> str:
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if re.match(rf"{name}\s*==", line):
            return line.strip()
    raise AssertionError(f"{name} is not pinned in requirements.txt")


def _package_copy() -> Path:
    """A copy of what ``pip install .`` needs, so the build leaves nothing in the checkout."""
    import shutil
    import tempfile

    target = Path(tempfile.mkdtemp(prefix="nndyn-src-"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "code", target / "code", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return target


def _installer(python: Path) -> tuple[list[str], list[str]]:
    """The commands that make a virtual environment and install into it: uv's when the test
    environment has uv (``make venv`` installs it; it installs torch from its cache in
    seconds), else venv and pip. A local wheel folder of pip's (``PIP_FIND_LINKS``) is
    passed to uv too."""
    uv = Path(sys.executable).with_name("uv")
    if uv.exists():
        links = os.environ.get("PIP_FIND_LINKS")
        return ([str(uv), "venv", "--quiet", "--python", sys.executable, str(VENV)],
                [str(uv), "pip", "install", "--quiet", "--python", str(python), *(["--find-links", links] if links else [])])
    return ([sys.executable, "-m", "venv", "--clear", str(VENV)],
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"])


def _fresh_env() -> Path:
    """A virtual environment with only nndyn (from this checkout) and ipykernel/nbclient."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + (ROOT / "requirements.txt").read_bytes()).hexdigest()
    stamp = VENV / ".inputs"
    python = VENV / "bin" / "python"
    make_venv, install = _installer(python)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    source = str(_package_copy())
    if os.environ.get("CI") == "true" or not stamp.exists() or stamp.read_text() != digest:
        if VENV.exists():
            import shutil

            shutil.rmtree(VENV)
        subprocess.run(make_venv, check=True, env=env)
        # torch first, pinned: an unpinned torch would pull a CUDA build (see the Makefile).
        subprocess.run([*install, _requirement("torch")], check=True, env=env)
        subprocess.run([*install, "-c", str(ROOT / "requirements.txt"), "ipykernel", "nbclient", source], check=True, env=env)
        stamp.write_text(digest)
    else:  # the environment is current: reinstall only this checkout of nndyn
        subprocess.run([*install, "--no-deps", "--reinstall" if "uv" in install[0] else "--force-reinstall", source], check=True, env=env)
    return python


RUNNER = r"""
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, sys.argv[1])
"""


@pytest.mark.book
def test_a_chapter_notebook_runs_in_a_fresh_environment(tmp_path):
    start = time.perf_counter()
    python = _fresh_env()
    setup_s = time.perf_counter() - start
    uv = Path(sys.executable).with_name("uv")
    lister = [str(uv), "pip", "list", "--python", str(python)] if uv.exists() else [str(python), "-m", "pip", "list"]
    listing = subprocess.run([*lister, "--format=json"], capture_output=True, text=True, check=True)
    installed = {p["name"].lower() for p in json.loads(listing.stdout)}
    assert "nndyn" in installed and not installed & {"myst-nb", "jupytext", "jupyter-book", "sphinx"}, installed

    nb = nndyn_book.student_notebook(ROOT / f"{CHAPTER}.md", spec=nndyn_book.install_spec(config_repository()), preset="quick")
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NNDYN_PRESET", "VIRTUAL_ENV")}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    start = time.perf_counter()
    proc = subprocess.run([str(python), "-c", RUNNER, str(path), str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True)
    run_s = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-6000:]
    executed = nbformat.read(path, as_version=4)
    setup = executed.cells[1]
    assert not setup.outputs, f"the set-up cell printed something (did it install nndyn?): {setup.outputs}"
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert any(o.get("data", {}).get("image/png") for c in executed.cells if c.cell_type == "code" for o in c.outputs), "no figure"
    print(f"fresh environment ready in {setup_s:.0f} s; {CHAPTER} executed in {run_s:.0f} s")


# ---------------------------------------------------------------- Markdown that reads like the page

import notebook_markdown as nbmd  # noqa: E402


class FakeResolver:
    """What a built page shows, for a made-up page."""

    numbers = {("prf:ref", "thm-a"): "Theorem 4.1", ("numref", "ex-a"): "Exercise 4.2",
               ("numref", "fig-a"): "Fig. 4.3", ("eq", "eq-a"): "(4.4)"}

    def glue(self, key, fmt):
        return {"n": format(12.5, fmt) if fmt != "s" else "12.5"}.get(key)

    def xref(self, role, content):
        title, target = nbmd.split_title(content)
        return f"[{title or self.numbers.get((role, target), target)}](https://site/p.html#{target})"

    def title(self, role, content):
        return self.numbers.get((role, content))


PAGE = """(sec-a)=
## A section

% a comment
By {prf:ref}`thm-a` and {eq}`eq-a` ({cite}`k1,k2`), $n={glue:text}`n:.0f`$ is not glued but
{glue:text}`n` is, and {glue:text}`n:.2f` too; {math}`x^2` and a {ref}`link <sec-a>`.

````{prf:theorem} Title with $x$
:label: thm-a

Body with {numref}`fig-a`.

```{math}
:label: eq-a
x = 1
```
````

```{prf:proof}
Because.
```

````{exercise} Try it
:label: ex-a

Do it.
````

````{solution} ex-a
:class: dropdown

```python
print("{glue:text}`n` stays code")
```
````

```{note}
Careful.
```
"""


def test_markdown_reads_like_the_page():
    md = nbmd.to_jupyter(PAGE, FakeResolver(), nbmd.exercise_titles(PAGE))
    assert nbmd.exercise_titles(PAGE) == {"ex-a": "Try it"}
    assert not nbmd.raw_myst(md.replace('print("{glue:text}`n` stays code")', "")), md
    assert "(sec-a)=" not in md and "a comment" not in md
    assert "[Theorem 4.1](https://site/p.html#thm-a)" in md and "[(4.4)](https://site/p.html#eq-a)" in md
    assert f'<span title="{nbmd.GLUED_TITLE}">12.5</span> is' in md and ">12.50</span> too" in md
    assert "$x^2$" in md and "[link](https://site/p.html#sec-a)" in md
    assert "**Theorem 4.1 (Title with $x$).**\n\nBody with [Fig. 4.3](https://site/p.html#fig-a)." in md
    assert "$$\nx = 1\n\\tag{4.4}\n$$" in md
    assert "*Proof.*\n\nBecause. ∎" in md
    assert "**Exercise 4.2 (Try it).**\n\nDo it." in md
    assert "<details>\n<summary><b>Solution to Exercise 4.2 (Try it)</b></summary>\n\n```python\n" in md and md.count("</details>") == 1
    assert 'print("{glue:text}`n` stays code")' in md, "code blocks are left as they are"
    assert "**Note.**\n\nCareful." in md


def test_markdown_refuses_an_unknown_directive():
    with pytest.raises(ValueError, match="no rendering"):
        nbmd.to_jupyter("```{glue:figure} x\n```\n", FakeResolver())


def metadata_texts(value) -> list[str]:
    """Every string in a cell's metadata (a figure's caption and alt text, ...), recursively."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in metadata_texts(item)]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in metadata_texts(item)]
    return []


def raw_myst_in_metadata(nb) -> list[str]:
    """The raw MyST in the metadata of the cells of ``nb`` (captions of figures: myst-nb and
    metadata editors show them; they must read as the Markdown cells do)."""
    return [piece for cell in nb.cells for text in metadata_texts(cell.get("metadata", {}))
            for piece in nbmd.raw_myst(text)]


def test_raw_myst_in_cell_metadata_is_found():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("plot()", metadata={
        "mystnb": {"figure": {"caption": "As in {numref}`fig-x`, $n$ = {glue:text}`n:.0f`.", "name": "fig-y"}}})])
    assert raw_myst_in_metadata(nb) == ["{numref}`", "{glue:text}`"]


@pytest.mark.parametrize("page", notebook_pages())
def test_student_notebook_has_no_raw_myst(page):
    """Without a build (no numbers, no glued values) no cell shows MyST that Jupyter leaves raw,
    neither in its Markdown nor in its metadata (a figure's caption)."""
    nb = nndyn_book.student_notebook(ROOT / f"{page}.md", spec="nndyn", preset="quick")
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert not nbmd.raw_myst(cell.source), (nbmd.raw_myst(cell.source), cell.source[:300])
    assert not raw_myst_in_metadata(nb), raw_myst_in_metadata(nb)[:5]


def _site_values(html: str) -> list[str]:
    """The glued values of a built page, in order."""
    import html as html_lib

    return [html_lib.unescape(v) for v in re.findall(r'<span class="pasted-text">(.*?)</span>', html, flags=re.S)]


@pytest.mark.book
def test_built_notebooks_read_like_the_pages(built_book):
    """The built notebooks: no raw MyST, the glued values of the page (the same values, in the
    same order), a numbered heading for every statement and exercise, and links to anchors
    that the site has."""
    import html as html_lib

    import notebook_refs

    site = notebook_refs.site_url(nndyn_book.repository_url(config_repository()))
    assert site, "the repository URL gives no address of the published site"
    glued = re.compile(rf'<span title="{re.escape(nbmd.GLUED_TITLE)}">(.*?)</span>', flags=re.S)
    total = 0
    for page in notebook_pages():
        nb = nbformat.read(built_book / nndyn_book.NOTEBOOKS_DIR / (Path(page).name + ".ipynb"), as_version=4)
        markdown = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert not nbmd.raw_myst(markdown), f"{page}: {nbmd.raw_myst(markdown)[:5]}"
        assert not raw_myst_in_metadata(nb), f"{page}: in cell metadata {raw_myst_in_metadata(nb)[:5]}"
        html = (built_book / f"{page}.html").read_text()
        values = [html_lib.unescape(v) for v in glued.findall(markdown)]
        assert values == _site_values(html), f"{page}: the notebook's glued values differ from the page's"
        total += len(values)
        source = (ROOT / f"{page}.md").read_text()
        statements = re.findall(r"^`{3,}\{(prf:(?!proof)\w+|exercise)\}", source, flags=re.M)
        headings = re.findall(r"^\*\*(?:[A-Z][a-z]+) \d+\.\d+[ .(]", markdown, flags=re.M)
        assert len(headings) == len(statements), (page, len(headings), len(statements))
        figures = [f.strip() for f in re.findall(r'<span class="caption-number">(Fig\. [\d.]+)', html)]
        assert re.findall(r"^\*\*(Fig\. [\d.]+)\.\*\*", markdown, flags=re.M) == figures, f"{page}: captions"
        for url in re.findall(r"\]\((https?://[^)\s]+)\)", markdown):
            if not url.startswith(site):
                continue
            path, _, anchor = url[len(site):].partition("#")
            target = built_book / path
            assert target.is_file(), f"{page}: link to a page the site does not have: {url}"
            if anchor:
                assert f'id="{anchor}"' in target.read_text(), f"{page}: link to an anchor the page does not have: {url}"
    assert total >= 100, f"only {total} glued values in the notebooks"


def test_links_point_at_the_published_site():
    import notebook_refs

    assert notebook_refs.site_url("https://github.com/Org/book-repo", environ={}) == "https://org.github.io/book-repo/"
    assert notebook_refs.site_url("https://github.com/org/org.github.io", environ={}) == "https://org.github.io/"
    assert notebook_refs.site_url("https://gitlab.com/a/b", environ={}) is None
    assert notebook_refs.site_url("https://github.com/a/b", environ={"NNDYN_SITE_URL": "https://x.org/book"}) == "https://x.org/book/"


def test_site_only_and_pdf_only_text():
    """``[...]{.html-only}`` keeps its text in a notebook (read on a screen, like the site);
    ``[...]{.latex-only}`` (the PDF's wording) is dropped; nested brackets and roles survive."""
    src = "[Move the [slider] over $L$:]{.html-only}[Printed: one row.]{.latex-only} Then {math}`x`."
    md = nbmd.to_jupyter(src, FakeResolver())
    assert md == "Move the [slider] over $L$: Then $x$.", md
    assert nbmd.raw_myst("a [b]{.latex-only}") == ["]{.latex-only}"]
    with pytest.raises(ValueError, match="unbalanced"):
        nbmd.site_text("no opening]{.html-only}")


def test_footnotes_become_numbered_notes_at_the_end_of_the_cell():
    """Jupyter's Markdown has no footnotes: ``[^name]`` and ``[^name]: ...`` would show raw. The
    references become superscript numbers in order of use, the definitions (with their indented
    continuation lines) numbered notes at the end of the cell; the roles inside them resolve."""
    src = ("First claim.[^b] Second claim.[^a] Again.[^b]\n\n[^a]: Note a, on\n    two lines.\n"
           "[^b]: Note b with {math}`x`.\n\nMore text.")
    md = nbmd.to_jupyter(src, FakeResolver())
    assert md.startswith("First claim.<sup>1</sup> Second claim.<sup>2</sup> Again.<sup>1</sup>\n\nMore text."), md
    assert md.endswith("<sup>1</sup> Note b with $x$.\n\n<sup>2</sup> Note a, on two lines."), md
    assert nbmd.raw_myst(md) == []
    assert nbmd.raw_myst("a claim.[^x]") == ["[^x]"]
    notes: list = []  # a whole notebook: one numbering, the notes collected for its end
    first = nbmd.to_jupyter("A.[^a]\n\n[^a]: Note a.", FakeResolver(), notes=notes)
    second = nbmd.to_jupyter("B.[^b] A again.[^a]\n\n[^b]: Note b.\n[^a]: Note a.", FakeResolver(), notes=notes)
    assert (first, second) == ("A.<sup>1</sup>", "B.<sup>2</sup> A again.<sup>1</sup>"), (first, second)
    assert nbmd.footnote_list(notes) == "<sup>1</sup> Note a.\n\n<sup>2</sup> Note b."
