"""Find a statement's chapter in the LaTeX doctree by its section's ``docname`` (``sphinx_proof.nodes.find_parent``).

Upstream limitation: sphinx-proof 0.4 finds a statement's chapter in the assembled LaTeX
doctree by matching the chapter's title against its section names, which fails for a
chapter whose heading carries a label: the statement then prints without its number or
label (no upstream issue found). In the assembled doctree sphinx-jupyterbook-latex marks
every section with the ``docname`` of its chapter: the nearest one is used, and
sphinx-proof's own search otherwise.

``tests/test_sphinx_patches.py`` fails when ``find_parent``'s source changes (look
again: upstream may have fixed it).
"""

from __future__ import annotations


def apply() -> None:
    """Replace ``sphinx_proof.nodes.find_parent`` (idempotent: the original is kept as ``__wrapped__``)."""
    import sphinx_proof.nodes as proof_nodes
    from docutils import nodes
    from sphinx import addnodes

    original = getattr(proof_nodes.find_parent, "__wrapped__", proof_nodes.find_parent)

    def find_parent(env, node, parent_tag):
        parent = node.parent
        while parent is not None:
            if isinstance(parent, addnodes.start_of_file) or (
                    isinstance(parent, nodes.section) and parent.get("docname")):
                return parent["docname"]
            parent = parent.parent
        return original(env, node, parent_tag)

    find_parent.__wrapped__ = original
    proof_nodes.find_parent = find_parent
