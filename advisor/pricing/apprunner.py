"""App Runner prices for every region botocore lists for apprunner, each rate with its source.

Billing (reference/apprunner.md §2): memory is billed for every provisioned instance, vCPU only for
active ones (instances with a request in flight). AWS's Price List has three usage types per region, so
three rates here: `<REG>-AppRunner-Provisioned-GB-hours` (memory of a provisioned instance),
`-GB-hours` (memory of an active one) and `-vCPU-hours`. Rates are per hour; the engine works per minute.

A rate AWS does not publish for a region is an estimate: `RegionPrices.estimated` is then true, and every
surface marks the money computed from it ("≈$" in tables, `prices_estimate` in JSON and CSV). An unknown
region is priced as us-east-1 with a `PricingWarning`, and is an estimate too: never silently.
docs/pricing.md lists each region, its rates and their sources.
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
class Rate:
    """One hourly rate and where it comes from; `estimated` when AWS publishes none for the region."""

    usd_per_hour: float
    source: str
    estimated: bool = False


@dataclass(frozen=True)
class RegionPrices:
    """Hourly App Runner rates of one region, and where they come from."""

    region: str
    vcpu: Rate  # active instance vCPU, per vCPU-hour
    active_memory: Rate  # active instance memory, per GB-hour
    provisioned_memory: Rate  # provisioned (idle or active) instance memory, per GB-hour
    fallback_for: str | None = None  # set when these are another region's prices

    @property
    def vcpu_hour(self) -> float:
        return self.vcpu.usd_per_hour

    @property
    def active_gb_hour(self) -> float:
        return self.active_memory.usd_per_hour

    @property
    def provisioned_gb_hour(self) -> float:
        return self.provisioned_memory.usd_per_hour

    @property
    def estimated(self) -> bool:
        """Whether any money computed from these rates is an estimate."""
        return self.fallback_for is not None or any(
            r.estimated for r in (self.vcpu, self.active_memory, self.provisioned_memory)
        )

    @property
    def source(self) -> str:
        return "; ".join(
            f"{name}: {rate.source}"
            for name, rate in (
                ("vCPU", self.vcpu),
                ("active memory", self.active_memory),
                ("provisioned memory", self.provisioned_memory),
            )
        )

    def per_minute(self, size: InstanceSize) -> tuple[float, float]:
        """(cost of one provisioned instance, what one active instance adds to it) per minute.

        An active instance is billed vCPU and active memory instead of provisioned memory, so it adds
        vCPU + (active - provisioned) memory; in the regions where both memory rates are equal, vCPU only.
        The simulator and the grid bill every memory-holding instance the first figure and every
        active one the second.
        """
        memory = size.memory_gb * self.provisioned_gb_hour / 60.0
        memory_step = self.active_gb_hour - self.provisioned_gb_hour
        extra = (size.cpu_vcpu * self.vcpu_hour + size.memory_gb * memory_step) / 60.0
        return memory, extra

    def monthly_idle_instance(self, size: InstanceSize) -> float:
        return self.per_minute(size)[0] * MINUTES_PER_MONTH

    def monthly_active_instance(self, size: InstanceSize) -> float:
        return sum(self.per_minute(size)) * MINUTES_PER_MONTH


_PAGE = "AWS App Runner pricing page [PRICE]"
_PAGE_TOKYO = "AWS App Runner pricing page, Tokyo footnote [PRICE]"
_PRICE_LIST = "AWS Price List, APS1-AppRunner-Provisioned-GB-hours, effective 2024-01-01 [PL]"
_DEVTO = "third-party article quoting an Asia Pacific region, not in an AWS source [DEVTO]"


def _published(value: float, source: str = _PAGE) -> Rate:
    return Rate(value, source)


def _estimate(value: float, why: str) -> Rate:
    return Rate(value, f"estimate: {why}", estimated=True)


def _estimated_at(
    region: str, base: RegionPrices, note: str, fallback_for: str | None = None
) -> RegionPrices:
    """`region` priced at each of `base`'s rates, every one marked an estimate for `note`'s reason."""
    return RegionPrices(
        region,
        _estimate(base.vcpu_hour, note),
        _estimate(base.active_gb_hour, note),
        _estimate(base.provisioned_gb_hour, note),
        fallback_for=fallback_for,
    )


def _like(region: str, base: RegionPrices, why: str) -> RegionPrices:
    """A region AWS publishes no App Runner rates for, estimated at a published region's rates."""
    return _estimated_at(region, base, f"no published rate found; {base.region}'s ({why})")


def _us_eu(region: str) -> RegionPrices:
    return RegionPrices(region, _published(0.064), _published(0.007), _published(0.007))


_US_EAST_1 = _us_eu("us-east-1")
_EU_WEST_1 = _us_eu("eu-west-1")
_TOKYO = RegionPrices(
    "ap-northeast-1",
    _estimate(0.081, _DEVTO),
    _published(0.009, _PAGE_TOKYO),
    _published(0.009, _PAGE_TOKYO),
)
_SINGAPORE = RegionPrices(
    "ap-southeast-1",
    _estimate(0.081, _DEVTO),
    _estimate(0.009, _DEVTO),
    _published(0.00885, _PRICE_LIST),
)

# The regions botocore's endpoint data lists for apprunner (1.44.8), tests/test_pricing.py holds them equal.
PRICES: dict[str, RegionPrices] = {
    r.region: r
    for r in (
        _US_EAST_1,
        _us_eu("us-east-2"),
        _us_eu("us-west-2"),
        _EU_WEST_1,
        _like("eu-central-1", _EU_WEST_1, "the nearest published region"),
        _like("eu-west-2", _EU_WEST_1, "the nearest published region"),
        _like("eu-west-3", _EU_WEST_1, "the nearest published region"),
        _TOKYO,
        _SINGAPORE,
        _like("ap-southeast-2", _SINGAPORE, "Asia Pacific rates are above the US ones"),
        _like("ap-south-1", _SINGAPORE, "Asia Pacific rates are above the US ones"),
    )
}


def prices_for(region: str) -> RegionPrices:
    """The region's rates; an unknown region gets us-east-1's, as an estimate, with a PricingWarning."""
    if region in PRICES:
        return PRICES[region]
    warnings.warn(
        f"no App Runner prices known for region {region!r}: using {FALLBACK_REGION} prices as an estimate "
        f"(known regions: {', '.join(sorted(PRICES))})",
        PricingWarning,
        stacklevel=2,
    )
    note = f"unknown region: {FALLBACK_REGION}'s rates"
    return _estimated_at(region, PRICES[FALLBACK_REGION], note, fallback_for=FALLBACK_REGION)


def prices_estimated(region: str) -> bool:
    """Whether money in `region` is an estimate (no warning: the surfaces ask this for every row)."""
    return region not in PRICES or PRICES[region].estimated


def trajectory_cost(
    provisioned: np.ndarray, active: np.ndarray, size: InstanceSize, prices: RegionPrices
) -> np.ndarray:
    """Cost in dollars of each minute, given provisioned (memory-billed) and active (vCPU-billed) counts.

    `provisioned` must already count every instance holding memory (for the simulator: max(P, R)).
    """
    memory_per_min, active_extra_per_min = prices.per_minute(size)
    return memory_per_min * np.asarray(provisioned, dtype=float) + active_extra_per_min * np.asarray(
        active, dtype=float
    )
