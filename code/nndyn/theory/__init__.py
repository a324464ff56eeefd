"""The bounds of the book's theorems as functions of their inputs.

One module per part of the book; every function is re-exported here.
"""

from .classical import convex_gap_bound, descent_factor, nonconvex_gradient_bound, pl_gap_bound

__all__ = ["convex_gap_bound", "descent_factor", "nonconvex_gradient_bound", "pl_gap_bound"]
