"""One symbol, one meaning: the symbols that once had two meanings appear only where they keep the one
of the notation page (book/notation.md).

The math of every chapter and of its errata page (``$...$``, ``$$...$$``, ``{math}`` roles and
blocks, figure captions in code-cell metadata; not the Python code) is split into tokens: a letter, a command (``\\omega``), or a
font command with its argument (``\\mathcal{B}``, ``\\mathrm{b}``), so that ``B``, ``\\mathcal B`` and the
``b`` of ``n_{\\mathrm b}`` are different tokens, as are ``L`` and ``\\Lambda``. ``L^2`` followed by a
measure in parentheses, or alone, is the function space, not the constant ``L``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "book").glob("0*.md"))

# token -> (chapters where it may appear, its one meaning as on the notation page)
ALLOWED = {
    "L": ({"01", "04", "08"}, "a Lipschitz constant: the smoothness of chapter 1, in mean square in chapter 4"),
    r"\omega": ({"05"}, "the frequency of the sine neuron"),
    "B": ({"06", "07", "08", "09"}, "the first-layer matrix, theta = (a, B)"),
    r"\mathrm{b}": ({"03", "04", "05"}, "the b of the batch size n_b"),
    "K": ({"06", "07"}, "the kernel matrix"),
    "M": ({"04"}, "the mean-square Lipschitz constant of the Hessian"),
    "U": ({"03"}, "the last hat of the triangle wave"),
    r"\Lambda": ({"04"}, "the constant of the second-order theorem of chapter 4"),
    # chapters 1-3 keep c free (a bias is beta_j, ch. 1 scales by 2) and write p, not P, for the number of parameters
    "c": ({"06", "07"}, "the constant 4nY/lambda_n(K) of chapter 6, never a bias"),
    # the book-wide pass: each of these had a second meaning in another chapter (a margin mu in chapter 2,
    # Gronwall constants gamma_0, gamma_1 in chapter 4, the movement gamma in chapter 6, C for matrices in chapter 6)
    r"\mu": ({"06", "07"}, "the Mercer eigenvalues mu_l, mu_(i)"),
    r"\gamma": ({"07"}, "the strength of the path-norm penalty"),
    "C": ({"01"}, "the Polyak-Lojasiewicz constant"),
    r"\Gamma": ({"03", "04", "05", "06"}, "Gamma(theta), Gamma_0 (chapters 3-5); the Gamma function of a number (chapter 6)"),
    r"\mathcal{U}": ({"06", "07"}, "the uniform law on the sphere"),
    # the degree of spherical harmonics; a loss is loss(., .) (chapter 3), the 1-norm is ||.||_1 (chapters 2-3)
    r"\ell": ({"06", "07"}, "the degree of spherical harmonics"),
    "G": ({"06", "07", "08"}, "the Gram matrix of parameter gradients"),
    "P": ({"02", "04", "05", "06", "07", "08", "09"}, "a polynomial (chapter 2), never the number of parameters p"),
}
# k as a function, k(x, x') or k_m(x, x'), is the kernel; k after eta counts gradient-descent steps. Any
# other k (a subscript, a count) is a step count where steps are counted and the kernel where it is the
# kernel; a chapter that has neither has no k (chapter 2 counts halfspaces with r, chapters 3-4 write the
# degree of a parity |S|, chapter 5 indexes its targets by s). The samples n_b k of k steps of online SGD
# may also appear in chapter 5's summary of Part II, which counts no other steps
KERNEL_K = {"06", "07"}
STEP_K = {"01", "04", "08", "09"}
SAMPLES_K = STEP_K | {"05"}
# what the notation page must list, as it is written there
ON_NOTATION_PAGE = ["$L$", "$L^2(\\mathcal D)$", "$\\omega$", "$n_{\\mathrm b}$", "$B", "$M$", "$U$", "$Z_d$",
                    "$k(x,x')$", "$K$", "$e$, $e_i$", "$e_1$", "$p$", "$\\beta_j$", "$\\chi_S$", "$\\mathcal U$", "$x^{(i)}$",
                    "$\\gamma$", "$\\mu_\\ell$", "$C$", "$\\Gamma(\\theta)$"]

_FONT = r"\\(?:mathcal|mathbb|mathrm|mathbf|mathsf|mathfrak|operatorname|boldsymbol|bm|rm)"
_SKIP = r"\\(?:text|textrm|textit|mbox|label|tag|ref)\s*\{[^{}]*\}"
_TOKEN = re.compile(
    r"(?P<skip>" + _SKIP + r")|(?P<font>" + _FONT + r")\s*(?:\{(?P<arg>[^{}]*)\}|(?P<ch>[A-Za-z]))"
    r"|(?P<cmd>\\[A-Za-z]+)|(?P<sym>[A-Za-z])|(?P<other>\\.|\S)",
    re.S,
)


def math_spans(text: str) -> list[str]:
    """The math of a MyST page: displays, inline math, {math} roles and blocks, figure captions."""
    spans, prose, mode, fence = [], [], None, ""
    for line in text.split("\n"):
        stripped = line.strip()
        if mode is None:
            m = re.match(r"(`{3,}|:{3,})\{([\w-]+)\}", stripped)
            if (m and m.group(2) == "code-cell") or stripped.startswith("```python"):
                mode, fence = "code", (m.group(1) if m else "```")
            elif m and m.group(2) == "math":
                mode, fence = "math", m.group(1)
            else:
                prose.append(line)
        elif stripped == fence:
            mode = None
        elif mode == "code":
            if line.startswith(":"):  # cell metadata: captions and alt texts
                prose.append(line[1:])
        else:
            spans.append(line)
    body = "\n".join(prose)
    spans += re.findall(r"\{math\}`([^`]*)`", body)
    body = re.sub(r"`[^`\n]*`", " ", body)  # roles and inline code
    spans += re.findall(r"\$\$(.*?)\$\$", body, re.S)
    body = re.sub(r"\$\$.*?\$\$", " ", body, flags=re.S)
    spans += re.findall(r"(?<!\\)\$([^$]+?)(?<!\\)\$", body, re.S)
    return spans


def tokens(span: str) -> list[str]:
    out = []
    for m in _TOKEN.finditer(span):
        if m.group("skip"):
            continue
        if m.group("font"):
            out.append(m.group("font") + "{" + (m.group("arg") if m.group("arg") is not None else m.group("ch")).strip() + "}")
        else:
            out.append(m.group("cmd") or m.group("sym") or m.group("other"))
    return out


def uses(text: str) -> list[tuple[str, str, str]]:
    """(token, its meaning class, the span) for every checked token of a page."""
    found = []
    for span in math_spans(text):
        tok = tokens(span)
        for i, t in enumerate(tok):
            after = tok[i + 1 : i + 3]
            before = tok[i - 1] if i else ""
            if t == "L" and after[:1] == ["^"] and tok[i + 2 : i + 3] in (["1"], ["2"]):
                rest = tok[i + 3 : i + 4]
                if not rest or rest == ["("]:
                    continue  # the function spaces L^2(D), L^1(D)
            if t == "k":
                if i >= 5 and tok[i - 5 : i] == ["n", "_", "{", r"\mathrm{b}", "}"]:
                    found.append(("k", "samples", span))  # n_b k: the fresh samples of k steps
                elif before != "_" and ((after[:1] == ["("] and after[1:] and after[1] in ("x", "u", r"\cdot")) or after == ["_", "m"]):
                    found.append(("k(x,x')", "kernel", span))
                elif before in (r"\eta", "0") or (before == "_" and tok[i - 2 : i - 1] == [r"\eta"]):
                    found.append(("k", "steps", span))
                else:
                    found.append(("k", "steps or kernel", span))
                continue
            if t == r"\pi" and after[:1] == ["_"]:
                found.append((r"\pi_", "pi is the number", span))  # the uniform law on the sphere is U, not pi_0
                continue
            if t == "L" and before == r"\sqrt":
                found.append(("\\sqrt L", "square root", span))  # L is a Lipschitz constant, not its square
                continue
            if t in ALLOWED:
                found.append((t, "symbol", span))
    return found


# the errata of a chapter speak its notation; two pages also name another chapter's symbol on purpose
ERRATA_EXTRA = {"05": {"L"}, "08": {"K", "k(x,x')"}, "02": {"c", "k"}, "04": {"G"}}  # "the notes' L is the book's omega"; chapter 8 on
# chapter 6; chapter 2 quotes the notes' garbled c(x) and their k; chapter 4 their name G for Gamma


def clashes(pages: dict[str, str], extra: dict[str, set[str]] | None = None) -> list[str]:
    bad = []
    for chapter, text in pages.items():
        for token, kind, span in uses(text):
            if token in (extra or {}).get(chapter, set()):
                continue
            if kind == "square root":
                ok = False
            elif kind == "kernel":
                ok = chapter in KERNEL_K
            elif kind == "steps":
                ok = chapter in STEP_K
            elif kind == "samples":
                ok = chapter in SAMPLES_K
            elif kind == "steps or kernel":
                ok = chapter in STEP_K | KERNEL_K
            elif kind == "pi is the number":
                ok = False
            else:
                ok = chapter in ALLOWED[token][0]
            if not ok:
                bad.append(f"chapter {chapter}: {token} ({kind}) in ${' '.join(span.split())[:90]}$")
    return bad


def _pages() -> dict[str, str]:
    return {p.name[:2]: p.read_text(encoding="utf-8") for p in CHAPTERS}


def test_each_checked_symbol_keeps_one_meaning():
    bad = clashes(_pages())
    assert not bad, "symbols outside the chapters where they keep their one meaning:\n" + "\n".join(bad)


def test_the_errata_speak_the_notation_of_their_chapter():
    pages = {p.stem[2:]: p.read_text(encoding="utf-8") for p in sorted((ROOT / "book" / "errata").glob("ch*.md"))}
    bad = clashes(pages, ERRATA_EXTRA)
    assert not bad, "errata: symbols outside the chapters where they keep their one meaning:\n" + "\n".join(bad)


def test_chapter_9_keeps_e_for_the_target_direction():
    """Chapter 9 writes its residuals xi_i: there e_1 is the target's direction, so an e with a
    letter subscript (e_i, the residual of point i) would read as a second meaning of e_1."""
    text = (ROOT / "book" / "09_beyond_kernel.md").read_text(encoding="utf-8")
    bad = []
    for span in math_spans(text):
        tok = tokens(span)
        for i, t in enumerate(tok[:-2]):
            if t == "e" and tok[i + 1] == "_" and tok[i + 2].isalpha() and (i == 0 or tok[i - 1] != "\\"):
                bad.append(" ".join(span.split())[:90])
    assert bad == ["e_i"], bad  # the one e_i is the sentence that says it is not used


def test_the_notation_page_lists_the_renamed_symbols():
    page = (ROOT / "book" / "notation.md").read_text(encoding="utf-8")
    missing = [s for s in ON_NOTATION_PAGE if s not in page]
    assert not missing, missing


@pytest.mark.parametrize(
    ("chapter", "math", "clash"),
    [
        ("05", r"R_L(w)=\mathbb E\sin^2(Lw^\top x)", True),  # the old frequency L
        ("06", r"\omega_d(1-t^2)^{(d-3)/2}", True),  # the old normaliser omega_d
        ("04", r"\frac1B\sum_{i=1}^B", True),  # the old batch size B
        ("06", r"t=\eta k", True),  # steps beside the kernel k
        ("04", r"e^{\sqrt L\,t}", True),  # the old chapter-4 constant, a squared Lipschitz constant
        ("03", r"\|f\|_{\mathcal B}\le 26d^2", False),  # the Barron norm is \mathcal B, not B
        ("04", r"\|u\|\ \text{in}\ L^2", False),  # the space L^2
        ("02", r"k=k(d)\ge d^{\rho},\ 8k(k+1),\ h_k(x)", True),  # the old count of halfspaces
        ("02", r"r=r(d)\ge d^{\rho},\ 8r(r+1),\ h_r(x)", False),
        ("02", r"g=(u-r+\mu)/(2r)", True),  # the old margin mu
        ("04", r"\phi(t)\le\gamma_0t+\gamma_1\int_0^t\phi", True),  # the old Gronwall constants
        ("03", r"q_k\le2^d\bar q/\binom dk", True),  # the old degree k
        ("04", r"D_S(t)\le\Gamma_0/\binom d{|S|},\ \theta_{k+1}", False),
        ("05", r"a,b\in\mathbb R^k", True),
        ("06", r"\nu_0=\frac{\Gamma(d/2)}{2\sqrt\pi\,\Gamma((d+1)/2)}", False),
        ("06", r"b\sim\pi_0", True),
        ("06", r"|\lambda_n(A)-\lambda_n(C)|", True),
        ("06", r"\gamma_T=\max_{t\le T}\|\theta(t)-\theta_0\|", True),
        ("02", r"k(x,x')", True),  # the kernel outside chapters 6-7
        ("04", r"L^2(\mathcal D)", False),
        ("04", r"e^{Lt}\ \Lambda\ n_{\mathrm b}k", False),
        ("05", r"n_{\mathrm b}k\gtrsim\binom d{|S|}", False),  # the samples of k steps, in the summary of Part II
        ("05", r"\theta_k", True),  # but no other k
        ("05", r"4\,\Gamma(\theta)/N", False),
        ("07", r"k_m(x,x')=\frac1m\sum_j", False),
        ("02", r"\sigma(w_j^\top x+c_j)", True),  # the old bias c_j of chapters 2-3
        ("03", r"\theta\in\mathbb R^P", True),  # the old parameter count P of chapter 3
        ("03", r"\mathbb P(x_i=1)=q,\ \theta\in\mathbb R^p", False),
    ],
)
def test_the_scan_tells_a_clash_from_a_different_token(chapter, math, clash):
    assert bool(clashes({chapter: f"Text ${math}$ text."})) is clash


def test_chapter_4_indexes_coordinates_by_r():
    # issue 24: in chapter 4, k counts gradient-descent steps and j indexes neurons (a_j, b_j, beta_j), so the
    # parameter coordinates are indexed by r, r' (p is the number of parameters, as in chapters 1 and 3) and the
    # difference of partial derivatives is Delta_r, not D_k or Delta_j; the remark on equivariance writes D_S(t),
    # indexed by the parity's set S. The barrier radius is rho_* (r is a coordinate), the Gronwall constants nu_0,
    # nu_1, and the induction over gradient-descent steps runs over k' <= k, not j <= k
    ch4 = (ROOT / "book" / "04_gd_cannot_learn.md").read_text(encoding="utf-8")
    assert r"\theta_k}" not in ch4 and r"\partial\theta_k" not in ch4 and "D_k" not in ch4
    assert r"\mathbb R^P" not in ch4 and r"\theta_p}" not in ch4
    assert r"\partial_{\theta_j}" not in ch4 and r"\theta_{j'}" not in ch4 and r"\Delta_j" not in ch4
    # a coordinate of theta is theta^(r), as a coordinate of x is x^(i): theta_t is the parameters at time t
    assert r"\partial_{\theta^{(r)}}" in ch4 and r"\partial_{\theta^{(r')}}" in ch4 and r"\partial_{\theta_r}" not in ch4
    assert "r_*" not in ch4 and r"\rho_*" in ch4
    assert r"\rho_0" not in ch4 and r"\rho_1" not in ch4 and r"\nu_0" in ch4 and r"\nu_1" in ch4
    assert r"\|u_j\|" not in ch4 and r"\|u_{k'}\|\le V\eta k'$ for $k'\le k$" in ch4


# issue 24, chapters 4 and 5 and their errata: the local letters that had a second meaning, the way each
# page wrote them before (any of these strings is a clash) and what replaced them
RETIRED = {
    "04_gd_cannot_learn.md": [
        ("a_f", "the size of a target's first gradient is g_f (a_j is an output weight)"),
        (r"\theta_1", "two arbitrary parameter points are theta, theta' (theta_t is the parameter at time t)"),
        (r"\langle u,v\rangle", "the inner product is <f,f'> (u is the displacement)"),
        (r"\delta_{ij}", "orthonormality without indices"),
        (r"\ell(", "the hinge loss has no name (ell is a degree)"),
        ("H(x;", "the Hessian is written nabla^2_theta h (H_0 is a mean squared norm)"),
        ("the $i$-th draw", "no letter for the index of a draw (i is a coordinate)"),
        ("Row $s$", "no letter for a row (s is the fraction of targets)"),
        (r"n_{\mathrm b}T", "k counts SGD steps (T is a time horizon)"),
        (r"\log_2T", "k counts SGD steps"),
        ("x_i", "a coordinate is x^(i) (x_i is a training point)"),
        (r"\pi(", "a permutation is tau (pi is the number)"),
    ],
    "errata/ch04.md": [
        ("a_f", "g_f"), (r"G(\theta_0)", "the notes' G is Gamma on this page"), (r"\sqrt{G(", "Gamma"), ("f G(", "Gamma"), ("fG(", "Gamma"), (r"\theta_1", "theta, theta'"),
        (r"n_{\mathrm b}T", "k counts SGD steps"), ("x_i", "a coordinate is x^(i)"),
    ],
    "05_cosine_landscape.md": [
        (r"S_\omega", "the target-free part of the gradient is Phi_omega (S is a parity's set)"),
        (r"T_\omega", "the target part is Psi_omega"),
        (r"\ell", "the half-side of the square has no letter (ell is a degree)"),
        ("w_0", "the spurious minimum is w_circ (a subscript 0 is a start)"),
        (r"=\rho=", "the radius 1/(2 omega) has no letter (rho is the exponent d^rho)"),
        (r"\rho\mapsto", "the monotone function's variable is xi"),
        (r"a,b\in", "the Gaussian lemma's vectors are v, v' (a, b_j are weights)"),
        (r"\nabla_\theta h\|^2/N", "the gradient budget is Gamma(theta)"),
        (r"n_{\mathrm b}T", "k counts SGD steps"),
    ],
    "errata/ch05.md": [(r"\sin(a^\top x)", "v, v'")],
}
INTRODUCED = {
    "04_gd_cannot_learn.md": [r"[d]=\{1,\dots,d\}", "with coordinates $x^{(i)}$"],
    "errata/ch04.md": [r"$\delta_t=(\mathbb E_f\|\theta^f_t-\theta_0\|^2)^{1/2}$", "the notes write $G(\\theta)$"],
    "05_cosine_landscape.md": [r"\mathrm i=\sqrt{-1}", "no factor $\\frac12$", r"$|v|$ is the Euclidean norm",
                               r"($\rho>0$ fixed)"],
}


@pytest.mark.parametrize("page", sorted(RETIRED))
def test_chapters_4_and_5_retire_the_letters_with_two_meanings(page):
    text = (ROOT / "book" / page).read_text(encoding="utf-8")
    left = [f"{old!r}: {why}" for old, why in RETIRED[page] if old in text]
    assert not left, left
    missing = [s for s in INTRODUCED.get(page, []) if s not in text]
    assert not missing, f"not defined where used: {missing}"


def test_gamma_of_parameters_and_the_gamma_function_are_told_apart_by_their_argument():
    """Chapters 3-4 write Gamma(theta) and Gamma_0 (the gradient budget); chapter 6 writes Euler's Gamma
    function of a number, Gamma(d/2): never one in the other's chapter."""
    pages = _pages()
    for chapter, budget in (("03", True), ("04", True), ("05", True), ("06", False)):
        for span in math_spans(pages[chapter]):
            tok = tokens(span)
            for i, t in enumerate(tok):
                if t != r"\Gamma":
                    continue
                after = tok[i + 1 : i + 3]
                of_a_number = after[:1] in (["("], [r"\big"], [r"\Big"], [r"\left"]) and after[1:2] != [r"\theta"]
                of_parameters = not of_a_number
                assert of_parameters is budget, f"chapter {chapter}: {' '.join(span.split())[:90]}"
