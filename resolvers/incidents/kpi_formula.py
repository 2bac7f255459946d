"""CUSTOM KPI formulas: arithmetic over the other metric types' values, never ``eval``.

A formula is parsed with :mod:`ast` and accepted only if every node is a number, one of
the type names (``MTTA``, ``MTTR``, ``MTBF``, ``MTBSI``, ``AVAILABILITY``,
``INCIDENT_COUNT``, ``RESOLUTION_RATE``, ``ESCALATION_RATE``), ``+ - * /`` (unary minus
too) or parentheses: ``MTTR * 60 / MTTA``. Anything else (a call, an attribute, ``**``,
a comparison, another name) is refused when the metric is created. It is evaluated with
exact fractions; a division by zero gives 0, as a rate over no incidents does.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from fractions import Fraction

from models.incidents import METRIC_TYPES

OPERANDS = frozenset(t for t in METRIC_TYPES if t != "CUSTOM")
MAX_FORMULA = 500  # the column's length
MAX_NODES = 200  # a formula of 500 characters has fewer; bounds the walk
MAX_NUMBER = 10**12

_BINARY = (ast.Add, ast.Sub, ast.Mult, ast.Div)


class FormulaError(ValueError):
    """A formula that is not arithmetic over the type names."""


def parse(formula: str) -> ast.Expression:
    """The formula's tree, or FormulaError saying what is not allowed."""
    if len(formula) > MAX_FORMULA:
        raise FormulaError(f"a formula has at most {MAX_FORMULA} characters")
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise FormulaError("not an arithmetic expression") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError("the formula is too long")
    for node in nodes:
        _check(node)
    return tree


def _check(node: ast.AST) -> None:
    if isinstance(node, ast.Expression | ast.Load | ast.USub | ast.UAdd | ast.BinOp):
        if isinstance(node, ast.BinOp) and not isinstance(node.op, _BINARY):
            raise FormulaError("only + - * / are allowed")
        return
    if isinstance(node, _BINARY):
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.USub | ast.UAdd):
            raise FormulaError("only + - * / are allowed")
        return
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FormulaError("only numbers and metric types are allowed")
        if abs(value) > MAX_NUMBER:
            raise FormulaError(f"numbers are at most {MAX_NUMBER:,}")
        return
    if isinstance(node, ast.Name):
        if node.id not in OPERANDS:
            raise FormulaError(
                f"{node.id!r} is not a metric type; use {', '.join(sorted(OPERANDS))}"
            )
        return
    raise FormulaError("only numbers, metric types, + - * / and parentheses are allowed")


def evaluate(formula: str, values: Mapping[str, Fraction]) -> Fraction:
    """The formula's value over ``values`` (each type's exact value)."""
    return _value(parse(formula).body, values)


def _value(node: ast.AST, values: Mapping[str, Fraction]) -> Fraction:
    if isinstance(node, ast.Constant):
        return Fraction(str(node.value))
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        inner = _value(node.operand, values)
        return -inner if isinstance(node.op, ast.USub) else inner
    assert isinstance(node, ast.BinOp)
    left, right = _value(node.left, values), _value(node.right, values)
    if isinstance(node.op, ast.Add):
        return left + right
    if isinstance(node.op, ast.Sub):
        return left - right
    if isinstance(node.op, ast.Mult):
        return left * right
    return left / right if right else Fraction(0)
