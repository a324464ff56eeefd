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


def exact(x: float) -> str:
    """A parameter such as a learning rate, with as many digits as it has (``0.2``, not ``0.200``).

    Examples
    --------
    >>> exact(0.2)
    '0.2'
    >>> exact(0.0125)
    '0.0125'
    """
    x = _real("x", x)
    if not math.isfinite(x) or x == 0:
        return number(x)
    digits = next(k for k in range(1, 18) if float(f"{x:.{k}g}") == x)
    return number(x, digits)


def small(x: float, digits: int = 2) -> str:
    """An error that is often exactly zero: ``'0'``, else :func:`sci` with ``digits`` digits.

    Examples
    --------
    >>> small(0.0)
    '0'
    >>> small(3.1e-16)
    '3.1 × 10⁻¹⁶'
    """
    x = _real("x", x)
    return "0" if x == 0 else sci(x, digits)


def fixed(x: float, decimals: int = 2) -> str:
    """``x`` with exactly ``decimals`` decimals and a true minus sign (ratios, slopes).

    Examples
    --------
    >>> fixed(-0.5012, 2)
    '−0.50'
    """
    x = _real("x", x)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative integer, got {decimals!r}")
    return _minus(f"{x:.{decimals}f}")


def signed(x: float, fmt: str = ".2f") -> str:
    """``x`` formatted with ``fmt`` and a true minus sign (for legends and titles).

    Examples
    --------
    >>> signed(-0.4973)
    '−0.50'
    """
    return _minus(format(_real("x", x), fmt))
