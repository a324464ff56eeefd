"""``jupyter-book`` with Sphinx's parallel reading: chapters execute two at a time.

Jupyter Book 1.x always calls Sphinx with one process (its command line has no
``--jobs``), so the notebooks of a cold build execute one after the other and one core
of a two-core machine sits idle. Every extension of the book is parallel-read safe
(myst-nb, sphinx-proof, sphinx-exercise, sphinxcontrib-bibtex, ...), so Sphinx can read,
and therefore execute, several pages at once; the execution cache (jupyter-cache) is the
same as in a serial build, so the outputs are the same.

Three changes to the defaults make the processes useful:

* ``jobs``: the number of processes (``NNDYN_BUILD_JOBS``, default: the number of
  cores, at most 2; 1 gives the serial build);
* threads: each chapter's kernel gets the cores divided by the number of processes of
  the default parallel build (:func:`kernel_threads`), also when ``NNDYN_BUILD_JOBS=1``,
  so that a serial build does the same arithmetic as a parallel one (a matrix product
  summed by two threads can round differently from one summed by one, and move a dot of
  a figure by a pixel);
* one page per task, slowest first: Sphinx would otherwise cut the sorted page list into
  a few large chunks (chapters 1-7 in one process, the rest in the other). With one page
  per task and the slow chapters first, each core takes the next page when it is free
  (longest-processing-time-first scheduling), so the slowest chapter is on exactly one
  core's critical path.

Usage: the arguments of ``jupyter-book`` (``python scripts/parallel_jb.py build ...``);
``scripts/build_book.py`` calls it.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

# Slowest first (measured execution times of the full and quick presets, see the book's
# execution report); pages not listed come after, in Sphinx's order.
SLOWEST_FIRST = (
    "book/04_gd_cannot_learn",
    "book/08_lazy_training_ntk",
    "book/05_cosine_landscape",
    "book/06_kernel_regime",
    "book/09_beyond_kernel",
    "book/01_classical_convergence",
    "book/07_nn_vs_random_features",
    "book/03_orthonormal_classes",
    "book/02_barron_hardness",
    "book/reproduce",
    "book/api",
)


def build_jobs() -> int:
    """Processes for Sphinx's parallel read: ``NNDYN_BUILD_JOBS`` or min(cores, 2)."""
    value = os.environ.get("NNDYN_BUILD_JOBS")
    if value:
        jobs = int(value)
        if jobs < 1:
            raise SystemExit(f"NNDYN_BUILD_JOBS must be an integer >= 1, got {value}")
        return jobs
    return max(1, min(os.cpu_count() or 1, 2))


def kernel_threads(jobs: int) -> int:
    """torch and BLAS threads for each chapter's kernel when ``jobs`` processes read pages.

    The cores divided by the larger of ``jobs`` and the default number of processes
    (:func:`build_jobs` without ``NNDYN_BUILD_JOBS``): two kernels with a thread per core
    each would fight over the cores (measured: twice the CPU time, slower), and a serial
    build (``jobs=1``) uses the threads of the default parallel one, so both give the same
    outputs. A thread count set by the caller wins (:func:`thread_environment`).
    """
    cores = os.cpu_count() or 1
    return max(1, cores // max(jobs, min(cores, 2)))


THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def thread_environment(jobs: int, environ: dict[str, str]) -> dict[str, str]:
    """The thread variables of :data:`THREAD_VARIABLES` for the kernels, given the caller's ``environ``.

    When the caller sets none, every one is :func:`kernel_threads`; when it sets some, the
    others take the first one set, in that order (with ``OMP_NUM_THREADS=2`` alone, torch
    built with MKL would otherwise read ``MKL_NUM_THREADS=1`` and use one thread).
    """
    given = next((environ[name] for name in THREAD_VARIABLES if environ.get(name)), None)
    share = given or str(kernel_threads(jobs))
    return {name: environ.get(name) or share for name in THREAD_VARIABLES}


def one_page_per_task(docnames, nproc, maxbatch=10):
    """Sphinx's ``make_chunks``, replaced: one page per task, the slowest pages first."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    ordered = sorted(docnames, key=lambda name: rank.get(name, len(rank)))
    return [[name] for name in ordered]


# Extensions of the book that do not declare whether they are parallel-safe, and are:
# sphinx_multitoc_numbering numbers sections after every page is read (in the main
# process); sphinx-mathjax-offline only sets ``mathjax_path`` when the configuration is
# read; sphinx_jupyterbook_latex adds node classes and per-page transforms, and keeps no
# state in the environment. Undeclared, any of them would make Sphinx fall back to a serial read (with a warning,
# an error under ``-W``).
UNDECLARED_BUT_SAFE = ("sphinx_multitoc_numbering", "sphinx-mathjax-offline", "sphinx_jupyterbook_latex")


def declare_parallel_safe() -> None:
    """Mark :data:`UNDECLARED_BUT_SAFE` as parallel-safe when Sphinx asks."""
    from sphinx.application import Sphinx

    original = Sphinx.is_parallel_allowed

    def is_parallel_allowed(self, typ: str) -> bool:
        for name in UNDECLARED_BUT_SAFE:
            extension = self.extensions.get(name)
            if extension is not None:
                if extension.parallel_read_safe is None:
                    extension.parallel_read_safe = True
                if extension.parallel_write_safe is None:
                    extension.parallel_write_safe = True
        return original(self, typ)

    Sphinx.is_parallel_allowed = is_parallel_allowed


def merge_proof_domain() -> None:
    """Give sphinx-proof's domain the ``merge_domaindata`` that parallel reading calls.

    sphinx-proof declares itself parallel-read safe and merges its list of statements in
    ``env-merge-info``, but its domain keeps no data of its own and does not implement
    ``merge_domaindata``, which Sphinx calls for every domain after a parallel read. There
    is nothing to merge, so the method does nothing.
    """
    from sphinx_proof.domain import ProofDomain

    if "merge_domaindata" not in ProofDomain.__dict__:
        ProofDomain.merge_domaindata = lambda self, docnames, otherdata: None


CACHE_LOCK_TIMEOUT_S = 300.0
"""How long a process waits for the execution cache's database when the other holds it."""


def patient_cache_database() -> None:
    """Let jupyter-cache's SQLite database be shared by the build's processes.

    With two processes reading pages, both write to the execution cache's database (one
    caches a notebook it executed while the other looks one up). SQLite lets one writer
    in at a time and by default gives up after 5 s ("database is locked", which
    jupyter-cache reports as "Unexpected error accessing jupyter cache"); on a loaded
    machine a process can hold the lock that long. Connections here wait up to
    :data:`CACHE_LOCK_TIMEOUT_S`, and the database of a cold build is created by one
    process while the other waits (a file lock). Applied before Sphinx forks its workers,
    so every process has it.
    """
    import jupyter_cache.cache.db as db

    if getattr(db.create_engine, "_nndyn_patient", False):
        return
    original = db.create_engine

    def create_engine(url, **kwargs):
        connect_args = {"timeout": CACHE_LOCK_TIMEOUT_S, **kwargs.pop("connect_args", {})}
        return original(url, connect_args=connect_args, **kwargs)

    create_engine._nndyn_patient = True
    db.create_engine = create_engine

    # In a cold build both processes may find no database and create its tables at once
    # ("table settings already exists"): one creates it while the other waits on a lock.
    original_create_db = db.create_db

    def create_db(path):
        import fcntl

        Path(path).mkdir(parents=True, exist_ok=True)
        with open(Path(path) / ".create-db.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return original_create_db(path)

    db.create_db = create_db
    import jupyter_cache.cache.main as cache_main

    if getattr(cache_main, "create_db", None) is original_create_db:
        cache_main.create_db = create_db


def main() -> None:
    import jupyter_book.sphinx
    import sphinx.builders

    declare_parallel_safe()
    merge_proof_domain()
    patient_cache_database()

    jobs = build_jobs()
    os.environ.update(thread_environment(jobs, os.environ))  # inherited by every kernel
    jupyter_book.sphinx.build_sphinx = functools.partial(jupyter_book.sphinx.build_sphinx, jobs=jobs)
    sphinx.builders.make_chunks = one_page_per_task
    from jupyter_book.cli.main import main as jupyter_book_main

    sys.argv = ["jupyter-book", *sys.argv[1:]]
    jupyter_book_main()


if __name__ == "__main__":
    main()
