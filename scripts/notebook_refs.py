"""What a page of the built book shows for its roles, for the chapter notebooks.

:class:`SphinxResolver` implements :class:`notebook_markdown.Resolver` with the environment of
a finished Sphinx build (``build-finished``): a role is run as Sphinx runs it while reading
the page (the same role object makes the same ``pending_xref``) and resolved by Sphinx's own
``ReferencesResolver``, so a notebook says "Theorem 4.1" or "(Shalev-Shwartz et al., 2017)"
exactly where the page does. Links point at the published site (:func:`site_url`), so that
they work from a downloaded notebook or Colab. Glued values are read from myst-nb's glue
files of the build (``<jupyter_execute>/<page>.glue.json``) and formatted as myst-nb does.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from notebook_markdown import split_title
from sphinx_patches.doctree_lookups import lookups_kept  # noqa: F401  (nndyn_book uses it with SphinxResolver)


def site_url(repository_url: str, environ: dict[str, str] | None = None) -> str | None:
    """The address of the published book, ending in ``/``: ``NNDYN_SITE_URL`` if set, else the
    GitHub Pages address of a GitHub repository (where ``.github/workflows/pages.yml``
    publishes it), else None (links are then left out)."""
    import os

    environ = os.environ if environ is None else environ
    if environ.get("NNDYN_SITE_URL"):
        return environ["NNDYN_SITE_URL"].rstrip("/") + "/"
    match = re.match(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", repository_url)
    if match is None:
        return None
    owner, repo = match.groups()
    if repo.lower() == f"{owner.lower()}.github.io":
        return f"https://{owner.lower()}.github.io/"
    return f"https://{owner.lower()}.github.io/{repo}/"


def to_markdown(node, page_url: str | None) -> str:
    """A resolved inline docutils node (text, literal, emphasis, reference) as Markdown."""
    from docutils import nodes

    if isinstance(node, nodes.Text):
        return re.sub(r"([*_])", r"\\\1", node.astext())
    inner = "".join(to_markdown(child, page_url) for child in node.children)
    if isinstance(node, nodes.literal):
        return f"`{node.astext()}`"
    if isinstance(node, nodes.math):
        return f"${node.astext()}$"
    if isinstance(node, nodes.emphasis):
        return f"*{inner}*"
    if isinstance(node, nodes.strong):
        return f"**{inner}**"
    if isinstance(node, nodes.reference) and page_url:
        uri = node.get("refuri") or ("#" + node["refid"] if node.get("refid") else "")
        if uri:
            return f"[{inner}]({urljoin(page_url, uri)})"
    return inner


class SphinxResolver:
    """Roles and glued values of the page ``docname`` as the built site shows them."""

    def __init__(self, app, docname: str, site: str | None):
        self.app = app
        self.env = app.env
        self.docname = docname
        self.page_url = urljoin(site, app.builder.get_target_uri(docname)) if site else None
        self._glue: dict | None = None
        self._resolved: dict[tuple[str, str], object] = {}

    # -- glued values
    def glue(self, key: str, fmt: str) -> str | None:
        from myst_nb.core.variables import format_plain_text

        if self._glue is None:
            from myst_nb.ext.glue.crossref import read_glue_cache

            self._glue = read_glue_cache(self.env.mystnb_config.output_folder, self.docname)
        output = self._glue.get(key)
        if output is None or "text/plain" not in output.get("data", {}):
            return None
        return format_plain_text(output["data"]["text/plain"], fmt or "s")

    # -- references
    def _role(self, name: str):
        from docutils.parsers.rst import roles

        if ":" in name:
            domain, _, role = name.partition(":")
            return self.env.get_domain(domain).role(role)
        std = self.env.get_domain("std").role(name)
        return std or roles._roles.get(name)

    def _resolve(self, name: str, content: str):
        """The nodes Sphinx puts in the page for ``{name}`content``` (None if it has no such role)."""
        if (name, content) not in self._resolved:
            self._resolved[name, content] = self._run_role(name, content)
        return self._resolved[name, content]

    def _run_role(self, name: str, content: str):
        from types import SimpleNamespace

        from docutils import nodes
        from docutils.utils import Reporter
        from sphinx.transforms import SphinxTransformer
        from sphinx.util.docutils import new_document

        role = self._role(name)
        if role is None:
            return None
        document = new_document(str(self.env.doc2path(self.docname)))
        document.settings.env = self.env
        document.reporter = Reporter(document["source"], Reporter.SEVERE_LEVEL, Reporter.SEVERE_LEVEL + 1)
        document.reporter.get_source_and_line = lambda lineno=None: (document["source"], lineno)
        inliner = SimpleNamespace(document=document, reporter=document.reporter)
        previous = self.env.temp_data.get("docname")
        self.env.temp_data["docname"] = self.docname
        try:
            created, _ = role(name, f"{{{name}}}`{content}`", content, 0, inliner, {}, [])
            paragraph = nodes.paragraph("", "", *created)
            document += paragraph
            # Sphinx's post-transforms (ReferencesResolver, then those of the extensions,
            # e.g. sphinx-exercise's numbers for a {ref} to an exercise), as for the page,
            # without the page's doctree-resolved event.
            transformer = SphinxTransformer(document)
            transformer.set_environment(self.env)
            transformer.add_transforms(self.app.registry.get_post_transforms())
            transformer.apply_transforms()
        finally:
            if previous is None:
                self.env.temp_data.pop("docname", None)
            else:
                self.env.temp_data["docname"] = previous
        return paragraph

    def xref(self, role: str, content: str) -> str:
        paragraph = self._resolve(role, content)
        if paragraph is None:
            raise ValueError(f"{self.docname}: unknown role {{{role}}} (in a chapter notebook)")
        return "".join(to_markdown(child, self.page_url) for child in paragraph.children)

    def title(self, role: str, content: str) -> str | None:
        paragraph = self._resolve(role, content)
        text = paragraph.astext().strip() if paragraph is not None else ""
        return text if text and text != split_title(content)[1] else None
