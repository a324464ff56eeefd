"""One page per task, the slowest first, for Sphinx's parallel read (``sphinx.builders.make_chunks``).

Upstream limitation: Sphinx cuts the sorted list of pages into a few large chunks, one
per process ("use a queue for reading files in parallel", sphinx-doc/sphinx#6330, open;
sphinx-doc/sphinx#13738, open), so chapters 1-7 would execute in one process and the
rest in the other. With one page per task and the slow chapters first, each process
takes the next page when it is free (longest-processing-time-first scheduling), so the
slowest chapter is on exactly one process's critical path.

``tests/test_sphinx_patches.py`` fails when ``Builder._read_parallel`` stops calling
``make_chunks`` by that name or its signature changes.
"""

from __future__ import annotations

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
"""Slowest first (measured execution times of the full and quick presets, see the book's
execution report); pages not listed come after, in Sphinx's order."""


def one_page_per_task(docnames, nproc, maxbatch=10):
    """Sphinx's ``make_chunks``, replaced: one page per task, the slowest pages first."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    ordered = sorted(docnames, key=lambda name: rank.get(name, len(rank)))
    return [[name] for name in ordered]


def apply() -> None:
    """Make Sphinx's parallel read use :func:`one_page_per_task`."""
    import sphinx.builders

    sphinx.builders.make_chunks = one_page_per_task
