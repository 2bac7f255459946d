"""Item 10: the one half-up rounding helper (pure functions: no database involved)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from gateway.rounding import exact, half_up, ratio


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (2.5, 0, 3.0),  # round() gives 2
        (3.5, 0, 4.0),
        (0.125, 2, 0.13),  # round() gives 0.12: 0.125 is exact in binary, a true half
        (6.25, 1, 6.3),  # round() gives 6.2
        (2.675, 2, 2.68),  # the float is 2.67499999...: read as the 2.675 it stands for
        (0.7812500000000001, 4, 0.7813),  # float noise above a half does not matter
        (0.7812499999999999, 4, 0.7813),  # nor below it
        (0.124, 2, 0.12),
        (-2.5, 0, -3.0),  # halves go away from zero, as ROUND_HALF_UP
        (-0.125, 2, -0.13),
        (-0.001, 2, 0.0),
        (0, 2, 0.0),
        (0.0, 1, 0.0),
        (7, 2, 7.0),
        (Decimal("1.005"), 2, 1.01),
        (Fraction(1, 3), 4, 0.3333),
        (Fraction(2, 3), 4, 0.6667),
    ],
)
def test_item10_half_up(value, digits, expected):
    assert half_up(value, digits) == expected


def test_item10_half_up_never_answers_negative_zero():
    assert str(half_up(-0.001, 2)) == "0.0"


@pytest.mark.parametrize(
    ("numerator", "denominator", "digits", "expected"),
    [
        (100, 16, 1, 6.3),  # 1 owned component of 16: 6.25 %
        (1, 8, 2, 0.13),  # 1 success in 8 days
        (100, 32, 2, 3.13),  # 1 of 32: 3.125 %
        (40, 32, 1, 1.3),  # 40 days over 32 entries: 1.25
        (4050.0, 3600, 2, 1.13),  # 4050 s is 1.125 h
        (1, 3, 2, 0.33),
        (-100, 32, 2, -3.13),
        (5, 0, 2, 0.0),  # nothing to divide by: 0, as every figure documents
        (0, 7, 2, 0.0),
    ],
)
def test_item10_ratio_rounds_the_exact_quotient(numerator, denominator, digits, expected):
    assert ratio(numerator, denominator, digits) == expected


def test_item10_exact_reads_a_float_as_the_decimal_it_stands_for():
    assert exact(2.675) == Fraction(2675, 1000)
    assert exact(0.1) == Fraction(1, 10)
    assert exact(3) == Fraction(3)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), True])
def test_item10_half_up_refuses_what_is_not_a_figure(value):
    with pytest.raises((ValueError, TypeError)):
        half_up(value, 2)
