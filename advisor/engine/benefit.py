"""Whether a change is worth making: the minimum benefit, and with it the hysteresis of a new review.

The optimizer always finds a best candidate, and on noisy data it is rarely the current configuration
to the request: 50 -> 49 for $0.12 a month, or MaxSize 25 -> 2 for nothing but lost headroom. Every
change costs a deployment-free but real UpdateService, an audit row and a person's attention, and a
review that moves the knobs back and forth teaches people to ignore it. So the best candidate is
compared with the current configuration's own replay (the same scenarios, the same model), and the
change is recommended only when it is worth it:

- it saves at least `min_savings_usd` a month **and** `min_savings_pct` percent of the current cost
  (defaults $1 and 5%: both, so neither a cent on a cheap service nor a rounding on a big one counts), or
- it lowers breach risk materially: on some scenario its breach minutes are lower by at least
  `min_breach_cut_share` of the minutes the error budget allows there (default a quarter, and never less
  than one minute), or it brings a current configuration that breaks the budget back within it.

Otherwise the outcome is "keep current", with the reason. Because the same gate runs on every review
against the configuration now applied, a new review moves only when the evidence has moved past the
threshold: that is the hysteresis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from advisor.engine.explain import CHANGE, KEEP, Outcome


@dataclass(frozen=True)
class MinimumBenefit:
    """The least a change must bring to be recommended (documented numbers, settable)."""

    min_savings_usd: float = 1.0  # per month
    min_savings_pct: float = 5.0  # of the current configuration's monthly cost
    min_breach_cut_share: float = 0.25  # of the breach minutes the error budget allows on a scenario

    def breach_cut_needed(self, allowed: int) -> int:
        """Breach minutes a change must remove on a scenario to count as lowering risk materially."""
        return max(1, math.ceil(self.min_breach_cut_share * allowed))


@dataclass(frozen=True)
class Verdict:
    action: str  # CHANGE or KEEP
    reason: str
    basis: str  # "savings", "risk", or "none" (keep)


def judge(
    before: Mapping[str, Outcome],
    after: Mapping[str, Outcome],
    allowed: Mapping[str, int],
    benefit: MinimumBenefit,
    cost_scenario: str = "forecast",
) -> Verdict:
    """CHANGE when `after` (the best candidate) is worth leaving `before` (the current configuration) for."""
    now, best = before[cost_scenario], after[cost_scenario]
    if best.config == now.config:
        return Verdict(
            KEEP, f"Keep current {now.config}: it is already the best configuration found.", "none"
        )
    saved = now.monthly_cost_usd - best.monthly_cost_usd
    share = 100 * saved / now.monthly_cost_usd if now.monthly_cost_usd > 0 else 0.0
    if saved >= benefit.min_savings_usd and share >= benefit.min_savings_pct:
        return Verdict(CHANGE, f"Saves ${saved:,.2f}/month ({share:.0f}%).", "savings")
    risk = _risk_cut(before, after, allowed, benefit)
    if risk is not None:
        return Verdict(CHANGE, risk, "risk")
    breach = ", ".join(
        f"{before[s].breach_minutes} -> {after[s].breach_minutes} ({s})" for s in sorted(after)
    )
    return Verdict(
        KEEP,
        f"Keep current {now.config}: the best candidate {best.config} would save ${saved:,.2f}/month "
        f"({share:.0f}%), under the minimum of ${benefit.min_savings_usd:,.2f} and "
        f"{benefit.min_savings_pct:g}%, and would not lower breach minutes materially ({breach}; a "
        f"change must remove at least {benefit.min_breach_cut_share:.0%} of the error budget's minutes).",
        "none",
    )


def _risk_cut(
    before: Mapping[str, Outcome],
    after: Mapping[str, Outcome],
    allowed: Mapping[str, int],
    benefit: MinimumBenefit,
) -> str | None:
    """Why the candidate lowers breach risk materially, or None when it does not."""
    over_now = [s for s in after if before[s].breach_minutes > allowed[s]]
    within_after = all(after[s].breach_minutes <= allowed[s] for s in after)
    if over_now and within_after:
        s = over_now[0]
        return (
            f"Brings breach minutes within the error budget: {before[s].breach_minutes} -> "
            f"{after[s].breach_minutes} ({s}; budget {allowed[s]})."
        )
    for s in after:
        cut = before[s].breach_minutes - after[s].breach_minutes
        if cut >= benefit.breach_cut_needed(allowed[s]):
            return (
                f"Lowers breach minutes materially: {before[s].breach_minutes} -> "
                f"{after[s].breach_minutes} ({s}; budget {allowed[s]})."
            )
    return None
