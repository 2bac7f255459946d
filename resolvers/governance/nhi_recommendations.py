"""What a risk assessment recommends: one sentence per rule whose factor is active, in
the risk definition's order. The rules are this table; an NHI none applies to gets an
empty list.

- spend_burst, when ``spend_burst:p99`` is raised: "Investigate <label>'s spend: its p99
  hourly spend is <p99_spend> USD against a baseline of <rolling_baseline> USD."
- tool_attempt, when ``tool_attempt:denied:N`` is raised: "Review the <N> denied tool
  attempts of <label> and narrow its permissions."
- guardian, when ``guardian:none`` is raised: "Bind a Guardian to <label> so that its
  actions are checked."
- federation, when ``federation:<status>`` is raised: "Complete federation for <label>
  (status: <status>)."
- tier, for tier 1 or 2 (the privileged tiers): "Tier <tier> is privileged: confirm
  <label> needs it."

Spend figures are USD with 2 decimals, rounded half up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from gateway.rounding import half_up
from resolvers.governance.nhi_risk import DENIED, FEDERATION, GUARDIAN, SPEND, TIER, Factor, Risk

PRIVILEGED_TIERS = frozenset({1, 2})


def _signalled(factor: Factor, risk: Risk) -> bool:
    return factor.signal is not None


def _privileged(factor: Factor, risk: Risk) -> bool:
    return risk.inputs.tier in PRIVILEGED_TIERS


@dataclass(frozen=True)
class Rule:
    """A sentence (``str.format`` over the figures) and when its factor calls for it."""

    sentence: str
    applies: Callable[[Factor, Risk], bool] = _signalled


RULES: dict[str, Rule] = {
    SPEND: Rule(
        "Investigate {label}'s spend: its p99 hourly spend is {p99_spend} USD "
        "against a baseline of {rolling_baseline} USD."
    ),
    DENIED: Rule(
        "Review the {denied_attempts} denied tool attempts of {label} and narrow its permissions."
    ),
    GUARDIAN: Rule("Bind a Guardian to {label} so that its actions are checked."),
    FEDERATION: Rule("Complete federation for {label} (status: {federation_status})."),
    TIER: Rule("Tier {tier} is privileged: confirm {label} needs it.", _privileged),
}


def usd(value: Fraction) -> str:
    """A USD figure as the sentences write it: 2 decimals, half up."""
    return f"{half_up(value, 2):.2f}"


def recommendations(risk: Risk) -> list[str]:
    """One sentence per factor whose rule applies, in the factors' order."""
    inputs = risk.inputs
    figures = {
        "label": inputs.label,
        "p99_spend": usd(inputs.p99_spend),
        "rolling_baseline": usd(inputs.rolling_baseline),
        "denied_attempts": inputs.denied_attempts,
        "federation_status": inputs.federation_status,
        "tier": inputs.tier,
    }
    return [
        rule.sentence.format(**figures)
        for factor in risk.factors
        if (rule := RULES.get(factor.key)) is not None and rule.applies(factor, risk)
    ]
