"""Chapter 6 and its errata page keep one meaning per local letter (issue 24, notation audit c).

Each case names a token sequence that once gave a letter of chapter 6 a second meaning (or wrote the
differential with the italic d of the dimension); none may come back. The math is read as
tests/test_notation.py reads it: displays, inline math, roles and captions, not the Python cells.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_notation import math_spans, tokens

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"chapter 6": ROOT / "book" / "06_kernel_regime.md", "errata ch06": ROOT / "book" / "errata" / "ch06.md"}

# (what the old notation was, the tokens it wrote, what the chapter writes now)
GONE = [
    ("Hoeffding's deviation s", ["m", "s", "^", "2"], r"2m\tau^2"),
    ("integration time s", ["(", "s", ")"], r"\theta(t'), \mathrm dt'"),
    ("the Hoeffding summand Z_j, next to the normaliser Z_d", ["Z", "_", "j"], "V_j"),
    ("the spherical harmonic Y, next to the label size Y", ["Y", "("], r"\mathcal Y(b)"),
    ("the basis vector e_2, next to the residuals e_i", ["e", "_", "2"], "u_2"),
    ("the basis vectors e_i - e_{i'}", ["(", "e", "_", "i", "-"], r"\mathbf 1_i-\mathbf 1_{i'}"),
    ("the Lipschitz constant L_sigma, next to the smoothness L", ["L", "_", r"\sigma"], r"\mathrm{Lip}(\sigma)"),
    ("the Mercer variable t=b^T x, next to the time t", ["t", "=", "b", "^", r"\top"], r"z=b^\top x"),
    ("the weight (1-t^2), next to the time t", ["(", "1", "-", "t", "^", "2", ")"], "(1-z^2)"),
    ("t_+, never defined", ["t", "_", "+"], r"\sigma(z)"),
    ("g, the Gaussian vector, as a function of time", ["g", "(", "t", ")"], "z(t)"),
    ("g as a function in L^2(U)", ["T", "g"], "Th"),
    ("g as the Rodrigues weight", ["g", "=", "("], r"w_\ell"),
    ("the horizon T, next to the integral operator T", ["T", "<", "t", "_", "0"], "t_1<t_0"),
    ("the features z_j, next to the preactivation z", ["z", "_", "j"], "s_j"),
    ("the features u_0, v_0", ["u", "_", "0"], r"W_{ij}(0)"),
    ("the features u_0, v_0", ["v", "_", "0"], r"W_{i'j}(0)"),
    ("the features sigma_ij, a second meaning of the activation sigma", [r"\sigma", "_", "{"], r"W_{ij}(t)"),
    ("the scale factor r of f_m(rx), next to the polar radius r", ["f", "_", "m", "(", "r", "x", ")"],
     "multiplying x by a positive number"),
    ("a second data point x_j (j is a neuron)", ["x", "_", "j"], r"x_{i'}"),
    ("the rank mu_n (mu with a plain index is the degree)", [r"\mu", "_", "n"], r"\mu_{(n)}"),
    ("the italic differential d/dt", [r"\frac", "{", "d", "}"], r"\frac{\mathrm d}{\mathrm dt}"),
    ("the italic differential dt", ["d", "t"], r"\mathrm dt"),
    ("the italic differential d psi", ["d", r"\psi"], r"\mathrm d\psi"),
    ("the italic differential dU", ["d", r"\mathcal{U}"], r"\mathrm d\mathcal U"),
    ("the italic differential dz", ["d", "z"], r"\mathrm dz"),
]


# the errata name the notes' own symbol once, as the notes write it: "mu_(n) (the notes' mu_n)"
QUOTED = {r"\mu_n"}


def _occurrences(pattern: list[str]) -> list[str]:
    found = []
    for page, path in PAGES.items():
        for span in math_spans(path.read_text(encoding="utf-8")):
            if span.strip() in QUOTED:
                continue
            tok = tokens(span)
            n = len(pattern)
            if any(tok[i : i + n] == pattern for i in range(len(tok) - n + 1)):
                found.append(f"{page}: ${' '.join(span.split())[:90]}$")
    return found


@pytest.mark.parametrize(("old", "pattern", "now"), GONE, ids=[f"{g[0]} {' '.join(g[1])}" for g in GONE])
def test_the_old_symbol_is_gone(old, pattern, now):
    assert not _occurrences(pattern), f"{old}: write {now}"


def test_sim_means_distributed_as():
    """~ is "distributed as" (b ~ U, g ~ N(0, I_d)); asymptotic equality is written with \\simeq."""
    bad = []
    for page, path in PAGES.items():
        for span in math_spans(path.read_text(encoding="utf-8")):
            tok = tokens(span)
            for i, t in enumerate(tok):
                if t == r"\sim" and tok[i + 1 : i + 2] not in ([r"\mathcal{U}"], [r"\mathcal{N}"]):
                    bad.append(f"{page}: ${' '.join(span.split())[:90]}$")
    assert not bad, bad


def test_theta_is_named_where_it_first_appears():
    """The first Theta of the chapter (mu^Theta_(n)) comes with the words "the tangent kernel"."""
    text = PAGES["chapter 6"].read_text(encoding="utf-8")
    first = text.index(r"\Theta")
    assert "for the tangent kernel" in text[first : first + 40]


@pytest.mark.parametrize(
    ("math", "gone"),
    [
        (r"\int_0^t\sqrt{2\hat{\mathcal R}_n(\theta(s))}\,ds", True),
        (r"\int_0^t\sqrt{2\hat{\mathcal R}_n(\theta(t'))}\,\mathrm dt'", False),
        (r"(TY)(x)=\nu_\ell^2Y(x)", True),
        (r"(T\mathcal Y)(x)=\nu_\ell^2\mathcal Y(x)", False),
        (r"\frac{d}{dt}\hat{\mathcal R}_n", True),
        (r"(1-t^2)^{(d-3)/2}/Z_d,\ \frac{\|x\|\|x'\|}{2\pi d}", True),
        (r"(1-z^2)^{(d-3)/2}/Z_d,\ \frac{\|x\|\|x'\|}{2\pi d}", False),
    ],
)
def test_the_scan_tells_old_from_new(math, gone):
    tok = tokens(math)
    hit = any(tok[i : i + len(p)] == p for _, p, _ in GONE for i in range(len(tok) - len(p) + 1))
    assert hit is gone
