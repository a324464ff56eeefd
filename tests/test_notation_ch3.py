"""Chapter 3 and its errata page give each local letter one meaning (issue 24).

The scan of ``test_notation.py`` checks the letters of the notation page; this one checks the
letters that chapter 3 once used twice: ``s`` (an integer, an integration variable, and chapter 4's
fraction), ``y`` (a point of the cube, beside the labels y_i), ``S_d`` (the cosine family, beside
the parity set S), ``\\ell`` (a loss, beside the harmonic degree), ``a`` (output weights, a sequence
and a frequency vector), ``i`` and ``j`` (class, coordinate, hat level, neuron and sample indices),
``d`` as a differential (d is the dimension), and, on the errata page, ``m`` for a sample count
(m is the width) and ``\\sim`` for "asymptotically equal" (it means "distributed as").
"""

from __future__ import annotations

from pathlib import Path

import re

import pytest
from test_notation import math_spans, tokens

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "chapter 3": ROOT / "book" / "03_orthonormal_classes.md",
    "errata ch03": ROOT / "book" / "errata" / "ch03.md",
}


def misuses(text: str) -> list[str]:
    """Each place where the math of ``text`` gives a letter of chapter 3 a second meaning."""
    bad = []
    for span in math_spans(text):
        # environment names and the name of sigma_hat are words, not letters
        tok = tokens(re.sub(r"\\(?:begin|end)\{[a-z*]+\}|_\{\\rm\s*hat\}", " ", span))
        where = " ".join(span.split())[:80]
        for k, t in enumerate(tok):
            before = tok[k - 1] if k else ""
            after = tok[k + 1 : k + 3]
            if t in ("s", "y", r"\ell"):
                bad.append(f"{t}: {where}")  # z = v^T x, phi integrates, coordinates are x^(i), the loss is loss
            elif t == "S" and after[:1] == ["_"] and after[1:] != [r"\Pi"] and before != r"\chi":
                bad.append(f"S_ (the cosine family is C_d): {where}")
            elif t == "a" and not (after[:1] == ["_"] and after[1:] in (["j"], ["0"])):
                bad.append(f"a other than the output weights a_j, a_0: {where}")
            elif t == "j" and before == "_" and tok[k - 2 : k - 1] not in (["a"], ["w"], [r"\beta"], [r"\sum"]):
                bad.append(f"j other than the neuron index: {where}")
            elif t == "x" and after[:1] == ["_"]:
                bad.append(f"x with a subscript (a coordinate is x^(i)): {where}")
            elif t == "f" and after[:1] == ["_"] and after[1:] in (["i"], ["j"]):
                bad.append(f"indexed class member (write f, f' in F): {where}")
            elif t == "1" and after[:1] == ["_"] and before != r"\mathbf":
                bad.append(f"indicator without \\mathbf: {where}")
            elif t == "m":
                bad.append(f"m is the width, which chapter 3 does not use (a batch is n_b): {where}")
            elif t == r"\sim" and not after[:1] == [r"\mathcal{D}"]:
                bad.append(f"\\sim means 'distributed as' (write \\approx or words): {where}")
            elif t == r"\int" and r"\mathrm{d}" not in tok[k:]:
                bad.append(f"integral without an upright d: {where}")
    return bad


@pytest.mark.parametrize("page", sorted(PAGES))
def test_chapter_3_letters_keep_one_meaning(page):
    bad = misuses(PAGES[page].read_text(encoding="utf-8"))
    assert not bad, f"{page}:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("math", "clash"),
    [
        (r"(-1)^s,\ s=v^\top x", True),  # the old integer s
        (r"\int_0^z(z-s)\cos s\,ds", True),  # the old integration variable and italic d
        (r"\int_0^z(z-\phi)\cos\phi\,\mathrm d\phi", False),
        (r"\chi_S(y)=\prod_{i\in S}y_i", True),
        (r"\chi_S((-1)^x)=\prod_{i\in S}(-1)^{x^{(i)}}", False),
        (r"|S_d|=\binom{2d}{d}", True),
        (r"|\mathcal C_d|=\binom{2d}{d},\ \chi_{\Pi(S)}", False),
        (r"\nabla_\theta\ell(h(x;\theta),f(x))", True),
        (r"\nabla_\theta\operatorname{loss}(h(x;\theta),f(x))", False),
        (r"a_{d+1}=a_d\,\tfrac{2d+1}{2d+2}", True),
        (r"\cos(a^\top x)", True),
        (r"\sum_ja_j\tanh(w_j^\top x+\beta_j)+a_0", False),
        (r"\bar\xi_j=2^{-d}\partial_{\theta_j}h", True),
        (r"\bar\xi_r=2^{-d}\partial_{\theta^{(r)}}h", False),
        (r"\prod_je^{ia_jx_j}", True),
        (r"\langle f_i,f_j\rangle=\delta_{ij}", True),
        (r"\|f-f'\|^2=2,\ f\ne f'", False),
        (r"\tfrac12(1_{w=w'}+1_{w+w'=0})", True),
        (r"\tfrac12(\mathbf 1_{w=w'}+\mathbf 1_{w+w'=0})", False),
        (r"Tm\gtrsim2^d", True),
        (r"n_{\mathrm b}T\gtrsim2^d", False),
        (r"\binom{2d}{d}\sim4^d/\sqrt{\pi d}", True),
        (r"\mathbb E_{x\sim\mathcal D}", False),
    ],
)
def test_the_chapter_3_scan_tells_a_clash(math, clash):
    assert bool(misuses(f"Text ${math}$ text.")) is clash
