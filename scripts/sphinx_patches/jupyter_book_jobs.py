"""Pass Sphinx's number of processes through jupyter-book (``jupyter_book.sphinx.build_sphinx``).

Upstream limitation: jupyter-book 1.x's command line has no ``--jobs`` and calls
``build_sphinx`` with its default of one process, although ``build_sphinx`` takes a
``jobs`` argument ("Support for executing notebooks in parallel during JupyterBook
Build", jupyter-book/jupyter-book#1735, open; the pull request that added ``--jobs``,
jupyter-book/jupyter-book#1955, was closed unmerged).

``tests/test_sphinx_patches.py`` fails when ``build_sphinx`` loses its ``jobs`` argument
or the command line gains a ``--jobs`` option (then use it instead).
"""

from __future__ import annotations

import functools


def apply(jobs: int) -> None:
    """Make every ``build_sphinx`` call of jupyter-book use ``jobs`` processes."""
    import jupyter_book.sphinx

    build_sphinx = jupyter_book.sphinx.build_sphinx
    if isinstance(build_sphinx, functools.partial):
        build_sphinx = build_sphinx.func
    jupyter_book.sphinx.build_sphinx = functools.partial(build_sphinx, jobs=jobs)
