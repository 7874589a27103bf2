"""The seeded fleet: eight services, each a recognizable App Runner situation, with hidden capacity.

`--seed` makes it reproducible; `--services N` takes the first N, and past eight adds generated
services in us-east-1 (`gen-<shape>-NNN`), so one region can hold more services than App Runner's
configuration quota (10 names) or one ListServices page (20); `--trace NAME=FILE` adds a service whose
traffic is a user's own trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.telemetry import ServiceBehavior
from advisor.errors import InputError
from advisor.workload.traces import read_trace
from advisor.workload.traffic import TrafficShape, generate, shape


@dataclass(frozen=True)
class FleetService:
    """One sandbox service: what App Runner shows (name, region, size, config, status) and what it hides."""

    name: str
    region: str
    instance: InstanceSize
    config: ScalingConfig
    behavior: ServiceBehavior
    situation: str  # one line: why this service is in the fleet
    traffic: TrafficShape | None = None
    trace: pd.Series | None = None  # requests per minute, used instead of `traffic`
    status: str = "RUNNING"
    tags: tuple[tuple[str, str], ...] = ()

    def requests(self, start: pd.Timestamp, minutes: int, seed: int) -> np.ndarray:
        """Requests per minute for `minutes` minutes from `start` (a trace is laid end to end from start)."""
        if self.trace is not None:
            values = self.trace.to_numpy()
            return np.resize(values, minutes).astype(float)
        if self.traffic is None:
            raise ValueError(f"{self.name} has neither a traffic shape nor a trace")
        end = start + pd.Timedelta(minutes=minutes)
        return (
            generate(self.traffic, days=minutes / 1440, end=end, seed=seed)["requests"]
            .to_numpy()
            .astype(float)
        )


def _templates() -> list[FleetService]:
    b = ServiceBehavior
    return [
        FleetService(
            "orders-api",
            "us-east-1",
            InstanceSize(1, 2),
            ScalingConfig(100, 1, 25),
            b(knee=60, latency_s=0.08),
            "a steady JSON API on App Runner's defaults",
            traffic=shape("steady", mean_rpm=30_000),
            tags=(("team", "orders"), ("env", "prod")),
        ),
        FleetService(
            "shop-web",
            "eu-west-1",
            InstanceSize(1, 2),
            ScalingConfig(80, 2, 15),
            b(knee=70, latency_s=0.2),
            "a web shop with a strong daily cycle and busy weekends",
            traffic=shape("diurnal", mean_rpm=9_000),
            tags=(("team", "storefront"), ("env", "prod")),
        ),
        FleetService(
            "b2b-portal",
            "us-east-2",
            InstanceSize(2, 4),
            ScalingConfig(100, 2, 10),
            b(knee=120, latency_s=0.3, memory_base_pct=45),
            "a weekday business app, quiet at night and weekends",
            traffic=shape("weekday", mean_rpm=6_000),
            tags=(("team", "b2b"), ("env", "prod")),
        ),
        FleetService(
            "webhook-receiver",
            "us-west-2",
            InstanceSize(0.5, 1),
            ScalingConfig(100, 1, 25),
            b(knee=40, latency_s=0.15),
            "an event-driven webhook receiver with sharp bursts",
            traffic=shape("bursty", mean_rpm=2_500),
            tags=(("team", "integrations"), ("env", "prod")),
        ),
        FleetService(
            "admin-tool",
            "eu-west-1",
            InstanceSize(0.25, 0.5),
            ScalingConfig(100, 1, 25),
            b(knee=30, latency_s=0.12),
            "a low-traffic internal tool",
            traffic=shape("low", mean_rpm=8),
            tags=(("team", "platform"), ("env", "internal")),
        ),
        FleetService(
            "catalog-svc",
            "ap-northeast-1",
            InstanceSize(1, 2),
            ScalingConfig(100, 10, 25),
            b(knee=90, latency_s=0.1),
            "over-provisioned: MinSize 10 where 2 instances would do",
            traffic=shape("steady", mean_rpm=45_000, daily_swing=0.4),
            tags=(("team", "catalog"), ("env", "prod")),
        ),
        FleetService(
            "checkout-api",
            "us-east-1",
            InstanceSize(1, 2),
            ScalingConfig(150, 1, 2),
            b(knee=50, latency_s=0.25),
            "under-provisioned: MaxSize 2 and MaxConcurrency above its knee, throttles",
            traffic=shape("diurnal", mean_rpm=42_000),
            tags=(("team", "payments"), ("env", "prod")),
        ),
        FleetService(
            "legacy-reports",
            "us-east-1",
            InstanceSize(1, 2),
            ScalingConfig(100, 1, 25),
            b(knee=80, latency_s=0.5),
            "paused: a retired reporting service",
            traffic=shape("low", mean_rpm=3),
            status="PAUSED",
            tags=(("team", "finance"), ("env", "prod")),
        ),
    ]


# Generated services share a few configurations, as a real account's services do (Terraform modules,
# copied settings): (MaxConcurrency, MinSize, MaxSize) with the instance size that goes with each.
GENERATED_CONFIGS: tuple[tuple[ScalingConfig, InstanceSize], ...] = (
    (ScalingConfig(100, 1, 25), InstanceSize(1, 2)),
    (ScalingConfig(80, 2, 10), InstanceSize(1, 2)),
    (ScalingConfig(50, 1, 5), InstanceSize(0.5, 1)),
)
GENERATED_SHAPES = ("steady", "diurnal", "weekday", "bursty", "growing", "low")
GENERATED_REGION = "us-east-1"


def generated_service(i: int) -> FleetService:
    """The i-th generated service (0-based): a traffic shape and a shared configuration in turn, its
    rate and hidden capacity varied by `i` so no two are alike."""
    kind = GENERATED_SHAPES[i % len(GENERATED_SHAPES)]
    config, instance = GENERATED_CONFIGS[i % len(GENERATED_CONFIGS)]
    scale = 0.5 + (i * 37 % 100) / 100  # 0.5x to 1.5x of the shape's own mean rate
    return FleetService(
        f"gen-{kind}-{i + 1:03d}",
        GENERATED_REGION,
        instance,
        config,
        ServiceBehavior(knee=40 + (i * 17) % 90, latency_s=0.05 + (i * 13 % 30) / 100),
        f"generated: {kind} traffic on a shared configuration",
        traffic=shape(kind, mean_rpm=shape(kind).mean_rpm * scale),
        tags=(("team", "generated"), ("env", "prod")),
    )


def default_fleet(services: int = 8) -> list[FleetService]:
    """The first `services` of the eight templates; past eight, generated services in us-east-1."""
    if services < 0:
        raise InputError(f"--services {services} is invalid: allowed 0 or more")
    templates = _templates()
    return templates[:services] + [generated_service(i) for i in range(max(0, services - len(templates)))]


def trace_service(spec: str) -> FleetService:
    """A service from `NAME=FILE`: the trace's traffic, App Runner's defaults, the protocol's behavior."""
    name, sep, path = spec.partition("=")
    if not sep or not name or not path:
        raise InputError(f"--trace {spec!r} is invalid: write NAME=FILE, e.g. --trace my-api=requests.csv")
    requests = read_trace(Path(path))
    return FleetService(
        name,
        "us-east-1",
        InstanceSize(1, 2),
        ScalingConfig(100, 1, 25),
        ServiceBehavior(),
        f"seeded from the trace {path}",
        trace=requests,
        tags=(("source", "trace"),),
    )
