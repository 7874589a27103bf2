"""The risk profiles a recommendation is made for (cost-saver, balanced, performance).

Their own module, free of heavy imports, so the CLI can list them without loading the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.errors import InputError


@dataclass(frozen=True)
class Profile:
    """How much risk a recommendation may take to save money."""

    name: str
    forecast_quantile: float  # the forecast level the configuration must hold
    budget_share: float  # share of the SLO error budget it may spend
    cost_tolerance: float  # extra cost accepted (vs the cheapest acceptable) to cut breach minutes
    description: str


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("cost-saver", 0.5, 1.0, 0.0, "the cheapest that fits the budget at the expected level"),
        Profile(
            "balanced", 0.9, 1.0, 0.02, "fits the budget at the forecast's 90% level; pays 2% for safety"
        ),
        Profile("performance", 0.99, 0.5, 0.05, "half the budget at the 99% level; pays 5% for safety"),
    )
}


DEFAULT_PROFILE = "balanced"  # what `advisor recommend` stores unless told otherwise


def profile_named(name: str) -> Profile:
    if name not in PROFILES:
        raise InputError(f"profile={name!r} is invalid: allowed {', '.join(PROFILES)}")
    return PROFILES[name]
