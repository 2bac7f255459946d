"""The one rounding rule for documented figures: half up, from the exact value.

Python's ``round()`` on a float rounds halves to even (1 owned component of 16 is 6.25 %,
which it shows as 6.2), and the databases disagree too: PostgreSQL's ``round`` on double
precision rounds halves to even, SQLite's rounds them away from zero. So no figure is
rounded in SQL or with ``round()``; every one goes through :func:`half_up` or
:func:`ratio`, and both dialects show the same digits.

Halves go away from zero (2.5 -> 3, -2.5 -> -3): ``ROUND_HALF_UP`` in :mod:`decimal`, and
what a reader of a report expects.

Exact values: a figure made from whole numbers (a count over a count, a sum of whole days
over a count) is handed over as its numerator and denominator, so the rounding works on
the exact fraction; no float ever stands in between. A figure that arrives as a float (an
average of seconds, an index computed in SQL) is read as its 15-significant-digit
decimal: 15 digits is what a double is guaranteed to carry (``DBL_DIG``), so a value the
float stands for (2.675, stored as 2.67499999999999982236431605997495353221893310546875)
is read back as 2.675, and the last-bit noise of float arithmetic (0.7812500000000001)
is dropped instead of deciding a half. Its exact binary value (``Decimal(2.675)``) would
round 2.675 down.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

Number = int | float | Decimal | Fraction

# Significant decimal digits every double carries (C's DBL_DIG).
FLOAT_DIGITS = 15


def exact(value: Number) -> Fraction:
    """The value as an exact fraction; a float as the 15-digit decimal it stands for."""
    if isinstance(value, bool):
        raise TypeError("a figure is a number, not a bool")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} has no rounding")
        return Fraction(Decimal(format(value, f".{FLOAT_DIGITS}g")))
    return Fraction(value)


def half_up(value: Number, digits: int) -> float:
    """``value`` to ``digits`` decimals, halves away from zero."""
    scaled = exact(value) * 10**digits
    magnitude = math.floor(abs(scaled) + Fraction(1, 2))
    rounded = Decimal(magnitude if scaled >= 0 else -magnitude).scaleb(-digits)
    # The nearest float to a decimal of a few digits prints as that decimal in JSON.
    return float(rounded)


def ratio(numerator: Number, denominator: Number, digits: int) -> float:
    """``numerator / denominator`` to ``digits`` decimals, half up; 0.0 over nothing."""
    if not denominator:
        return 0.0
    return half_up(exact(numerator) / exact(denominator), digits)


def decimal_string(value: Number, digits: int) -> str:
    """``value`` to ``digits`` decimals, half up, as text with every decimal written:
    how Django REST framework renders a DecimalField (``"15.50"``, ``"0.00"``)."""
    scaled = exact(value) * 10**digits
    magnitude = math.floor(abs(scaled) + Fraction(1, 2))
    rounded = Decimal(magnitude if scaled >= 0 else -magnitude).scaleb(-digits)
    return f"{rounded:.{digits}f}"
