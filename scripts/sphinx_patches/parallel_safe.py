"""Declare three extensions parallel-safe that do not say (``Sphinx.is_parallel_allowed``).

Upstream limitation: an extension whose ``setup`` returns no ``parallel_read_safe`` is
assumed unsafe, and Sphinx then reads serially with a warning (an error under ``-W``):
"the sphinx_multitoc_numbering extension does not declare if it is safe for parallel
reading" (executablebooks/sphinx-multitoc-numbering#27, open). The three below keep no
per-page state that a parallel read would lose: sphinx_multitoc_numbering numbers
sections after every page is read (in the main process); sphinx-mathjax-offline only
sets ``mathjax_path`` when the configuration is read; sphinx_jupyterbook_latex adds node
classes and per-page transforms and keeps nothing in the environment.

Remove a name from :data:`UNDECLARED_BUT_SAFE` when its extension declares either way
(``tests/test_sphinx_patches.py`` fails then).
"""

from __future__ import annotations

UNDECLARED_BUT_SAFE = ("sphinx_multitoc_numbering", "sphinx-mathjax-offline", "sphinx_jupyterbook_latex")
"""Extensions of the book that do not declare whether they are parallel-safe, and are."""


def apply() -> None:
    """Mark :data:`UNDECLARED_BUT_SAFE` as parallel-safe when Sphinx asks (idempotent)."""
    from sphinx.application import Sphinx

    if getattr(Sphinx.is_parallel_allowed, "_nndyn_patch", False):
        return
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

    is_parallel_allowed._nndyn_patch = True
    Sphinx.is_parallel_allowed = is_parallel_allowed
