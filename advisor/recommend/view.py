"""Which of a fleet's recommendations a person asked to see, in which order, and what they add up to.

`advisor recommend --sort savings --min-savings 5 --risk throttling --confidence medium` narrows and
orders what is *shown* (table, JSON and CSV alike); every recommendation is still written to the lake.
The total is over the shown services that have both monthly figures: a refused or failed service has no
cost to add, and the total says how many it counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from advisor.engine.explain import risk_badges
from advisor.errors import InputError
from advisor.recommend.pipeline import ServiceRecommendation

SORTS = ("savings", "risk", "confidence", "cost", "name")
CONFIDENCE_LEVELS = ("none", "low", "medium", "high")  # weakest first
RISKS = ("throttling", "latency", "cold-starts", "any")  # the current configuration's risk badges


@dataclass(frozen=True)
class FleetView:
    """How to narrow and order the fleet's outcomes (the CLI's --sort and filters)."""

    sort: str = "name"
    min_savings: float | None = None  # dollars a month; a service below it (or without one) is not shown
    risk: str | None = None  # a badge of the current configuration, or "any"
    confidence: str | None = None  # the least confidence shown

    def __post_init__(self) -> None:
        _one_of("--sort", self.sort, SORTS)
        if self.risk is not None:
            _one_of("--risk", self.risk, RISKS)
        if self.confidence is not None:
            _one_of("--confidence", self.confidence, CONFIDENCE_LEVELS)
        if self.min_savings is not None and self.min_savings != self.min_savings:
            raise InputError("--min-savings nan is invalid: allowed a number of dollars a month")


@dataclass(frozen=True)
class FleetTotal:
    """The shown services' monthly cost now and recommended, and the difference."""

    services: int  # services counted (both figures known)
    shown: int  # services shown
    cost_now_usd: float
    cost_recommended_usd: float
    prices_estimate: bool  # a counted service is priced from an estimate

    @property
    def savings_usd(self) -> float:
        return self.cost_now_usd - self.cost_recommended_usd


def _one_of(flag: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise InputError(f"{flag} {value!r} is invalid: allowed {', '.join(allowed)}")


def current_risks(outcome: ServiceRecommendation) -> list[str]:
    """The current configuration's risk badges, spelled as the --risk flag takes them."""
    rec = outcome.recommendation
    return [] if rec is None else [badge.replace(" ", "-") for badge in risk_badges(rec)]


def risk_now(outcome: ServiceRecommendation) -> int:
    """Breach minutes of the current configuration on the forecast: how much risk it runs today."""
    rec = outcome.recommendation
    if rec is None or "forecast" not in rec.before:
        return -1
    return rec.before["forecast"].breach_minutes


def _shown(outcome: ServiceRecommendation, view: FleetView) -> bool:
    rec = outcome.recommendation
    if view.min_savings is not None:
        savings = None if rec is None else rec.monthly_savings_usd
        if savings is None or savings < view.min_savings:
            return False
    if view.confidence is not None:
        level = "none" if rec is None else rec.confidence
        if CONFIDENCE_LEVELS.index(level) < CONFIDENCE_LEVELS.index(view.confidence):
            return False
    if view.risk is not None:
        risks = current_risks(outcome)
        return bool(risks) if view.risk == "any" else view.risk in risks
    return True


def _key(outcome: ServiceRecommendation, sort: str) -> tuple:
    """Biggest first for money and risk, most confident first; ties and unknowns by name, last."""
    rec = outcome.recommendation
    name = (outcome.service_name, outcome.region)
    if sort == "name":
        return name
    if sort == "confidence":
        level = -1 if rec is None else CONFIDENCE_LEVELS.index(rec.confidence)
        return (-level, *name)
    if sort == "risk":
        return (-risk_now(outcome), *name)
    value = None
    if rec is not None:
        value = rec.monthly_savings_usd if sort == "savings" else rec.monthly_cost_current_usd
    return (value is None, 0.0 if value is None else -value, *name)


def arrange(outcomes: Sequence[ServiceRecommendation], view: FleetView) -> list[ServiceRecommendation]:
    """The outcomes the view keeps, in its order."""
    return sorted((o for o in outcomes if _shown(o, view)), key=lambda o: _key(o, view.sort))


def total(outcomes: Sequence[ServiceRecommendation]) -> FleetTotal:
    """The fleet's monthly cost now -> recommended over the services whose both figures are known."""
    priced = [
        o.recommendation
        for o in outcomes
        if o.recommendation is not None
        and o.recommendation.monthly_cost_current_usd is not None
        and o.recommendation.monthly_cost_recommended_usd is not None
    ]
    return FleetTotal(
        services=len(priced),
        shown=len(outcomes),
        cost_now_usd=sum(r.monthly_cost_current_usd or 0.0 for r in priced),
        cost_recommended_usd=sum(r.monthly_cost_recommended_usd or 0.0 for r in priced),
        prices_estimate=any(r.prices_estimate for r in priced),
    )
