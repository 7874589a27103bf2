"""App Runner prices by region, and what an instance trajectory costs.

Billing (reference/apprunner.md §2): memory is billed for every provisioned instance, vCPU only for
active ones (instances with a request in flight). Rates are per hour; the engine works per minute.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from advisor.domain import InstanceSize

MINUTES_PER_MONTH = 43_200  # 30 days: the month of bench/PROTOCOL.md §4
FALLBACK_REGION = "us-east-1"


class PricingWarning(UserWarning):
    """Prices were not known for a region and another region's were used."""


@dataclass(frozen=True)
class RegionPrices:
    """Hourly App Runner rates of one region, and where they come from."""

    region: str
    vcpu_hour: float  # active instance vCPU, per vCPU-hour
    gb_hour: float  # provisioned (and active) instance memory, per GB-hour
    source: str
    fallback_for: str | None = None  # set when these are another region's prices

    def per_minute(self, size: InstanceSize) -> tuple[float, float]:
        """(memory cost of one provisioned instance, vCPU cost of one active instance) per minute."""
        return size.memory_gb * self.gb_hour / 60.0, size.cpu_vcpu * self.vcpu_hour / 60.0

    def monthly_idle_instance(self, size: InstanceSize) -> float:
        return self.per_minute(size)[0] * MINUTES_PER_MONTH

    def monthly_active_instance(self, size: InstanceSize) -> float:
        return sum(self.per_minute(size)) * MINUTES_PER_MONTH


_VERIFIED = "AWS App Runner pricing page and Price List (reference/apprunner.md §2)"
_ASIA_VCPU = "vCPU rate from a third-party article, unverified (reference/apprunner.md §2)"

PRICES: dict[str, RegionPrices] = {
    r.region: r
    for r in (
        RegionPrices("us-east-1", 0.064, 0.007, _VERIFIED),
        RegionPrices("us-east-2", 0.064, 0.007, _VERIFIED),
        RegionPrices("us-west-2", 0.064, 0.007, _VERIFIED),
        RegionPrices("eu-west-1", 0.064, 0.007, _VERIFIED),
        RegionPrices("ap-northeast-1", 0.081, 0.009, f"memory: pricing-page footnote; {_ASIA_VCPU}"),
        RegionPrices("ap-southeast-1", 0.081, 0.00885, f"memory: AWS Price List; {_ASIA_VCPU}"),
    )
}


def prices_for(region: str) -> RegionPrices:
    """The region's rates; an unknown region gets us-east-1's, with a PricingWarning (never silently)."""
    if region in PRICES:
        return PRICES[region]
    warnings.warn(
        f"no App Runner prices known for region {region!r}: using {FALLBACK_REGION} prices "
        f"(known regions: {', '.join(sorted(PRICES))})",
        PricingWarning,
        stacklevel=2,
    )
    base = PRICES[FALLBACK_REGION]
    return RegionPrices(region, base.vcpu_hour, base.gb_hour, base.source, fallback_for=FALLBACK_REGION)


def trajectory_cost(
    provisioned: np.ndarray, active: np.ndarray, size: InstanceSize, prices: RegionPrices
) -> np.ndarray:
    """Cost in dollars of each minute, given provisioned (memory-billed) and active (vCPU-billed) counts.

    `provisioned` must already count every instance holding memory (for the simulator: max(P, R)).
    """
    mem_per_min, cpu_per_min = prices.per_minute(size)
    return mem_per_min * np.asarray(provisioned, dtype=float) + cpu_per_min * np.asarray(active, dtype=float)
