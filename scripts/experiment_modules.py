"""Sphinx extension: the directive ``experiment-modules`` lists every experiment module.

The API page (``book/api.md``) writes

````markdown
```{experiment-modules}
```
````

and gets one ``.. automodule:: nndyn.experiments.NAME`` per experiment (inside an
``eval-rst`` block on a MyST page), in chapter order,
from :func:`nndyn.experiments.catalog.catalog` (which reads each module's ``TITLE`` and
``CHAPTER`` from its source): a new experiment module needs no line on the API page.

An incremental build re-reads the page when the set of experiments changes
(``env-get-outdated``), and when any experiment module's file changes (the files are the
page's dependencies, so their docstrings on the page are never old).
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

import nndyn.experiments.catalog as catalog_module
from nndyn.experiments.catalog import catalog

ENV_KEY = "nndyn_experiment_modules"
"""Attribute of the build environment: docname -> the experiment names it listed."""


def automodule_lines(names: list[str] | None = None) -> list[str]:
    """The reStructuredText the directive expands to: one ``automodule`` per experiment."""
    names = list(catalog()) if names is None else names
    return [f".. automodule:: nndyn.experiments.{name}" for name in names]


class ExperimentModules(SphinxDirective):
    """``experiment-modules``: the ``automodule`` of every experiment, in chapter order."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        names = list(catalog())
        listed = getattr(self.env, ENV_KEY, {})
        listed[self.env.docname] = names
        setattr(self.env, ENV_KEY, listed)
        folder = Path(catalog_module.__file__).resolve().parent
        for name in names:
            self.env.note_dependency(str(folder / f"{name}.py"))
        lines = automodule_lines(names)
        if type(self.state).__module__.startswith("myst_parser"):  # a MyST page parses its content as Markdown
            lines = ["```{eval-rst}", *lines, "```"]
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(lines, source="<experiment-modules>"), container)
        return container.children


def _outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Pages whose list of experiments is not the current one (an experiment was added or removed)."""
    names = list(catalog())
    return [doc for doc, listed in getattr(env, ENV_KEY, {}).items() if listed != names and doc in env.found_docs]


def _purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, ENV_KEY, {}).pop(docname, None)


def _merge(app: Sphinx, env, docnames, other) -> None:
    listed = getattr(env, ENV_KEY, {})
    listed.update({doc: names for doc, names in getattr(other, ENV_KEY, {}).items() if doc in docnames})
    setattr(env, ENV_KEY, listed)


def setup(app: Sphinx) -> dict:
    app.add_directive("experiment-modules", ExperimentModules)
    app.connect("env-get-outdated", _outdated)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
