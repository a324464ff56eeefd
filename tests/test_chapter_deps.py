"""Which chapters a package edit re-executes (scripts/chapter_deps.py, used by scripts/build_book.py)."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import chapter_deps  # scripts/, on the path through tests/conftest.py
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS_6_7 = ["book/06_kernel_regime", "book/07_nn_vs_random_features"]


def test_an_edit_of_a_module_used_only_by_chapters_6_and_7_re_executes_exactly_those():
    """nndyn.spectral is imported by chapters 6 and 7 and by one experiment (eigenvalue_scan,
    which the reproduce page imports through registry()): only those three re-run."""
    assert chapter_deps.dependents(ROOT / "code" / "nndyn" / "spectral.py") == [*CHAPTERS_6_7, "book/reproduce"]
    # an experiment module: its chapter and the reproduce page
    assert chapter_deps.dependents(ROOT / "code" / "nndyn" / "experiments" / "kernel_regime_training.py") == [
        "book/06_kernel_regime", "book/reproduce"]


def test_an_edit_of_a_shared_module_or_the_requirements_re_executes_every_chapter_that_uses_it():
    every_page = sorted(chapter_deps.notebook_pages())
    assert chapter_deps.dependents(ROOT / "requirements.txt") == every_page
    # nndyn.seeding is under every experiment: every page that runs one re-executes
    seeding = chapter_deps.dependents(ROOT / "code" / "nndyn" / "seeding.py")
    assert set(CHAPTERS_6_7) < set(seeding) and "book/reproduce" in seeding


def test_the_reproduce_page_depends_on_every_experiment_through_registry():
    """``registry()`` imports every experiment module dynamically: the page that calls it
    (through nndyn.reproduce) depends on all of them, a chapter that does not call it on none
    but its own."""
    package = chapter_deps.Package()
    experiments = {m for m in package.under("nndyn.experiments.")}
    reproduce = chapter_deps.chapter_modules(ROOT / "book" / "reproduce.md", package)
    assert experiments <= reproduce
    chapter6 = chapter_deps.chapter_modules(ROOT / "book" / "06_kernel_regime.md", package)
    assert "nndyn.experiments.parity_sgd" not in chapter6


def test_the_functions_that_import_dynamically_are_the_known_ones():
    """A dynamic import inside a function counts where the function's name is used; a
    function reached only through ``getattr`` with a computed name would be missed. If this
    fails, check that the new function is called by name (or make its import static)."""
    package = chapter_deps.Package()
    found = {(name, function) for name in package.files for function in package.info(name).dynamic}
    assert found == {("nndyn.cli", "_module"), ("nndyn.experiments.base", "registry")}
    assert all(chapter_deps.EVERYTHING not in t for n in package.files for t in package.info(n).dynamic.values())


def analyse(code: str, module: str = "nndyn.pkg.mod", is_package: bool = False):
    return chapter_deps.analyse(ast.parse(textwrap.dedent(code)), module, is_package)


def test_imports_inside_functions_relative_imports_and_lazy_names_are_followed(tmp_path):
    pkg = tmp_path / "code" / "nndyn"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from ._lazy import lazy_names\n_WHERE = {'train': 'trainer'}\n"
                                     "__getattr__, __dir__ = lazy_names(__name__, _WHERE, globals())\n")
    (pkg / "_lazy.py").write_text("import importlib\ndef lazy_names(p, w, g):\n    importlib.import_module(p)\n")
    (pkg / "trainer.py").write_text("def train():\n    from .sub import heavy\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "heavy.py").write_text("X = 1\n")
    (pkg / "unused.py").write_text("Y = 2\n")
    (pkg / "dyn.py").write_text("import importlib\ndef load(name):\n    return importlib.import_module(name)\n")
    package = chapter_deps.Package(tmp_path)
    reached = package.closure(set(analyse("from nndyn import train", "").static))
    assert reached == {"nndyn", "nndyn._lazy", "nndyn.trainer", "nndyn.sub", "nndyn.sub.heavy"}
    # a package bound as a module object: every lazy name of it may be used
    bound = analyse("import nndyn", "")
    assert "nndyn.trainer" in package.closure(set(bound.static), bound.bound_packages)
    # an unresolvable dynamic import, reached (the function is called): every module
    code = analyse("from nndyn import dyn\ndyn.load('x')", "")
    assert chapter_deps.EVERYTHING in package.closure(set(code.static), code.bound_packages, code.mentions)
    # ... not called: only what is imported
    code = analyse("from nndyn import dyn", "")
    assert package.closure(set(code.static), code.bound_packages, code.mentions) == {"nndyn", "nndyn._lazy", "nndyn.dyn"}


def test_a_new_timing_re_executes_only_the_reproduce_page():
    """The timings are package data that nndyn.reproduce names: ``time_experiments.py --only
    NAME`` rewrites them and only the reproduce page (which shows them) re-executes."""
    assert chapter_deps.dependents(ROOT / "code" / "nndyn" / "experiment_times.json") == ["book/reproduce"]


def test_package_data_that_no_module_names_is_in_every_closure(tmp_path):
    pkg = tmp_path / "code" / "nndyn"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "reader.py").write_text("NAME = 'table.json'\n")
    (pkg / "other.py").write_text("X = 1\n")
    (pkg / "table.json").write_text("{}")
    (pkg / "anonymous.csv").write_text("1\n")
    package = chapter_deps.Package(tmp_path)
    assert package.data_for({"nndyn", "nndyn.reader"}) == {pkg / "table.json", pkg / "anonymous.csv"}
    assert package.data_for({"nndyn", "nndyn.other"}) == {pkg / "anonymous.csv"}


def test_a_chapter_whose_code_does_not_parse_depends_on_everything(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("---\nkernelspec:\n  name: python3\n---\n\n```{code-cell} ipython3\nfrom nndyn import (\n```\n")
    assert chapter_deps.EVERYTHING in chapter_deps.chapter_modules(page)


def test_the_static_closure_contains_every_module_that_importing_a_chapter_loads():
    """Soundness at import time: run each chapter's import statements in one process
    (nndyn's modules forgotten between chapters) and compare sys.modules with the closure."""
    package = chapter_deps.Package()
    plans = {}
    for doc, path in chapter_deps.notebook_pages().items():
        tree = ast.parse(chapter_deps.chapter_code(path))
        imports = [ast.unparse(node) for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
        plans[doc] = ["import myst_nb" if "myst_nb" in line else line for line in imports if "nndyn" in line]
    script = textwrap.dedent("""
        import json, sys
        import torch, numpy, matplotlib
        plans = json.loads(sys.argv[1])
        out = {}
        for doc, lines in plans.items():
            for name in [m for m in sys.modules if m == "nndyn" or m.startswith("nndyn.")]:
                del sys.modules[name]
            for line in lines:
                exec(line, {})
            out[doc] = sorted(m for m in sys.modules if m == "nndyn" or m.startswith("nndyn."))
        print(json.dumps(out))
    """)
    proc = subprocess.run([sys.executable, "-c", script, json.dumps(plans)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    for doc, modules in loaded.items():
        missing = set(modules) - chapter_deps.chapter_modules(ROOT / f"{doc}.md", package)
        assert not missing, f"{doc} loads {sorted(missing)}, which the static closure misses"


@pytest.fixture
def book_copy(tmp_path):
    """The package sources, the chapters and the requirements, copied (nothing else is read)."""
    src = tmp_path / "src"
    shutil.copytree(ROOT / "code", src / "code", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / "book", src / "book", ignore=shutil.ignore_patterns("_build"))
    shutil.copy(ROOT / "requirements.txt", src / "requirements.txt")
    return src


def _fill_cache(cache_path: Path, source: Path) -> None:
    """One cached execution per executable page, as myst-nb records it (uri = the page's path)."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(cache_path)
    for doc, path in chapter_deps.notebook_pages(source).items():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(f"print({doc!r})", execution_count=1)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        cache.cache_notebook_bundle(CacheBundleIn(nb, str(path)), check_validity=False)


def _cached_pages(cache_path: Path) -> list[str]:
    from jupyter_cache import get_cache

    return sorted(Path(r.uri).stem for r in get_cache(cache_path).list_cache_records())


def test_the_build_forgets_exactly_the_executions_of_the_chapters_an_edit_reaches(book_copy, tmp_path):
    """The cache of a built book; an edit of nndyn.spectral; the build's invalidation step
    removes the cached outputs of chapters 6 and 7 and of the reproduce page (spectral is under
    the experiment eigenvalue_scan) and keeps the others."""
    cache, stamp = tmp_path / "cache", tmp_path / ".chapter-deps.json"
    assert chapter_deps.invalidate(cache, stamp, book_copy, "quick") == sorted(chapter_deps.notebook_pages(book_copy))
    _fill_cache(cache, book_copy)
    every = _cached_pages(cache)
    assert chapter_deps.invalidate(cache, stamp, book_copy, "quick") == []  # nothing changed
    spectral = book_copy / "code" / "nndyn" / "spectral.py"
    spectral.write_text(spectral.read_text() + "\n# an edit\n")
    assert chapter_deps.invalidate(cache, stamp, book_copy, "quick") == [*CHAPTERS_6_7, "book/reproduce"]
    assert _cached_pages(cache) == sorted(set(every) - {"06_kernel_regime", "07_nn_vs_random_features", "reproduce"})
    # another preset: every chapter
    assert chapter_deps.invalidate(cache, stamp, book_copy, "full") == sorted(chapter_deps.notebook_pages(book_copy))
    assert _cached_pages(cache) == []
