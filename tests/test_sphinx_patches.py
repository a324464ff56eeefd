"""The build's patches of upstream code (scripts/sphinx_patches/), each checked against the
upstream behaviour it works around: a test here fails when that behaviour changes, so the
patch is looked at again (and removed when upstream no longer needs it)."""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
from pathlib import Path
from unittest import mock

import pytest
import sphinx_patches  # scripts/, on pytest's path (pyproject.toml)
from sphinx_patches import (cache_database, doctree_lookups, jupyter_book_jobs, page_chunks, parallel_safe,
                            proof_chapter_latex, proof_domain_merge)

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
PATCHED_PACKAGES = ("sphinx", "myst_nb", "myst_parser", "jupyter_book", "jupyter_cache", "sphinx_proof",
                    "sphinx_exercise", "sphinxcontrib", "pybtex", "docutils")


def source_hash(function) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- where the patches live


def test_each_patch_module_names_its_upstream_limitation_and_how_to_apply_it():
    modules = sorted(p.stem for p in (SCRIPTS / "sphinx_patches").glob("*.py") if p.stem != "__init__")
    assert modules == sorted(["cache_database", "doctree_lookups", "jupyter_book_jobs", "page_chunks",
                              "parallel_safe", "proof_chapter_latex", "proof_domain_merge"])
    for name in modules:
        module = importlib.import_module(f"sphinx_patches.{name}")
        assert "Upstream limitation" in module.__doc__, name
        assert "tests/test_sphinx_patches.py" in module.__doc__, name
        assert callable(getattr(module, "apply", None)) or name == "doctree_lookups", name
        assert f":mod:`.{name}`" in sphinx_patches.__doc__, f"list {name} in sphinx_patches/__init__.py"


def _upstream_names(tree: ast.Module) -> set[str]:
    """Names a module binds to upstream packages (or objects imported from them)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in PATCHED_PACKAGES:
                    names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in PATCHED_PACKAGES:
                names |= {alias.asname or alias.name for alias in node.names}
    return names


def test_no_build_script_outside_sphinx_patches_assigns_to_upstream_code():
    """Patches live in scripts/sphinx_patches/ only: no other script assigns to an attribute
    of a Sphinx, myst, jupyter-book, jupyter-cache, sphinx-proof, pybtex or docutils object
    it imported (``sphinx.builders.make_chunks = ...``, ``ProofDomain.merge_domaindata = ...``),
    nor calls ``setattr`` on one."""
    found = []
    for path in sorted(SCRIPTS.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        upstream = _upstream_names(tree)
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr" and node.args:
                targets = [ast.Attribute(value=node.args[0], attr="?")]
            for target in targets:
                root = target
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(target, ast.Attribute) and isinstance(root, ast.Name) and root.id in upstream:
                    found.append(f"{path.name}:{node.lineno}: {ast.unparse(target)}")
    assert not found, f"move these patches into scripts/sphinx_patches/: {found}"


def test_the_check_above_sees_a_patch():
    tree = ast.parse("import sphinx.builders\nfrom sphinx_proof.domain import ProofDomain\n"
                     "sphinx.builders.make_chunks = f\nProofDomain.merge_domaindata = g\n")
    assert _upstream_names(tree) == {"sphinx", "ProofDomain"}


# --------------------------------------------------------------------------- parallel_safe


@pytest.mark.parametrize("name", parallel_safe.UNDECLARED_BUT_SAFE)
def test_the_extensions_declared_parallel_safe_by_the_build_still_do_not_declare_it(name):
    """If one now says (either way), remove it from UNDECLARED_BUT_SAFE (or stop building in parallel)."""
    module = importlib.import_module(name)
    declared = module.setup(mock.MagicMock()) or {}
    assert "parallel_read_safe" not in declared and "parallel_write_safe" not in declared, (name, declared)


def test_sphinx_still_asks_is_parallel_allowed_and_the_patch_is_applied_once():
    from sphinx.application import Sphinx

    assert list(inspect.signature(Sphinx.is_parallel_allowed).parameters) == ["self", "typ"]
    parallel_safe.apply()
    patched = Sphinx.is_parallel_allowed
    parallel_safe.apply()
    assert Sphinx.is_parallel_allowed is patched and patched._nndyn_patch


# --------------------------------------------------------------------------- proof_domain_merge


def test_sphinx_proof_still_lacks_merge_domaindata_and_sphinx_still_requires_it():
    """If sphinx-proof gains one, remove proof_domain_merge."""
    from sphinx.domains import Domain
    from sphinx_proof.domain import ProofDomain

    assert "merge_domaindata" not in ProofDomain.__dict__, "sphinx-proof now merges its domain: remove sphinx_patches/proof_domain_merge.py"
    with pytest.raises(NotImplementedError, match="merge_domaindata must be implemented"):
        Domain.merge_domaindata(mock.MagicMock(), set(), {})


# --------------------------------------------------------------------------- page_chunks


def test_sphinx_still_cuts_pages_into_chunks_with_make_chunks():
    """Sphinx's parallel read must still call ``make_chunks`` by that name."""
    import sphinx.builders

    assert "make_chunks(" in inspect.getsource(sphinx.builders.Builder._read_parallel)
    assert list(inspect.signature(sphinx.builders.make_chunks).parameters)[:2] == ["arguments", "nproc"]
    # ... and Sphinx's own still makes chunks of several pages in the given order (the limitation)
    from sphinx.util.parallel import make_chunks

    chunks = make_chunks([f"p{i:02d}" for i in range(40)], 2)
    assert max(len(c) for c in chunks) > 1 and chunks[0][:2] == ["p00", "p01"]


def test_one_page_per_task_puts_the_slowest_chapters_first():
    docs = ["book/api", "book/01_classical_convergence", "book/index", "book/04_gd_cannot_learn"]
    assert page_chunks.one_page_per_task(docs, 2) == [["book/04_gd_cannot_learn"], ["book/01_classical_convergence"],
                                                      ["book/api"], ["book/index"]]


# --------------------------------------------------------------------------- jupyter_book_jobs


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # click's BaseCommand, in jupyter-book's CLI
def test_jupyter_book_still_has_no_jobs_option_but_build_sphinx_takes_jobs():
    import jupyter_book.sphinx
    from jupyter_book.cli.main import build

    options = {option for param in build.params for option in param.opts}
    assert "--jobs" not in options and "-j" not in options, "jupyter-book has --jobs now: use it, remove jupyter_book_jobs"
    build_sphinx = jupyter_book.sphinx.build_sphinx
    build_sphinx = getattr(build_sphinx, "func", build_sphinx)
    assert "jobs" in inspect.signature(build_sphinx).parameters


def test_the_jobs_patch_does_not_stack():
    import jupyter_book.sphinx

    original = jupyter_book.sphinx.build_sphinx
    try:
        jupyter_book_jobs.apply(2)
        jupyter_book_jobs.apply(3)
        patched = jupyter_book.sphinx.build_sphinx
        assert patched.keywords == {"jobs": 3} and not hasattr(patched.func, "func")
    finally:
        jupyter_book.sphinx.build_sphinx = original


# --------------------------------------------------------------------------- cache_database


def test_jupyter_cache_still_makes_its_engine_with_sqlites_default_timeout():
    """create_db opens the database without a timeout and creates the tables without a lock;
    jupyter_cache.cache.main imports it by name. A new source: check cache_database again."""
    import jupyter_cache.cache.db as db
    import jupyter_cache.cache.main as cache_main

    original = getattr(db.create_db, "__wrapped__", db.create_db)  # the patch keeps the original
    assert "timeout" not in inspect.getsource(original)
    assert source_hash(original) == "5e828997338a2e43", "jupyter_cache.cache.db.create_db changed: check sphinx_patches/cache_database.py"
    assert cache_main.create_db is db.create_db


# --------------------------------------------------------------------------- proof_chapter_latex


def test_sphinx_proof_still_finds_the_chapter_by_its_title():
    import sphinx_proof.nodes as proof_nodes

    original = getattr(proof_nodes.find_parent, "__wrapped__", proof_nodes.find_parent)
    assert source_hash(original) == "9b2fac245881c6c3", "sphinx_proof.nodes.find_parent changed: check sphinx_patches/proof_chapter_latex.py"
    proof_chapter_latex.apply()
    proof_chapter_latex.apply()
    assert proof_nodes.find_parent.__wrapped__ is original


# --------------------------------------------------------------------------- doctree_lookups


def test_sphinx_still_unpickles_a_doctree_on_every_get_doctree():
    from sphinx.environment import BuildEnvironment

    source = inspect.getsource(BuildEnvironment.get_doctree)
    assert "pickle.loads" in source, "get_doctree no longer unpickles per call: doctree_lookups may be unneeded"
    import pybtex.plugin

    assert list(inspect.signature(pybtex.plugin.find_plugin).parameters) == ["plugin_group", "name", "filename"]


def test_lookups_are_kept_in_the_block_and_restored_after():
    import pybtex.plugin

    calls = []

    class Env:
        def get_doctree(self, docname):
            calls.append(docname)
            return object()

    env, find_plugin = Env(), pybtex.plugin.find_plugin
    with doctree_lookups.lookups_kept(env):
        assert env.get_doctree("a") is env.get_doctree("a")
    assert calls == ["a"] and pybtex.plugin.find_plugin is find_plugin
    assert env.get_doctree("a") is not env.get_doctree("a")
