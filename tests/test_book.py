"""Build tests: the whole book in the quick preset, its HTML, and a planted failure."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import build_book  # scripts/, on the path through tests/conftest.py
import parallel_jb
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.book
PDF_NAME = build_book.PDF_NAME


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part["chapters"]]
    return files


def executed_chapters() -> list[str]:
    """The numbered chapters: executed notebooks that each make at least one figure."""
    return [f for f in toc_files() if Path(f).name[:2].isdigit() and "jupytext" in (ROOT / f"{f}.md").read_text()[:200]]


def test_every_toc_page_is_built(built_book):
    for f in toc_files():
        assert (built_book / f"{f}.html").exists(), f


@pytest.mark.parametrize("chapter", executed_chapters())
def test_chapter_html_has_figures_and_no_error_output(built_book, chapter):
    html = (built_book / f"{chapter}.html").read_text()
    tags = re.findall(r"<img[^>]+_images/[^>]+>", html)
    assert tags, f"{chapter} has no figure"
    for tag in tags:
        src = re.search(r'src="([^"]+)"', tag).group(1)
        assert (built_book / Path(chapter).parent / src).resolve().exists(), src
        assert re.search(r'alt="[^"]{10,}"', tag), f"figure without alt text in {chapter}: {tag[:120]}"
    # stderr, warnings and tracebacks are rendered with these classes
    for css in ("output stderr", "output traceback", "output error"):
        assert css not in html, (chapter, css)
    outputs = " ".join(re.findall(r'<div class="cell_output[^"]*">(.*?)</div>', html, flags=re.S))
    for marker in ("Traceback", "Warning", "it/s]", "GPU available", "LeafSpec", "Lightning"):
        assert marker not in outputs, (chapter, marker)
    assert "{glue" not in html, "an unresolved glue reference"


def test_no_page_shows_a_path_of_the_machine_that_built_it(built_book):
    """The site is published: no absolute path of the build (the API page once showed a
    default argument as ``PosixPath('/home/.../benchmarks/...')``)."""
    leaks = [str(page.relative_to(built_book)) for page in built_book.rglob("*.html") if str(ROOT) in page.read_text()]
    assert not leaks, f"{ROOT} appears in {leaks}"


def test_no_cdn_in_built_html(built_book):
    for page in built_book.rglob("*.html"):
        text = page.read_text()
        for host in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "polyfill.io", "fonts.googleapis.com"):
            assert host not in text, (page, host)
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").exists()


def test_a_failing_cell_fails_the_build(tmp_path):
    """Plant a cell that raises in a copy of the book: the build must fail."""
    src = tmp_path / "book_copy"
    src.mkdir()
    for name in ("_config.yml",):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "book", src / "book", ignore=shutil.ignore_patterns("_build"))
    shutil.copytree(ROOT / "scripts", src / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    (src / "book" / "broken.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
        "  display_name: Python 3\n  language: python\n  name: python3\n---\n\n# Broken\n\n"
        "```{code-cell} ipython3\nraise RuntimeError('planted failure')\n```\n"
    )
    (src / "_toc.yml").write_text("format: jb-book\nroot: book/broken\n")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(src), "--all", "-W"], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "planted failure" in proc.stdout + proc.stderr


def test_make_pdf_builds_the_html_then_the_pdf_from_its_cache(tmp_path, monkeypatch):
    """``make pdf`` (``--pdf``): the HTML build first, then the PDF from that build's cache.
    (The suite's own PDF is made by ``--_pdf-from-cache`` in the background, tests/conftest.py.)"""
    calls = []
    monkeypatch.setattr(build_book, "missing_tex", lambda: [])
    monkeypatch.setattr(build_book, "build", lambda preset, out, source=ROOT, **kw: calls.append(("html", preset, out)))
    monkeypatch.setattr(build_book, "pdf_from_cache", lambda preset, out, source=ROOT: calls.append(("pdf", preset, out)) or out / "book.pdf")
    build_book.main(["--preset", "quick", "--out", str(tmp_path), "--pdf"])
    assert calls == [("html", "quick", tmp_path.resolve()), ("pdf", "quick", tmp_path.resolve())]


def test_the_pdf_is_made_only_from_a_current_html_build(tmp_path, monkeypatch):
    monkeypatch.setattr(build_book, "missing_tex", lambda: [])
    with pytest.raises(SystemExit, match="build the HTML first"):
        build_book.pdf_from_cache("quick", tmp_path)
    (tmp_path / "_build" / "html").mkdir(parents=True)
    (tmp_path / "_build" / "html" / "index.html").write_text("<html></html>")
    (tmp_path / "_build" / ".last-successful-build").write_text(f"{build_book.inputs_hash()} full\n")  # another preset
    with pytest.raises(SystemExit, match="build the HTML first"):
        build_book.pdf_from_cache("quick", tmp_path)


def test_build_script_detects_code_changes(tmp_path):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "a.py").write_text("x = 1\n")
    (tmp_path / "requirements.txt").write_text("numpy\n")
    before = build_book.code_hash(tmp_path)
    assert build_book.code_hash(tmp_path) == before
    (tmp_path / "code" / "a.py").write_text("x = 2\n")
    assert build_book.code_hash(tmp_path) != before


def test_every_internal_link_resolves(built_book):
    """Every relative link of every page points to an existing file and, with a #fragment, to an existing id."""
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            ids[path] = set(re.findall(r'id="([^"]+)"', path.read_text()))
        return ids[path]

    broken = []
    for page in built_book.rglob("*.html"):
        if "_static" in page.parts:
            continue
        for href in re.findall(r'<a [^>]*href="([^"]+)"', page.read_text()):
            if re.match(r"^[a-z]+:", href) or href.startswith("//"):
                continue  # external (repository, launch buttons) or mailto
            target, _, fragment = href.partition("#")
            if target.endswith("/" + PDF_NAME) or target == PDF_NAME:
                continue  # the PDF is built by make pdf (in the suite, after the HTML); tests/test_pdf.py checks these links
            target_path = (page.parent / target).resolve() if target else page
            target_path = target_path.with_suffix("") if target_path.suffix == "" and target_path.is_dir() else target_path
            if not target_path.exists():
                broken.append(f"{page.relative_to(built_book)} -> {href}")
            elif fragment and target_path.suffix == ".html" and fragment not in ids_of(target_path):
                broken.append(f"{page.relative_to(built_book)} -> {href} (no such id)")
    assert not broken, "\n".join(broken[:30])


def test_reproduce_page_tables_are_html_tables(built_book):
    """The experiment and preset tables are generated Markdown; they must arrive as tables,
    one row per experiment, not as paragraphs of pipes."""
    from nndyn.experiments import registry

    html = (built_book / "book" / "reproduce.html").read_text()
    assert html.count("<table") >= 2
    rows = re.findall(r"<tr", html)
    assert len(rows) >= 2 * len(registry())
    assert "|---|" not in html and "|—|" not in html


def page_text(path: Path) -> str:
    """A page's text: tags removed, entities decoded, whitespace collapsed."""
    import html as html_lib

    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", path.read_text())))


def test_execution_report_lists_every_chapter(built_book):
    """The report is made at build time from myst-nb's execution statistics."""
    html = (built_book / "book" / "execution_report.html").read_text()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html[html.index("<table"):html.index("</table>")], flags=re.S)
    cells = {}
    for row in rows:
        texts = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        if texts:
            cells[texts[0]] = texts
    for chapter in executed_chapters():
        assert chapter in cells, f"{chapter} is not in the execution report"
        assert float(cells[chapter][3]) > 0 and cells[chapter][4] == "✅", cells[chapter]


def test_every_page_names_the_edition_and_the_cite_page_has_bibtex(built_book):
    import nndyn

    for page in ("book/intro.html", "book/01_classical_convergence.html", "book/cite.html"):
        assert f"edition {nndyn.__version__}" in (built_book / page).read_text().lower(), page
    cite = page_text(built_book / "book" / "cite.html")
    assert "@book { nndyn_book" in cite or "@book{nndyn_book" in cite.replace(" ", ""), cite[:500]
    compact = cite.replace(" ", "")
    assert f"edition={{{nndyn.__version__}}}" in compact
    assert "@misc{wu2021training" in compact and "{Wu,Lei}" in compact and "year={2021}" in compact


def test_interactive_figure_data_stay_under_two_megabytes_a_page(built_book):
    """Issue 14: at most about 2 MB of figure data (JSON and fallback PNG) per page."""
    from nndyn.interactive import FIGURE_CLASS, MAX_BYTES

    found = 0
    for page in built_book.rglob("*.html"):
        text = page.read_text()
        sizes = [len(m.group(0)) for m in re.finditer(rf'<div class="{FIGURE_CLASS}">.*?</script></div>', text, flags=re.S)]
        found += len(sizes)
        assert sum(sizes) <= MAX_BYTES, f"{page.name}: {sum(sizes)} bytes of interactive figures"
    assert found >= 4, f"only {found} interactive figures in the site"


SERIAL_CHAPTER = "book/08_lazy_training_ntk"
"""Executed again, alone and with one process, to compare with the parallel build (issue 15).
Chapter 8 computes tangent kernels, sums over the width whose last bits depend on how many
threads add them up (in the full preset a serial build with two threads moved a dot of its
figure by a pixel; the quick preset's widths did not show it, so the threads themselves are
checked by :func:`test_a_serial_build_gives_its_kernels_the_threads_of_a_parallel_one`)."""

THREAD_VARIABLES = parallel_jb.THREAD_VARIABLES
PROBE_PAGE = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
---
# Probe

```{code-cell} ipython3
import json, os, torch
names = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
with open(os.environ["NNDYN_THREAD_PROBE"], "w") as out:
    json.dump({"torch": torch.get_num_threads(), **{n: os.environ.get(n) for n in names}}, out)
```
"""


def test_thread_variables_set_by_the_caller_win_and_fill_the_others():
    unset = parallel_jb.thread_environment(1, {})
    assert set(unset.values()) == {str(parallel_jb.kernel_threads(1))}
    only_omp = parallel_jb.thread_environment(2, {"OMP_NUM_THREADS": "3"})
    assert only_omp == dict.fromkeys(THREAD_VARIABLES, "3")  # MKL's too: torch with MKL reads it
    mixed = parallel_jb.thread_environment(2, {"MKL_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": "2"})
    assert mixed == {"OMP_NUM_THREADS": "4", "MKL_NUM_THREADS": "4", "OPENBLAS_NUM_THREADS": "2"}


def test_a_serial_build_gives_its_kernels_the_threads_of_a_parallel_one(tmp_path):
    """A page built with ``NNDYN_BUILD_JOBS=1`` and with the default number of processes: its
    kernel runs torch with the threads of the default parallel build both times (the
    caller's environment sets no thread count, as ``make book``'s does not). Sphinx reads a
    book this small in its main process, so the second build checks the environment that
    ``parallel_jb.main`` sets for every process; the forked readers of a larger book inherit it."""
    source = tmp_path / "book"
    source.mkdir()
    (source / "_config.yml").write_text("title: probe\nexecute:\n  execute_notebooks: force\n")
    (source / "_toc.yml").write_text("format: jb-book\nroot: probe\n")
    (source / "probe.md").write_text(PROBE_PAGE)
    cores = os.cpu_count() or 1
    expected = max(1, cores // min(cores, 2))  # the cores shared by the default build's processes
    base = {k: v for k, v in os.environ.items() if k not in (*THREAD_VARIABLES, "NNDYN_BUILD_JOBS")}
    for jobs in ("1", None):
        probe = tmp_path / f"threads-{jobs}.json"
        env = {**base, "NNDYN_THREAD_PROBE": str(probe), **({"NNDYN_BUILD_JOBS": jobs} if jobs else {})}
        proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "parallel_jb.py"), "build", str(source), "--all"],
                              cwd=tmp_path, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        seen = json.loads(probe.read_text())
        assert seen == {"torch": expected, **dict.fromkeys(THREAD_VARIABLES, str(expected))}, (jobs, seen)


def test_a_chapter_executes_to_the_same_outputs_with_one_process_as_in_the_parallel_build(built_book, tmp_path):
    """The quick book executes its chapters two at a time (scripts/parallel_jb.py); one chapter
    built alone with one process (NNDYN_BUILD_JOBS=1, the serial path) gives the same glued
    values, texts and images, timings aside. ``make bench-book`` compares every chapter of
    the full preset the same way."""
    from book_build import executed_outputs  # benchmarks/, on the path through pyproject.toml

    toc = tmp_path / "toc.yml"
    toc.write_text(f"format: jb-book\nroot: {SERIAL_CHAPTER}\n")
    # without the test worker's one-thread setting, as the background build runs: the script
    # chooses the kernels' threads (scripts/parallel_jb.py, kernel_threads)
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env = {**build_book.MALLOC_ENV, **env, "NNDYN_PRESET": "quick", "NNDYN_BUILD_JOBS": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "parallel_jb.py"), "build", str(ROOT), "--toc", str(toc),
                           "--path-output", str(tmp_path / "out")], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    name = Path(SERIAL_CHAPTER).name + ".md"
    serial = executed_outputs(tmp_path / "out" / "_build")
    parallel = executed_outputs(built_book.parent)  # _build/quick/_build, with .jupyter_cache
    assert name in serial and name in parallel, (sorted(serial), sorted(parallel))
    assert len(serial[name]) >= 10
    differing = [a[0] for a, b in zip(serial[name], parallel[name]) if a != b]
    assert serial[name] == parallel[name], f"outputs differ: {differing[:10]}"


def test_back_matter_in_a_readers_order():
    """Errata, bibliography and notation come before the API reference, the one chapter of the
    last part, "Appendix" (the PDF letters it as an appendix: scripts/nndyn_latex.py)."""
    files = toc_files()
    order = [files.index(f"book/{name}") for name in ("errata", "bibliography", "notation", "api")]
    assert order == sorted(order), dict(zip(("errata", "bibliography", "notation", "api"), order))
    last = yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"][-1]
    assert last["caption"] == "Appendix" and last["chapters"] == [{"file": "book/api"}], last


def test_every_page_declares_each_inline_script_once(built_book):
    """Sphinx 7.4.7 wrote sphinx-thebe's inline script (``const THEBE_JS_URL = ...``) twice on
    every page, and the browser logged "Identifier 'THEBE_JS_URL' has already been declared";
    scripts/nndyn_page_scripts.py keeps one."""
    twice = [str(page.relative_to(built_book)) for page in built_book.rglob("*.html")
             if "_static" not in page.parts and page.read_text().count("const THEBE_JS_URL") > 1]
    assert not twice, twice


def test_unique_scripts_treats_no_file_name_and_an_empty_one_alike():
    from sphinx.builders.html._assets import _JavaScript

    import nndyn_page_scripts

    body = "const THEBE_JS_URL = 'x'"
    scripts = [_JavaScript("a.js"), _JavaScript(None, body=body), _JavaScript("a.js", defer="defer"),
               _JavaScript("", body=body), _JavaScript("", body="other")]
    kept = nndyn_page_scripts.unique_scripts(scripts)
    assert kept == [scripts[0], scripts[1], scripts[2], scripts[4]]


def test_no_page_has_an_id_twice(built_book):
    """sphinx-proof and sphinx-exercise gave every proof, exercise and solution of a chapter the
    same ids ("proof", "proof-content", "exercise-content", "solution-content": up to twelve
    elements with one id on a page); scripts/nndyn_book.py's ``unique_ids`` numbers them."""
    twice = {}
    for page in built_book.rglob("*.html"):
        if "_static" in page.parts:
            continue
        ids = re.findall(r'\sid="([^"]+)"', page.read_text())
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            twice[str(page.relative_to(built_book))] = repeated
    assert not twice, twice


def test_unique_ids_numbers_only_the_ids_that_repeat():
    import nndyn_book

    body = '<div id="proof"><p id="eq-1">x</p></div><div id="proof"></div><span  id="solo"></span><div id="proof">'
    assert nndyn_book.unique_ids(body) == (
        '<div id="proof-1"><p id="eq-1">x</p></div><div id="proof-2"></div><span  id="solo"></span><div id="proof-3">')
