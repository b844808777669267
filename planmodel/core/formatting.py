"""Numbers as Norwegians write them: space-grouped thousands (no-break space), decimal comma.

Babel's ``nb_NO`` locale gives U+00A0 as the group separator and ``,`` as the decimal sign; the
system locale is not used (nb_NO is often not installed). Negative numbers use the minus sign
U+2212, as Norwegian typography prefers.
"""

from __future__ import annotations

import math

from babel.numbers import format_decimal

NBSP = "\u00a0"
MINUS = "\u2212"


def tall(x: float, decimals: int = 0) -> str:
    """``1234567.8`` -> ``'1 234 568'`` (decimals=0) or ``'1 234 567,8'`` (decimals=1)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(round(float(x), decimals) + 0.0, format=pattern, locale="nb_NO")
    return text.replace("-", MINUS)


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
    sign = "+" if x > 0 else ""
    return sign + tall(x, decimals)
