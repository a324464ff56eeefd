"""Within a block, keep what resolving references looks up again and again
(``env.get_doctree`` and ``pybtex.plugin.find_plugin``).

Upstream limitation: Sphinx 7.4's ``BuildEnvironment.get_doctree`` unpickles the page's
doctree on every call (it keeps only the pickled bytes), and a ``{numref}`` reads its
target's doctree; pybtex's ``find_plugin`` scans the installed packages' entry points on
every call, once per ``{cite}``. Resolving the references of every notebook
(``scripts/notebook_refs.py``) cost about 0.2 s and 0.1 s a reference on the 2-core
machine, 20 s of the quick build's notebooks. Both results are only read, so keeping
them for the block changes nothing else.

``tests/test_sphinx_patches.py`` fails when ``get_doctree`` stops unpickling per call
(then the patch is no longer needed) or ``find_plugin`` changes its signature.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache


@contextmanager
def lookups_kept(env):
    """Within the block, ``env.get_doctree`` keeps each page's doctree and pybtex's
    ``find_plugin`` its plugins; both are restored afterwards."""
    import pybtex.plugin

    cache: dict[str, object] = {}
    original = env.get_doctree
    find_plugin = pybtex.plugin.find_plugin

    def get_doctree(docname: str):
        if docname not in cache:
            cache[docname] = original(docname)
        return cache[docname]

    env.get_doctree = get_doctree
    pybtex.plugin.find_plugin = lru_cache(maxsize=None)(find_plugin)
    try:
        yield
    finally:
        del env.get_doctree  # the class's method again
        pybtex.plugin.find_plugin = find_plugin
