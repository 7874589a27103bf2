"""The seeded fleet: eight services, each a recognizable App Runner situation, with hidden behaviour.

Each service's hidden world parameters (params.py: latency and CPU curves, provisioning delay, cooldown,
active linger, deployments) differ, so the advisor cannot learn one service and know them all.

`--seed` makes it reproducible; `--services N` takes the first N, and past eight adds generated
services in us-east-1 (`gen-<shape>-NNN`), so one region can hold more services than App Runner's
configuration quota (10 names) or one ListServices page (20); `--trace NAME=FILE` adds a service whose
traffic is a user's own trace.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.domain import InstanceSize, ScalingConfig
from advisor.errors import InputError
from advisor.sandbox.params import CPU_SHAPES, LATENCY_SHAPES, WorldParams
from advisor.workload.traces import read_trace
from advisor.workload.traffic import TrafficShape, generate, shape


@dataclass(frozen=True)
class AppSetup:
    """How a sandbox service is built and wired, beyond size and scaling: what a migration plan must carry
    over (custom domains, a VPC connector, secrets, private ingress, a source-code build)."""

    source: str = "image"  # image | code (App Runner builds it from a GitHub repository)
    runtime: str = "PYTHON_3"  # a code service's managed runtime
    port: int = 8080
    env: tuple[str, ...] = ()  # variable names; the sandbox makes up their values
    secrets: tuple[str, ...] = ()  # names of variables read from Secrets Manager
    start_command: str | None = None
    health_path: str | None = None  # None: App Runner's TCP check; a path: an HTTP check there
    instance_role: bool = False
    vpc_connector: bool = False
    private: bool = False  # reachable only through a VPC interface endpoint
    custom_domains: tuple[str, ...] = ()
    observability: bool = False
    kms: bool = False

    def members(self, account: str, region: str, name: str) -> dict[str, Any]:
        """The Service-shape members App Runner would describe (laid over the console's defaults)."""
        arn = f"arn:aws:{{}}:{region}:{account}:{{}}"
        runtime: dict[str, Any] = {"Port": str(self.port)}
        if self.env:
            runtime["RuntimeEnvironmentVariables"] = {v: f"{v.lower()}-value" for v in self.env}
        if self.secrets:
            runtime["RuntimeEnvironmentSecrets"] = {
                v: arn.format("secretsmanager", f"secret:{name}/{v.lower()}-AbCdEf") for v in self.secrets
            }
        if self.start_command:
            runtime["StartCommand"] = self.start_command
        if self.source == "code":
            source: dict[str, Any] = {
                "CodeRepository": {
                    "RepositoryUrl": f"https://github.com/example/{name}",
                    "SourceCodeVersion": {"Type": "BRANCH", "Value": "main"},
                    "CodeConfiguration": {
                        "ConfigurationSource": "API",
                        "CodeConfigurationValues": {"Runtime": self.runtime, **runtime},
                    },
                },
                "AuthenticationConfiguration": {
                    "ConnectionArn": arn.format("apprunner", f"connection/github/{'0' * 31}1")
                },
            }
        else:
            source = {"ImageRepository": {"ImageConfiguration": runtime}}
        members: dict[str, Any] = {
            "SourceConfiguration": source,
            "HealthCheckConfiguration": {"Protocol": "HTTP", "Path": self.health_path}
            if self.health_path
            else {"Protocol": "TCP"},
            "NetworkConfiguration": {"IngressConfiguration": {"IsPubliclyAccessible": not self.private}},
            "ObservabilityConfiguration": {"ObservabilityEnabled": self.observability},
        }
        if self.vpc_connector:
            members["NetworkConfiguration"]["EgressConfiguration"] = {
                "EgressType": "VPC",
                "VpcConnectorArn": arn.format("apprunner", f"vpcconnector/{name}-vpc/1/{'0' * 31}2"),
            }
        if self.instance_role:
            members["InstanceConfiguration"] = {"InstanceRoleArn": f"arn:aws:iam::{account}:role/{name}-task"}
        if self.kms:
            members["EncryptionConfiguration"] = {
                "KmsKey": arn.format("kms", f"key/{uuid.uuid5(uuid.NAMESPACE_DNS, name)}")
            }
        return members


@dataclass(frozen=True)
class FleetService:
    """One sandbox service: what App Runner shows (name, region, size, config, status) and what it hides."""

    name: str
    region: str
    instance: InstanceSize
    config: ScalingConfig
    params: WorldParams
    situation: str  # one line: why this service is in the fleet
    traffic: TrafficShape | None = None
    trace: pd.Series | None = None  # requests per minute, used instead of `traffic`
    status: str = "RUNNING"
    tags: tuple[tuple[str, str], ...] = ()
    app: AppSetup = AppSetup()

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
    w = WorldParams
    return [
        FleetService(
            "orders-api",
            "us-east-1",
            InstanceSize(1, 2),
            ScalingConfig(100, 1, 25),
            w(unloaded_latency_s=0.08, scale=100, exponent=2.5, sigma=0.25, cpu_at_knee_pct=75,
              scale_out_delay_s=45, scale_in_cooldown_s=300, active_linger_s=60, cold_start_s=20,
              cold_extra_s=0.5, deployments_per_fortnight=4),
            "a steady JSON API on App Runner's defaults",
            traffic=shape("steady", mean_rpm=30_000),
            tags=(("team", "orders"), ("env", "prod")),
            app=AppSetup(env=("LOG_LEVEL", "DB_HOST"), secrets=("DB_PASSWORD",), health_path="/healthz",
                         instance_role=True, custom_domains=("api.orders.example.com",),
                         observability=True),
        ),
        FleetService(
            "shop-web",
            "eu-west-1",
            InstanceSize(1, 2),
            ScalingConfig(80, 2, 15),
            w(latency_shape="queue", unloaded_latency_s=0.2, scale=240, sigma=0.35, sigma_load=0.1,
              cpu_shape="convex", cpu_at_knee_pct=60, scale_out_delay_s=90, scale_out_window_s=60,
              scale_in_cooldown_s=600, active_linger_s=120, cold_start_s=40, cold_extra_s=1.2,
              deployments_per_fortnight=2),
            "a web shop with a strong daily cycle and busy weekends",
            traffic=shape("diurnal", mean_rpm=9_000),
            tags=(("team", "storefront"), ("env", "prod")),
            app=AppSetup(source="code", runtime="NODEJS_18", port=3000, env=("NODE_ENV",),
                         start_command="npm start", health_path="/",
                         custom_domains=("shop.example.com", "www.shop.example.com")),
        ),
        FleetService(
            "b2b-portal",
            "us-east-2",
            InstanceSize(2, 4),
            ScalingConfig(100, 2, 10),
            w(latency_shape="linear-steep", unloaded_latency_s=0.3, scale=170, exponent=6, sigma=0.3,
              cpu_shape="concave", cpu_at_knee_pct=110, memory_base_pct=45, scale_out_delay_s=150,
              scale_in_cooldown_s=900, active_linger_s=30, cold_start_s=60, cold_extra_s=2.0,
              deployments_per_fortnight=5),
            "a weekday business app, quiet at night and weekends",
            traffic=shape("weekday", mean_rpm=6_000),
            tags=(("team", "b2b"), ("env", "prod")),
            app=AppSetup(env=("TENANT_TABLE",), secrets=("DB_PASSWORD", "SSO_CLIENT_SECRET"),
                         instance_role=True, vpc_connector=True, kms=True),
        ),
        FleetService(
            "webhook-receiver",
            "us-west-2",
            InstanceSize(0.5, 1),
            ScalingConfig(100, 1, 25),
            w(unloaded_latency_s=0.15, scale=68, exponent=3, sigma=0.4, sigma_load=0.2, cpu_at_knee_pct=95,
              scale_out_delay_s=30, scale_out_spread=0.6, scale_in_cooldown_s=120, active_linger_s=15,
              cold_start_s=45, cold_extra_s=1.5, deployments_per_fortnight=3),
            "an event-driven webhook receiver with sharp bursts",
            traffic=shape("bursty", mean_rpm=2_500),
            tags=(("team", "integrations"), ("env", "prod")),
            app=AppSetup(secrets=("WEBHOOK_SIGNING_KEY",), health_path="/ping"),
        ),
        FleetService(
            "admin-tool",
            "eu-west-1",
            InstanceSize(0.25, 0.5),
            ScalingConfig(100, 1, 25),
            w(unloaded_latency_s=0.12, scale=57, exponent=2, sigma=0.3, cpu_at_knee_pct=70,
              scale_out_delay_s=120, scale_in_cooldown_s=480, active_linger_s=180, cold_start_s=30,
              deployments_per_fortnight=1),
            "a low-traffic internal tool",
            traffic=shape("low", mean_rpm=8),
            tags=(("team", "platform"), ("env", "internal")),
            app=AppSetup(port=80, vpc_connector=True, private=True),
        ),
        FleetService(
            "catalog-svc",
            "ap-northeast-1",
            InstanceSize(1, 2),
            ScalingConfig(100, 10, 25),
            w(latency_shape="queue", unloaded_latency_s=0.1, scale=310, sigma=0.25, sigma_load=0.1,
              cpu_shape="convex", cpu_at_knee_pct=50, scale_out_delay_s=60, scale_in_cooldown_s=240,
              active_linger_s=90, cold_start_s=25, deployments_per_fortnight=2),
            "over-provisioned: MinSize 10 where 2 instances would do",
            traffic=shape("steady", mean_rpm=45_000, daily_swing=0.4),
            tags=(("team", "catalog"), ("env", "prod")),
            app=AppSetup(env=("CACHE_TTL_S",), health_path="/health", custom_domains=tuple(
                f"catalog.{country}.example.com" for country in ("jp", "kr", "sg", "au", "in", "tw"))),
        ),
        FleetService(
            "checkout-api",
            "us-east-1",
            InstanceSize(1, 2),
            ScalingConfig(150, 1, 2),
            w(latency_shape="linear-steep", unloaded_latency_s=0.08, scale=45, exponent=4, sigma=0.3,
              cpu_at_knee_pct=85, scale_out_delay_s=180, scale_in_cooldown_s=360, active_linger_s=45,
              cold_start_s=30, cold_extra_s=1.0, deployments_per_fortnight=4),
            "under-provisioned: MaxSize 2 and MaxConcurrency above its knee, throttles",
            traffic=shape("diurnal", mean_rpm=42_000),
            tags=(("team", "payments"), ("env", "prod")),
            app=AppSetup(secrets=("STRIPE_API_KEY",), health_path="/healthz", instance_role=True,
                         custom_domains=("pay.example.com",), observability=True),
        ),
        FleetService(
            "legacy-reports",
            "us-east-1",
            InstanceSize(1, 2),
            ScalingConfig(100, 1, 25),
            w(unloaded_latency_s=0.5, scale=100, exponent=2, active_linger_s=100,
              deployments_per_fortnight=0),
            "paused: a retired reporting service",
            traffic=shape("low", mean_rpm=3),
            status="PAUSED",
            tags=(("team", "finance"), ("env", "prod")),
            app=AppSetup(source="code", runtime="PYTHON_311", start_command="python -m reports"),
        ),
    ]  # fmt: skip


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
        generated_params(i),
        f"generated: {kind} traffic on a shared configuration",
        traffic=shape(kind, mean_rpm=shape(kind).mean_rpm * scale),
        tags=(("team", "generated"), ("env", "prod")),
    )


def generated_params(i: int) -> WorldParams:
    """Hidden parameters of the i-th generated service, drawn from ranges users report (params.py)."""
    rng = np.random.default_rng([i, 0x5EED])
    low, high = rng.uniform, rng.integers
    return WorldParams(
        latency_shape=LATENCY_SHAPES[i % len(LATENCY_SHAPES)],
        unloaded_latency_s=round(low(0.05, 0.35), 3),
        scale=round(low(50, 200)),
        exponent=round(low(2, 4), 1),
        sigma=round(low(0.2, 0.45), 2),
        sigma_load=round(low(0.05, 0.25), 2),
        cpu_shape=CPU_SHAPES[int(high(0, len(CPU_SHAPES)))],
        cpu_at_knee_pct=round(low(40, 130)),
        memory_base_pct=round(low(20, 50)),
        scale_out_delay_s=round(low(30, 180)),
        scale_out_window_s=int(high(2, 7)) * 10,
        scale_in_cooldown_s=round(low(120, 900)),
        active_linger_s=round(low(10, 180)),
        cold_start_s=int(high(10, 61)),
        cold_extra_s=round(low(0.2, 2.0), 2),
        deployments_per_fortnight=round(low(1, 6), 1),
    )


def default_fleet(services: int = 8) -> list[FleetService]:
    """The first `services` of the eight templates; past eight, generated services in us-east-1."""
    if services < 0:
        raise InputError(f"--services {services} is invalid: allowed 0 or more")
    templates = _templates()
    return templates[:services] + [generated_service(i) for i in range(max(0, services - len(templates)))]


def trace_service(spec: str) -> FleetService:
    """A service from `NAME=FILE`: the trace's traffic, App Runner's defaults, the default world."""
    name, sep, path = spec.partition("=")
    if not sep or not name or not path:
        raise InputError(f"--trace {spec!r} is invalid: write NAME=FILE, e.g. --trace my-api=requests.csv")
    requests = read_trace(Path(path))
    return FleetService(
        name,
        "us-east-1",
        InstanceSize(1, 2),
        ScalingConfig(100, 1, 25),
        WorldParams(),
        f"seeded from the trace {path}",
        trace=requests,
        tags=(("source", "trace"),),
    )
