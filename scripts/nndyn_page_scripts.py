"""Every script of a page once: the repair of a Sphinx 7.4 bug that logged an error on every page.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``.

sphinx-thebe (loaded by Jupyter Book) adds an inline script,
``const THEBE_JS_URL = ...; const thebe_selector = ...``, with ``app.add_js_file(None,
body=...)`` once the builder exists (event ``env-before-read-docs``). Sphinx 7.4.7 then
holds it twice: ``Sphinx.add_js_file`` gives it to the builder as ``None`` and to the
registry, and ``StandaloneHTMLBuilder.prepare_writing`` adds the registry's scripts again
as ``''``, which does not compare equal to ``None``. Every page therefore declared
``THEBE_JS_URL`` twice, and the browser's console showed "Identifier 'THEBE_JS_URL' has
already been declared". This extension drops, from each page's ``script_files``, a script
equal to an earlier one but for ``None`` against ``''`` as its file name (same body, same
attributes, same priority).
"""

from __future__ import annotations

from typing import Any


def script_key(script: Any) -> tuple:
    """What makes two of Sphinx's ``_JavaScript`` entries the same script (``None`` = ``''``)."""
    filename = getattr(script, "filename", script)
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename or ""), getattr(script, "priority", None), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def unique_scripts(scripts: list) -> list:
    """``scripts`` without repeats (:func:`script_key`), in their order."""
    seen: set[tuple] = set()
    kept = []
    for script in scripts:
        key = script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    return kept


def _on_page_context(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        # in place: the list is the builder's, which restores it after the page
        scripts[:] = unique_scripts(list(scripts))


def setup(app) -> dict[str, Any]:
    app.connect("html-page-context", _on_page_context, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
