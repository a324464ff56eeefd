"""Numbers for the prose of the book: what ``glue`` shows a reader.

A computed value pasted into a sentence should read like typeset mathematics, not like
Python's ``repr``: a true minus sign, powers of ten instead of ``e-05``, thousands
grouped, and no trailing ``.0``. These functions return plain (Unicode) strings, so they
can be glued into text with ``glue(name, number(x), display=False)``.
"""

from __future__ import annotations

import math

MINUS = "\u2212"
_SUPERSCRIPTS = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _real(name: str, x: float) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {x!r}") from None
    return value


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def sci(x: float, digits: int = 2) -> str:
    """``x`` in scientific notation with ``digits`` significant digits, e.g. ``7.2 × 10⁻⁵``.

    Examples
    --------
    >>> sci(7.2e-05)
    '7.2 × 10⁻⁵'
    >>> sci(-1234.5, 3)
    '−1.23 × 10³'
    """
    x = _real("x", x)
    if not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a positive integer, got {digits!r}")
    if x == 0 or not math.isfinite(x):
        return _minus(f"{x:g}")
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    exponent = int(exponent)
    if exponent == 0:
        return _minus(mantissa)
    return _minus(mantissa) + " \u00d7 10" + str(exponent).translate(_SUPERSCRIPTS)


def number(x: float, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits, in the form a reader expects.

    Integers are printed whole, with thousands grouped by thin spaces from 10 000 on;
    other values between 10⁻³ and 10⁵ in fixed notation (``0.0533``, ``−2.14``, ``1.00``);
    smaller or larger ones with :func:`sci`. Negative values carry a true minus sign.

    Examples
    --------
    >>> number(-2.1412)
    '−2.14'
    >>> number(1000.0)
    '1000'
    >>> number(137846528820) == '137\u2009846\u2009528\u2009820'
    True
    >>> number(3.3e-06, 2)
    '3.3 × 10⁻⁶'
    """
    x = _real("x", x)
    if not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a positive integer, got {digits!r}")
    if not math.isfinite(x):
        return _minus(f"{x:g}")
    if x == int(x) and abs(x) < 1e15:
        whole = f"{int(x):,}"
        return _minus(whole.replace(",", "\u2009") if abs(x) >= 10_000 else whole.replace(",", ""))
    if 1e-3 <= abs(x) < 1e5:
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
        return _minus(f"{x:.{decimals}f}")
    return sci(x, digits)
