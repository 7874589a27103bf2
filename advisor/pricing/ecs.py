"""What a service pays on Amazon ECS (Express Mode or plain ECS on Fargate), each rate with its source.

The migration what-if (engine/migrate.py) prices App Runner against ECS, so ECS's bill is itemised the
way AWS bills it (reference/ecs-express.md §5): Fargate vCPU and memory per task (per second, 1-minute
minimum), the Application Load Balancer's hours and LCUs, public IPv4 addresses (every task's under
Express's defaults, and the ALB's), CloudWatch Logs ingestion and data transfer out. Express itself is
free. Only us-east-1's rates are in the reference; every other region is an estimate: us-east-1's Fargate
rates scaled by how far that region's App Runner vCPU rate is from us-east-1's (both run on Fargate-like
capacity, and pricing/apprunner.py knows the App Runner rates per region), the other rates taken as
us-east-1's. `EcsPrices.estimated` then says so, and `sources` names what each rate came from.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

from advisor.pricing.apprunner import FALLBACK_REGION, PRICES, PricingWarning

# Fargate task sizes for Linux (reference/ecs-express.md §6): CPU units -> the memory (GB) each allows.
FARGATE_SIZES: dict[int, tuple[float, ...]] = {
    256: (0.5, 1.0, 2.0),
    512: (1.0, 2.0, 3.0, 4.0),
    1024: tuple(float(g) for g in range(2, 9)),
    2048: tuple(float(g) for g in range(4, 17)),
    4096: tuple(float(g) for g in range(8, 31)),
    8192: tuple(float(g) for g in range(16, 61, 4)),
    16384: tuple(float(g) for g in range(32, 121, 8)),
}


def valid_task_size(cpu_units: int, memory_mb: int) -> bool:
    """Whether Fargate runs a Linux task of `cpu_units` CPU units with `memory_mb` MiB of memory."""
    return cpu_units in FARGATE_SIZES and memory_mb / 1024 in FARGATE_SIZES[cpu_units]


def task_sizes_text() -> str:
    """The valid sizes in words, for an error that says what to pick instead."""
    return "; ".join(
        f"{cpu} CPU units with {mems[0]:g}-{mems[-1]:g} GB" for cpu, mems in FARGATE_SIZES.items()
    )


@dataclass(frozen=True)
class EcsPrices:
    """The rates an ECS service pays in one region (USD)."""

    region: str
    fargate_vcpu_hour: float  # Linux/x86, per vCPU-hour
    fargate_gb_hour: float  # Linux/x86, per GB-hour
    fargate_arm_vcpu_hour: float  # Linux/ARM (Graviton)
    fargate_arm_gb_hour: float
    alb_hour: float  # per ALB-hour (a partial hour is a full one)
    lcu_hour: float  # per LCU-hour
    ipv4_hour: float  # per public IPv4 address-hour, in use or idle
    logs_ingest_gb: float  # CloudWatch Logs, per GB ingested (standard class)
    data_out_gb: float  # data transfer out to the internet, per GB (first 10 TB)
    data_out_free_gb: float  # free per account and month (not split per service by the what-if)
    estimated: bool = False
    sources: dict[str, str] = field(default_factory=dict)

    def fargate_rates(self, architecture: str) -> tuple[float, float]:
        """(per vCPU-hour, per GB-hour) for a task of `architecture` (X86_64 or ARM64)."""
        if architecture == "ARM64":
            return self.fargate_arm_vcpu_hour, self.fargate_arm_gb_hour
        return self.fargate_vcpu_hour, self.fargate_gb_hour


_FARGATE = "Fargate pricing [ECS-PRICE], [VANTAGE] (reference/ecs-express.md §5)"
_FARGATE_ARM = "Fargate Graviton pricing [VANTAGE] (reference/ecs-express.md §5)"
_ALB = "Elastic Load Balancing pricing [ELB-PRICE], [ELB-QUOTE] (reference/ecs-express.md §5)"
_IPV4 = "public IPv4 charge since 2024-02-01 [IPV4] (reference/ecs-express.md §5)"
_LOGS = "CloudWatch pricing page, Logs standard ingestion (list price; not in the reference)"
_DT = "data transfer out, first 10 TB, 100 GB free per account [DT] (reference/ecs-express.md §5)"

US_EAST_1 = EcsPrices(
    region="us-east-1",
    fargate_vcpu_hour=0.04048,
    fargate_gb_hour=0.004445,
    fargate_arm_vcpu_hour=0.03238,
    fargate_arm_gb_hour=0.00356,
    alb_hour=0.0225,
    lcu_hour=0.008,
    ipv4_hour=0.005,
    logs_ingest_gb=0.50,
    data_out_gb=0.09,
    data_out_free_gb=100.0,
    sources={
        "fargate": _FARGATE,
        "fargate_arm": _FARGATE_ARM,
        "alb": _ALB,
        "lcu": _ALB,
        "ipv4": _IPV4,
        "logs": _LOGS,
        "data_out": _DT,
    },
)


def ecs_prices_for(region: str) -> EcsPrices:
    """The region's ECS rates: us-east-1's as published, any other region's estimated (and flagged).

    A region App Runner prices (pricing/apprunner.py) gets us-east-1's Fargate rates times its App Runner
    vCPU rate over us-east-1's; an unknown region gets us-east-1's rates with a PricingWarning.
    """
    if region == US_EAST_1.region:
        return US_EAST_1
    base = PRICES[FALLBACK_REGION].vcpu_hour
    if region in PRICES:
        ratio = PRICES[region].vcpu_hour / base
        why = (
            f"estimate: us-east-1's rate x {ratio:.3f}, {region}'s App Runner vCPU rate over us-east-1's "
            "(no published ECS rate for the region in the reference)"
        )
    else:
        warnings.warn(
            f"no prices known for region {region!r}: using us-east-1's ECS prices as an estimate "
            f"(known regions: {', '.join(sorted(PRICES))})",
            PricingWarning,
            stacklevel=2,
        )
        ratio = 1.0
        why = "estimate: unknown region, us-east-1's rate"
    other = "estimate: us-east-1's rate (no published rate for the region in the reference)"
    return replace(
        US_EAST_1,
        region=region,
        fargate_vcpu_hour=US_EAST_1.fargate_vcpu_hour * ratio,
        fargate_gb_hour=US_EAST_1.fargate_gb_hour * ratio,
        fargate_arm_vcpu_hour=US_EAST_1.fargate_arm_vcpu_hour * ratio,
        fargate_arm_gb_hour=US_EAST_1.fargate_arm_gb_hour * ratio,
        estimated=True,
        sources={
            "fargate": why,
            "fargate_arm": why,
            **{key: other for key in ("alb", "lcu", "ipv4", "logs", "data_out")},
        },
    )
