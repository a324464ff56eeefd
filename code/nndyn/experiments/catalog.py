"""The experiments of the book by name: chapter, title and whether they run on several devices.

A static table, so that ``python -m nndyn list`` and ``--help`` answer without importing
torch (which takes seconds). ``tests/test_cli.py`` checks that it matches
:func:`nndyn.experiments.registry`; a new experiment module adds its line here.
"""

from __future__ import annotations

CATALOG: dict[str, tuple[int, str, bool]] = {
    'classical_bounds': (1, 'Gradient descent against the classical convergence bounds', False),
    'halfspace_network': (2, 'A ReLU network that computes an intersection of halfspaces', False),
    'cosine_family': (3, 'The cosine family: exponentially many orthonormal functions', False),
    'gradient_variance': (3, 'Gradient variance over the parities: the gradient barely depends on the target', False),
    'parity_network': (3, 'Parity functions as two-layer ReLU networks', False),
    'parity_full_init': (4, 'The full parity from a Gaussian and from a +-1 first layer', True),
    'parity_population_gd': (4, 'Gradient descent on every parity stays at its initialisation (Theorem 8)', False),
    'parity_random_subsets': (4, "Online SGD on parities of random subsets (the theorem's class, sampled)", True),
    'parity_sgd': (4, "Online SGD on the parity problem (the notes' Figure 1)", True),
    'cosine_gd_starts': (5, 'Gradient descent on the sine neuron from a grid of starts', False),
    'cosine_gradient_information': (5, 'The target information in the gradient of a sine neuron', False),
    'cosine_landscape': (5, 'The landscape of a sine neuron: population vs empirical risk', False),
    'kernel_regime_training': (6, 'Gradient descent in the kernel regime: risk, parameter movement and kernel drift', False),
    'kernel_spectrum': (6, 'The ReLU kernel matrix: smallest eigenvalue and Monte-Carlo estimate', False),
    'nn_rfm_dynamics': (7, "Network and random feature model along gradient descent (the notes' Figure 2)", False),
    'nn_vs_rfm': (7, "Network against random feature model: the uniform gap of the notes' Theorem 13", False),
    'path_norm': (7, "Path-norm regularisation against plain gradient descent (the notes' Figure 3)", False),
    'lazy_dynamics': (8, 'Kernel change, parameter movement and distance to the linearised model against width', False),
    'ntk_convergence': (8, 'The empirical NTK converges to the analytic NTK at rate width^(-1/2)', False),
    'output_scale': (8, 'Scaling the output by alpha: movement and feature change fall like 1/alpha', False),
    'mean_field_vs_ntk': (9, 'Mean-field against NTK scaling: movement, feature learning and test risk', False),
}
"""``name -> (CHAPTER, TITLE, DISTRIBUTED)`` of every experiment module, in chapter order."""
