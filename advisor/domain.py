"""Core types: what App Runner lets a service be, validated against App Runner's own limits.

botocore checks minimums but not maximums or patterns (reference/apprunner.md §5), so every range is
checked here, before anything reaches the API.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any, Literal

from advisor.errors import ConfigError

MAX_CONCURRENCY_RANGE = (1, 200)
MIN_SIZE_RANGE = (1, 25)
MAX_SIZE_QUOTA = 25  # MaxSize above this needs a support ticket (reference/apprunner.md §1)
# The longest stretch of minutes one run generates, replays or reports: CloudWatch keeps hourly data 455 days
# (reference/apprunner.md §3), so no account has a longer history. Its 655,200 minutes replay in ~0.3 GB;
# unbounded, `--days 1e6` asked for 10.7 GiB before the first line of output.
MAX_RUN_DAYS = 455
# A request trace may be longer (a user's own history, the bench's five-year trace), up to ten years
# of minutes (5.26 million, ~1.5 GB to replay); longer is more likely a wrong timestamp unit.
MAX_TRACE_DAYS = 3653
CONFIG_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_]{3,31}")
SERVICE_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_]{3,39}")
SERVICE_ID_PATTERN = re.compile(r"[0-9a-f]{32}")
SERVICE_ARN_PATTERN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):apprunner:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"service/(?P<name>[^/]+)/(?P<id>[0-9a-f]{32})"
)


class QuotaWarning(UserWarning):
    """A value App Runner accepts only after a quota increase."""


def _check_int(field: str, value: Any, low: int, high: int | None) -> int:
    allowed = f"an integer from {low} to {high}" if high is not None else f"an integer of at least {low}"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(field, value, allowed)
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(field, value, allowed) from None
    if not number.is_integer() or number < low or (high is not None and number > high):
        raise ConfigError(field, value, allowed)
    return int(number)


@dataclass(frozen=True, order=True)
class ScalingConfig:
    """App Runner's auto scaling knobs: requests per instance, warm instances, most active instances."""

    max_concurrency: int = 100
    min_size: int = 1
    max_size: int = 25

    def __post_init__(self) -> None:
        c = _check_int("MaxConcurrency", self.max_concurrency, *MAX_CONCURRENCY_RANGE)
        m = _check_int("MinSize", self.min_size, *MIN_SIZE_RANGE)
        big_m = _check_int("MaxSize", self.max_size, 1, None)
        if big_m < m:
            raise ConfigError("MaxSize", self.max_size, f"at least MinSize ({m})")
        if big_m > MAX_SIZE_QUOTA:
            warnings.warn(
                f"MaxSize={big_m} is above App Runner's default quota of {MAX_SIZE_QUOTA}: "
                "it needs a quota increase through AWS Support",
                QuotaWarning,
                stacklevel=3,
            )
        object.__setattr__(self, "max_concurrency", c)
        object.__setattr__(self, "min_size", m)
        object.__setattr__(self, "max_size", big_m)

    @classmethod
    def from_api(cls, description: dict[str, Any]) -> ScalingConfig:
        """From an AutoScalingConfiguration as DescribeAutoScalingConfiguration returns it."""
        return cls(description["MaxConcurrency"], description["MinSize"], description["MaxSize"])

    @classmethod
    def parse(cls, text: str) -> ScalingConfig:
        """From the notation `str` writes, MaxConcurrency/MinSize/MaxSize: '100/1/25'."""
        parts = text.split("/")
        if len(parts) != 3:
            raise ConfigError("configuration", text, "MaxConcurrency/MinSize/MaxSize, e.g. 100/1/25")
        return cls(*(part.strip() for part in parts))  # type: ignore[arg-type]  # each part is checked

    def to_api(self) -> dict[str, int]:
        return {"MaxConcurrency": self.max_concurrency, "MinSize": self.min_size, "MaxSize": self.max_size}

    def __str__(self) -> str:
        return f"{self.max_concurrency}/{self.min_size}/{self.max_size}"


DEFAULT_SCALING = ScalingConfig(100, 1, 25)

# Valid vCPU -> memory (GB) pairs (reference/apprunner.md §1, from the AWS CDK constants).
VALID_INSTANCE_SIZES: dict[float, tuple[float, ...]] = {
    0.25: (0.5, 1.0),
    0.5: (1.0,),
    1.0: (2.0, 3.0, 4.0),
    2.0: (4.0, 6.0),
    4.0: (8.0, 10.0, 12.0),
}
_ALLOWED_PAIRS = "; ".join(
    f"{c:g} vCPU with {' or '.join(f'{m:g} GB' for m in mems)}" for c, mems in VALID_INSTANCE_SIZES.items()
)


def _parse_quantity(field: str, value: Any, unit_word: str, units_per_whole: int) -> float:
    """'1 vCPU', '1', 1, '1024' -> 1.0 (vCPU) and '2 GB', '2048', 2 -> 2.0 (GB).

    A bare number of at least 128 is read in API units (CPU units or MB), as DescribeService returns them.
    """
    allowed = f"a number of {unit_word} (e.g. '1 {unit_word}') or API units (e.g. '{units_per_whole}')"
    if isinstance(value, bool):
        raise ConfigError(field, value, allowed)
    text = str(value).strip()
    match = re.fullmatch(rf"(\d+(?:\.\d+)?)\s*({unit_word})?", text, flags=re.IGNORECASE)
    if not match:
        raise ConfigError(field, value, allowed)
    number = float(match.group(1))
    if match.group(2) is None and number >= 128:
        number /= units_per_whole
    return number


@dataclass(frozen=True)
class InstanceSize:
    """One of App Runner's valid vCPU / memory pairs."""

    cpu_vcpu: float = 1.0
    memory_gb: float = 2.0

    def __post_init__(self) -> None:
        cpu, mem = float(self.cpu_vcpu), float(self.memory_gb)
        if cpu not in VALID_INSTANCE_SIZES:
            allowed = f"one of {', '.join(f'{c:g}' for c in VALID_INSTANCE_SIZES)} vCPU"
            raise ConfigError("Cpu", self.cpu_vcpu, allowed)
        if mem not in VALID_INSTANCE_SIZES[cpu]:
            options = " or ".join(f"{m:g} GB" for m in VALID_INSTANCE_SIZES[cpu])
            raise ConfigError(
                "Memory", self.memory_gb, f"{options} with {cpu:g} vCPU (valid pairs: {_ALLOWED_PAIRS})"
            )
        object.__setattr__(self, "cpu_vcpu", cpu)
        object.__setattr__(self, "memory_gb", mem)

    @classmethod
    def parse(cls, cpu: Any, memory: Any) -> InstanceSize:
        """Accepts both of the API's notations: '1 vCPU' or '1024'; '2 GB' or '2048'."""
        return cls(_parse_quantity("Cpu", cpu, "vCPU", 1024), _parse_quantity("Memory", memory, "GB", 1024))

    @classmethod
    def all(cls) -> list[InstanceSize]:
        return [cls(c, m) for c, mems in VALID_INSTANCE_SIZES.items() for m in mems]

    def to_api(self) -> dict[str, str]:
        return {"Cpu": str(int(self.cpu_vcpu * 1024)), "Memory": str(int(self.memory_gb * 1024))}

    def __str__(self) -> str:
        return f"{self.cpu_vcpu:g} vCPU / {self.memory_gb:g} GB"


DEFAULT_INSTANCE = InstanceSize(1.0, 2.0)


def check_config_name(name: str) -> str:
    """An AutoScalingConfigurationName as App Runner accepts it."""
    if not isinstance(name, str) or not CONFIG_NAME_PATTERN.fullmatch(name):
        raise ConfigError(
            "AutoScalingConfigurationName",
            name,
            "4-32 characters: a letter or digit, then letters, digits, '-', '_'",
        )
    return name


@dataclass(frozen=True)
class ServiceRef:
    """Which service: its ARN, and the parts of it every table keys on."""

    account_id: str
    region: str
    service_name: str
    service_id: str
    partition: str = "aws"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{12}", self.account_id):
            raise ConfigError("account_id", self.account_id, "12 digits")
        if not SERVICE_NAME_PATTERN.fullmatch(self.service_name):
            raise ConfigError(
                "ServiceName",
                self.service_name,
                "4-40 characters: a letter or digit, then letters, digits, '-', '_'",
            )
        if not SERVICE_ID_PATTERN.fullmatch(self.service_id):
            raise ConfigError("ServiceId", self.service_id, "32 lowercase hexadecimal characters")

    @property
    def arn(self) -> str:
        return (
            f"arn:{self.partition}:apprunner:{self.region}:{self.account_id}:"
            f"service/{self.service_name}/{self.service_id}"
        )

    @classmethod
    def from_arn(cls, arn: str) -> ServiceRef:
        match = SERVICE_ARN_PATTERN.fullmatch(arn or "")
        if not match:
            raise ConfigError(
                "ServiceArn", arn, "arn:aws:apprunner:<region>:<12-digit account>:service/<name>/<32-hex id>"
            )
        return cls(match["account"], match["region"], match["name"], match["id"], match["partition"])

    def __str__(self) -> str:
        return f"{self.service_name} ({self.region})"


METRICS_NAMESPACE = "AWS/AppRunner"


@dataclass(frozen=True)
class MetricSpec:
    """A service-level metric App Runner publishes (reference/apprunner.md §3, "CloudWatch metrics").

    One list serves the collector (which statistics to ask CloudWatch for, and the unit to store), the
    engine (the wide frame's columns, `<name>_<stat>`) and the sandbox (how to publish it: a count is one
    value a minute, a gauge a statistic set, latency a distribution so that percentiles exist).
    """

    name: str
    stats: tuple[str, ...]
    unit: str
    kind: Literal["count", "gauge", "latency"]


APP_RUNNER_METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("Requests", ("Sum",), "Count", "count"),
    MetricSpec("2xxStatusResponses", ("Sum",), "Count", "count"),
    MetricSpec("4xxStatusResponses", ("Sum",), "Count", "count"),
    MetricSpec("5xxStatusResponses", ("Sum",), "Count", "count"),
    MetricSpec("Concurrency", ("Maximum", "Average"), "Count", "gauge"),
    MetricSpec("ActiveInstances", ("Maximum", "Average"), "Count", "gauge"),
    MetricSpec("RequestLatency", ("Average", "p50", "p90", "p99"), "Milliseconds", "latency"),
    MetricSpec("CPUUtilization", ("Average", "Maximum"), "Percent", "gauge"),
    MetricSpec("MemoryUtilization", ("Average", "Maximum"), "Percent", "gauge"),
)
METRIC_UNITS: dict[str, str] = {spec.name: spec.unit for spec in APP_RUNNER_METRICS}
METRIC_STATS: tuple[tuple[str, str], ...] = tuple(
    (spec.name, stat) for spec in APP_RUNNER_METRICS for stat in spec.stats
)
