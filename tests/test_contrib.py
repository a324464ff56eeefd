"""The contributor's tools: one chapter built alone (make chapter), and the upstream behaviour
its warning filter relies on (the build's patches of upstream code: tests/test_sphinx_patches.py)."""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import chapter_build  # scripts/, on the path through tests/conftest.py
import pytest

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- make chapter


def test_make_chapter_passes_the_chapter_and_the_preset_to_the_script():
    proc = subprocess.run(["make", "-n", "chapter", "CH=02", "PRESET=quick"], cwd=ROOT, capture_output=True, text=True)
    assert "scripts/chapter_build.py 02 --preset quick" in proc.stdout
    proc = subprocess.run(["make", "-s", "chapter"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "NNDYN_PRESET": "quick"})
    assert proc.returncode != 0 and "CH=NN" in proc.stdout


@pytest.mark.parametrize("given", ["02", "2", "02_barron_hardness", "book/02_barron_hardness.md"])
def test_a_chapter_is_named_by_its_number_or_its_file(given):
    assert chapter_build.resolve_chapter(given) == "book/02_barron_hardness"


def test_an_unknown_chapter_is_refused_with_the_list_of_chapters():
    with pytest.raises(SystemExit, match="chapters: 01, 02"):
        chapter_build.resolve_chapter("42")


def test_a_chapter_executes_with_the_chapters_whose_figures_it_cites():
    """Chapter 5 cites chapter 4's figures (fig-parity-sgd): chapter 4 executes too."""
    assert chapter_build.pages_to_execute("book/05_cosine_landscape")[:2] == ["book/05_cosine_landscape", "book/04_gd_cannot_learn"]
    assert chapter_build.pages_to_execute("book/02_barron_hardness") == ["book/02_barron_hardness"]


@pytest.mark.book
def test_one_chapter_builds_alone_with_no_warning_and_prints_its_page(tmp_path):
    """``make chapter CH=02`` (the script it runs), quick preset, into a folder of its own
    with an execution cache of its own: exit 0, no warning, the page's path printed."""
    env = {**os.environ, "NNDYN_PRESET": "quick"}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "chapter_build.py"), "02", "--out", str(tmp_path / "out"),
         "--cache-of", str(tmp_path / "cache")],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=1200,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert "WARNING" not in output and "build succeeded." in output, output[-4000:]
    page = Path(re.search(r"The chapter \(quick preset\) is at: (\S+)", output).group(1))
    assert page == tmp_path / "out" / "_build" / "html" / "book" / "02_barron_hardness.html" and page.exists()
    html = page.read_text()
    assert "Fig. 2.1" in html and "{glue" not in html  # the book's numbering; its numbers glued


def _logger_with_sphinx_handlers(warningiserror: bool = False):
    """Sphinx's own logging set-up (sphinx.util.logging.setup) for a minimal application."""
    from sphinx.util import logging as sphinx_logging

    app = SimpleNamespace(verbosity=0, warningiserror=warningiserror, keep_going=True, _warncount=0,
                          config=SimpleNamespace(suppress_warnings=[], show_warning_types=False), messagelog=[])
    app.env = SimpleNamespace(doc2path=lambda docname: f"{docname}.md")
    sphinx_logging.setup(app, io.StringIO(), io.StringIO())
    return app, sphinx_logging.getLogger("nndyn-test")


def test_sphinx_still_counts_and_raises_warnings_in_the_one_handler_the_chapter_filter_precedes(tmp_path):
    """Upstream behaviour that scripts/chapter_build.py relies on (see OtherPagesFilter): one
    WarningStreamHandler, whose filters count each warning (keep-going's exit status) and
    raise it under -W; a filter placed first that returns False stops both."""
    app, logger = _logger_with_sphinx_handlers()
    handler = chapter_build.warning_handler()
    names = [type(f).__name__ for f in handler.filters]
    assert names.index("WarningSuppressor") < names.index("WarningIsErrorFilter"), names
    handler.filters.insert(0, chapter_build.OtherPagesFilter("book/02_barron_hardness", tmp_path))
    logger.warning("from another page", location=("book/03_orthonormal_classes", 3))
    logger.warning("from another file", location=f"{tmp_path}/book/errata/ch03.md:4")
    assert app._warncount == 0
    logger.warning("from the chapter", location=("book/02_barron_hardness", 5))
    logger.warning("from the chapter's file", location=f"{tmp_path}/book/02_barron_hardness.md:9")
    logger.warning("without a location")
    assert app._warncount == 3
    assert len(handler.filters[0].dropped) == 2
    app, logger = _logger_with_sphinx_handlers(warningiserror=True)
    from sphinx.errors import SphinxWarning

    with pytest.raises(SphinxWarning):
        logger.warning("under -W a warning raises")


# The build's patches of upstream code (parallel read, domain merge, ...) live in
# scripts/sphinx_patches/ and are checked against upstream by tests/test_sphinx_patches.py.


def test_no_sys_path_surgery_ties_tests_scripts_and_benchmarks_together():
    """scripts/ and benchmarks/ are on pytest's path (pyproject.toml), a script's own folder is
    on its path, and what both need (MALLOC_ENV) comes from the installed package."""
    import ast

    found = []
    for folder in ("tests", "scripts", "benchmarks", "code"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in ("insert", "append", "extend")
                        and ast.unparse(node.func.value) == "sys.path"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found
