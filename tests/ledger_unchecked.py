"""Numbered statements that no test checks numerically, each with the reason in one line.

Read by the ledger (``scripts/ledger.py``, issue 25) with ``ast``: a literal dict from a
statement's label to its reason. A label is here only if no test declares
``@pytest.mark.checks`` for it (``tests/test_ledger.py`` fails on both at once), and a
statement with a cheap numerical check belongs in ``tests/test_statement_checks.py`` instead.
A reason names another statement as ``{prf:ref}`label```, which the page and the line under
the statement show as the reader sees it ("Lemma 2.2", a link); a raw label breaks the ledger's rules.
"""

UNCHECKED: dict[str, str] = {
    "thm-kalai-klivans": (
        "a hardness statement (efficient learnability would give polynomial-time quantum algorithms for "
        "lattice problems), a reduction between two problems that no finite computation can check"
    ),
    "thm-livni": (
        "a hardness statement conditional on the same lattice assumption; its constructive part, the network "
        "of an intersection of halfspaces and its path norm, is checked as {prf:ref}`lem-halfspace-network`"
    ),
    "thm-mean-field-global": (
        "a statement about the limit of the Wasserstein gradient flow as t tends to infinity, from the cited "
        "papers; no finite computation reaches either limit"
    ),
}
