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

The patches of Sphinx, jupyter-book and jupyter-cache this needs live in
``scripts/sphinx_patches/``, one module each with the upstream limitation it works around
(:func:`apply_patches`).

Usage: the arguments of ``jupyter-book`` (``python scripts/parallel_jb.py build ...``);
``scripts/build_book.py`` calls it.
"""

from __future__ import annotations

import os
import sys

from sphinx_patches import cache_database, jupyter_book_jobs, page_chunks, parallel_safe, proof_domain_merge
from sphinx_patches.page_chunks import SLOWEST_FIRST, one_page_per_task  # noqa: F401  (the order of the pages)
from sphinx_patches.parallel_safe import UNDECLARED_BUT_SAFE  # noqa: F401


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


def apply_patches(jobs: int) -> None:
    """The patches of upstream code a parallel build needs (``scripts/sphinx_patches/``,
    each with the upstream limitation it works around)."""
    parallel_safe.apply()
    proof_domain_merge.apply()
    cache_database.apply()
    jupyter_book_jobs.apply(jobs)
    page_chunks.apply()


def main() -> None:
    jobs = build_jobs()
    os.environ.update(thread_environment(jobs, os.environ))  # inherited by every kernel
    apply_patches(jobs)
    from jupyter_book.cli.main import main as jupyter_book_main

    sys.argv = ["jupyter-book", *sys.argv[1:]]
    jupyter_book_main()


if __name__ == "__main__":
    main()
