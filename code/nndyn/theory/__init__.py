"""The bounds of the book's theorems as functions of their inputs.

One module per part of the book:

* :mod:`nndyn.theory.classical`: the notes' Theorems 1-3 (chapter 1);
* :mod:`nndyn.theory.hardness`: path norms of the constructions and the notes' Theorem 7 (chapters 2-3);
* :mod:`nndyn.theory.gd_hardness`: the notes' Theorem 8 and Corollary 9 (chapter 4);
* :mod:`nndyn.theory.kernel_regime`: the notes' Lemma 11, Theorem 10, Lemma 12 and Theorem 13 (chapters 6-7).

The functions of the first two are re-exported here; the others are used through their
module, whose names say which statement they belong to.
"""

from . import classical, gd_hardness, hardness, kernel_regime
from .classical import convex_gap_bound, descent_factor, nonconvex_gradient_bound, pl_gap_bound
from .hardness import (
    gradient_variance_bound,
    halfspace_path_norm,
    halfspace_path_norm_bound,
    notes_halfspace_path_norm,
    parity_path_norm,
)

__all__ = [
    "classical",
    "convex_gap_bound",
    "descent_factor",
    "gd_hardness",
    "gradient_variance_bound",
    "halfspace_path_norm",
    "halfspace_path_norm_bound",
    "hardness",
    "kernel_regime",
    "nonconvex_gradient_bound",
    "notes_halfspace_path_norm",
    "parity_path_norm",
    "pl_gap_bound",
]
