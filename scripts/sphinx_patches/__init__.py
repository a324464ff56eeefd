"""The build's patches of upstream code (Sphinx, jupyter-book, jupyter-cache, sphinx-proof,
pybtex), one module each.

Every module says which upstream limitation it works around (with the upstream issue
when there is one) and has an ``apply()`` (or, for a patch that lasts one block, a
context manager); ``tests/test_sphinx_patches.py`` fails when the upstream behaviour the
patch relies on or works around changes (a signature, a source hash, a minimal
reproduction), so that each patch is looked at again, and removed when upstream no
longer needs it. No other build script assigns to an attribute of those packages
(the same test checks).

==============================  =========================================================
module                          what it patches
==============================  =========================================================
:mod:`.parallel_safe`           ``Sphinx.is_parallel_allowed``: three extensions that do
                                not declare parallel safety are declared safe
:mod:`.proof_domain_merge`      ``sphinx_proof.domain.ProofDomain.merge_domaindata``
:mod:`.page_chunks`             ``sphinx.builders.make_chunks``: one page per task, slowest first
:mod:`.jupyter_book_jobs`       ``jupyter_book.sphinx.build_sphinx``: Sphinx's ``jobs``
:mod:`.cache_database`          ``jupyter_cache.cache.db``: SQLite shared by two processes
:mod:`.proof_chapter_latex`     ``sphinx_proof.nodes.find_parent``: a statement's chapter in LaTeX
:mod:`.doctree_lookups`         ``env.get_doctree`` and ``pybtex.plugin.find_plugin``, kept
                                for one block (the notebooks' references)
==============================  =========================================================
"""
