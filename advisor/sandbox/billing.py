"""The sandbox account's bill: what App Runner charges for each second the world's instances exist.

App Runner bills memory for every provisioned instance and vCPU plus memory for active ones
(reference/apprunner.md §2 [PRICE]). The AWS Price List names three usage types per region, and Cost
Explorer shows them with the region's billing code in front [PL]:
`<CODE>-AppRunner-Provisioned-GB-hours` (memory of an instance that is provisioned but idle),
`<CODE>-AppRunner-GB-hours` (memory of an active instance) and `<CODE>-AppRunner-vCPU-hours` (vCPU of an
active instance). An active instance's memory is billed under GB-hours instead of Provisioned-GB-hours,
never both: the pricing page bills an active instance "compute and any additional memory" beyond its
provisioned memory, and with equal rates the two readings give the same money.

The sandbox is the world, not the advisor: its prices live here, not in advisor.pricing, so a mistake
in one does not hide in the other. Billing is per second (AWS documents no per-second granularity for
App Runner: unverified; reference/apprunner.md §2), kept as usage quantities per (service ARN, UTC day,
usage type); money is quantity times the region's rate, as a line item is.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

SERVICE_NAME = "AWS App Runner"  # the SERVICE dimension value Cost Explorer bills App Runner under [PL]
OPERATION = "RunService"  # the Price List's operation for the three compute usage types [PL]
UNIT = "Hrs"  # UsageQuantity unit: all three are hours (of vCPU or GB); Cost Explorer's label unverified


@dataclass(frozen=True)
class RegionRates:
    """One region's billing code and hourly App Runner rates (USD)."""

    code: str  # the region's billing code, the usage type's prefix
    vcpu_hour: float  # active instance vCPU, per vCPU-hour
    active_gb_hour: float  # active instance memory, per GB-hour
    provisioned_gb_hour: float  # idle provisioned instance memory, per GB-hour

    def usage_types(self) -> tuple[str, str, str]:
        """(provisioned memory, active memory, active vCPU) usage types as Cost Explorer names them."""
        return (
            f"{self.code}-AppRunner-Provisioned-GB-hours",
            f"{self.code}-AppRunner-GB-hours",
            f"{self.code}-AppRunner-vCPU-hours",
        )

    def rate(self, usage_type: str) -> float:
        provisioned, active, vcpu = self.usage_types()
        return {provisioned: self.provisioned_gb_hour, active: self.active_gb_hour, vcpu: self.vcpu_hour}[
            usage_type
        ]


# Billing codes: AWS's "Region billing codes" table
# (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html);
# App Runner's usage types carry them (USW2-AppRunner-vCPU-hours, APS1-AppRunner-Provisioned-GB-hours in
# the Price List [PL]). Rates: the pricing page [PRICE] for the four US/EU regions and Tokyo's memory
# (its footnote: $0.009 per GB-hour); Tokyo's vCPU rate is a third-party figure [DEVTO], unverified.
REGIONS: dict[str, RegionRates] = {
    "us-east-1": RegionRates("USE1", 0.064, 0.007, 0.007),
    "us-east-2": RegionRates("USE2", 0.064, 0.007, 0.007),
    "us-west-2": RegionRates("USW2", 0.064, 0.007, 0.007),
    "eu-west-1": RegionRates("EU", 0.064, 0.007, 0.007),
    "ap-northeast-1": RegionRates("APN1", 0.081, 0.009, 0.009),
}


def rates(region: str) -> RegionRates:
    try:
        return REGIONS[region]
    except KeyError:
        raise ValueError(
            f"the sandbox bills App Runner only in {', '.join(REGIONS)}, not {region!r}"
        ) from None


@dataclass(frozen=True)
class LineItem:
    """One (service, UTC day, usage type) of the bill: the usage and what it costs."""

    service_arn: str
    region: str
    day: date
    usage_type: str
    quantity: float  # hours of the usage type's unit (vCPU-hours, GB-hours)
    cost_usd: float


class Ledger:
    """The account's App Runner usage, per second, as the world's minutes are produced (a BillingSink).

    Each minute is billed once per service: a catch-up retried after a failure records minutes again,
    and those already billed are skipped, so the bill never counts a minute twice.
    """

    def __init__(self) -> None:
        self._quantities: dict[tuple[str, date, str], float] = defaultdict(float)
        self._regions: dict[str, str] = {}
        self._billed_until: dict[str, pd.Timestamp] = {}  # per ARN: the first minute not yet billed
        self._lock = threading.Lock()

    def record(
        self,
        region: str,
        service_arn: str,
        minutes: pd.DatetimeIndex,
        cpu_vcpu: float,
        memory_gb: float,
        idle_instance_seconds: np.ndarray,
        active_instance_seconds: np.ndarray,
    ) -> None:
        """Bill these minutes: per minute, instance-seconds of idle provisioned and of active instances."""
        region_rates = rates(region)
        idle = np.asarray(idle_instance_seconds, dtype=float)
        active = np.asarray(active_instance_seconds, dtype=float)
        if not len(idle) == len(active) == len(minutes):
            raise ValueError(
                f"{len(minutes)} minutes but {len(idle)} idle and {len(active)} active instance-second values"
            )
        if (idle < 0).any() or (active < 0).any():
            raise ValueError("instance-seconds cannot be negative")
        if len(minutes) == 0:
            return
        minutes = pd.DatetimeIndex(minutes)
        if minutes.tz is None:
            raise ValueError("minutes must be UTC timestamps (tz-aware)")
        minutes = minutes.tz_convert("UTC")
        with self._lock:
            fresh = minutes >= self._billed_until.get(service_arn, minutes[0])
            if not fresh.any():
                return
            minutes, idle, active = minutes[fresh], idle[fresh], active[fresh]
            days, codes = np.unique(minutes.normalize(), return_inverse=True)
            per_day = {
                name: np.bincount(codes, weights=seconds, minlength=len(days)) / 3600.0
                for name, seconds in zip(
                    region_rates.usage_types(),
                    (idle * memory_gb, active * memory_gb, active * cpu_vcpu),
                    strict=True,
                )
            }
            for i, day in enumerate(pd.DatetimeIndex(days).date):
                for usage_type, hours in per_day.items():
                    if hours[i] > 0:
                        self._quantities[(service_arn, day, usage_type)] += float(hours[i])
            self._regions[service_arn] = region
            self._billed_until[service_arn] = minutes.max() + pd.Timedelta(minutes=1)

    def line_items(self) -> list[LineItem]:
        """Every (service, day, usage type) with usage, by service, day and usage type."""
        with self._lock:
            items = sorted(self._quantities.items())
            regions = dict(self._regions)
        out = []
        for (arn, day, usage_type), quantity in items:
            region = regions[arn]
            out.append(
                LineItem(arn, region, day, usage_type, quantity, quantity * rates(region).rate(usage_type))
            )
        return out

    def totals(self) -> dict:
        """The exact bill, for tests: USD per service (and per day), and the account's total."""
        services: dict[str, dict] = {}
        for item in self.line_items():
            entry = services.setdefault(
                item.service_arn, {"region": item.region, "cost_usd": 0.0, "days": {}}
            )
            entry["cost_usd"] += item.cost_usd
            day = entry["days"].setdefault(item.day.isoformat(), {})
            day[item.usage_type] = {"quantity": item.quantity, "cost_usd": item.cost_usd}
        return {"services": services, "cost_usd": sum(s["cost_usd"] for s in services.values())}
