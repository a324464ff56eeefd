"""Give sphinx-proof's domain the ``merge_domaindata`` that a parallel read calls.

Upstream limitation: after a parallel read Sphinx calls ``merge_domaindata`` of every
domain, and the base class raises ``NotImplementedError: merge_domaindata must be
implemented in <class ...> to be able to do parallel builds!`` (the error of
sphinx-doc/sphinx#2130 for the C++ domain). sphinx-proof 0.4 declares itself
parallel-read safe and merges its list of statements in ``env-merge-info``, but its
``ProofDomain`` keeps no data of its own and does not implement the method (no upstream
issue found). There is nothing to merge, so the method added here does nothing.

Remove when ``ProofDomain`` defines ``merge_domaindata`` (``tests/test_sphinx_patches.py``
fails then).
"""

from __future__ import annotations


def apply() -> None:
    """Add a no-op ``ProofDomain.merge_domaindata`` if sphinx-proof has none."""
    from sphinx_proof.domain import ProofDomain

    if "merge_domaindata" not in ProofDomain.__dict__:
        ProofDomain.merge_domaindata = lambda self, docnames, otherdata: None
