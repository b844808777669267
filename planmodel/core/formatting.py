"""Numbers as Norwegians write them: space-grouped thousands (no-break space), decimal comma.

One formatter for the whole package (apps, brief, tables, notebooks, CLI). It needs no locale
(nb_NO is often not installed) and is fast enough for the hundreds of tick labels an app draws
per click. Negative numbers use the minus sign U+2212, as Norwegian typography prefers.
"""

from __future__ import annotations

import math

NBSP = "\u00a0"
MINUS = "\u2212"


def tall(x: float | None, decimals: int = 0) -> str:
    """``1234567.8`` -> ``'1 234 568'`` (decimals=0) or ``'1 234 567,8'`` (decimals=1); a
    missing or non-finite number is ``'–'``."""
    if x is None:
        return "–"
    x = float(x)
    if not math.isfinite(x):
        return "–"
    text = f"{round(x, decimals) + 0.0:,.{max(decimals, 0)}f}"
    return text.replace(",", NBSP).replace(".", ",").replace("-", MINUS)


def prosent(share: float, decimals: int = 1) -> str:
    """A share as percent: ``0.1234`` -> ``'12,3 %'``."""
    return f"{tall(100 * share, decimals)}{NBSP}%"


def personer(x: float) -> str:
    """``12345`` -> ``'12 345 personer'``."""
    return f"{tall(x)}{NBSP}personer"


def mill_kr(nok: float, decimals: int = 1) -> str:
    """Kroner as millions: ``1_234_500_000`` -> ``'1 234,5 mill. kr'``."""
    return f"{tall(nok / 1e6, decimals)}{NBSP}mill.{NBSP}kr"


def endring(x: float, decimals: int = 0) -> str:
    """Signed change: ``+1 234`` / ``−56``."""
    text = tall(x, decimals)
    if text.lstrip(MINUS).strip("0,") == "":  # rounds to zero: no sign either way
        return tall(0.0, decimals)
    return ("+" if x > 0 else "") + text
