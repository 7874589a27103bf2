"""The sandbox's own ECS Express Mode: a service's traffic replayed on Fargate tasks behind an ALB.

This is the world the migration what-if is checked against, written from reference/ecs-express.md §3
and §5, never from the engine (the import contract forbids it). It reuses the sandbox's own traffic and
service physics: the same per-second Poisson arrivals the service's App Runner metrics came from
(physics._noise with the service's seed) and its hidden latency and CPU curves (params.py).

- Serving: the ALB spreads requests over the *serving* tasks (healthy in the target group, not
  draining) by least outstanding requests, which for identical tasks is an even spread. A task of
  `vcpu` serves like `vcpu / instance vCPU` App Runner instances of the service (its work is CPU-bound:
  twice the vCPU absorbs twice the rate at the same latency). There are no 429s: what the tasks cannot
  absorb waits in a queue (a Lindley recursion per second) and its wait adds to every queued request's
  latency, up to the ALB's 60-second idle timeout.
- Metrics, as CloudWatch publishes them for target tracking: one datapoint per minute, the average over
  the minute of ECSServiceAverageCPUUtilization / ...MemoryUtilization over *running* tasks (a task
  still in health checks runs and reports its idle CPU), or ALBRequestCountPerTarget = the minute's
  requests / the minute's average healthy targets. A minute's datapoint reaches the alarms
  `metric_delay_s` after the minute ends.
- Application Auto Scaling target tracking: the high alarm needs `scale_out_datapoints` (3) datapoints
  in a row above the target, the low alarm `scale_in_datapoints` (15) below `scale_in_threshold` x the
  target; an alarm that holds invokes the policy again at each new datapoint. Scale-out is proportional,
  desired = ceil(desired x metric / target) (the scalable dimension is ecs:service:DesiredCount, so
  tasks still starting count, and a metric that stays high while they start raises it again), and is
  never blocked (during its own cooldown the tasks
  already added count in the desired count they are compared with; during a scale-in cooldown AWS scales
  out at once). Scale-in is gradual (at most `scale_in_max_share` of the tasks per action), waits for the
  scale-in cooldown after the previous scale-in, and is off during deployments [ECS-TT]. No datapoint
  (no running task) means insufficient data: no action.
- Tasks: a scale-out starts tasks that are placed (`placement_s`), pull their image (a lognormal delay
  drawn per event), start the container, then pass the ALB's health checks (`healthy_threshold` x
  `health_interval_s`, 5 x 30 s under Express) before they get traffic. A newly serving task is slow for
  its first seconds (the service's own cold start). Scale-in takes starting tasks first, then serving ones,
  which drain (`drain_s`) before they stop.
- Deployments come on the service's own schedule (physics.deployment_windows); with `canary_copies` a
  second task set as large as the first runs, billed, for each window (unverified: reference §1).
- Billing: Fargate per second from image-pull start to stop with a 1-minute minimum per task [FG-PRICE];
  one public IPv4 per task (Express's default network) and `alb_public_ips` for the ALB, per hour,
  prorated by the second; the ALB's hour (a partial hour is a full hour) and both shared by
  `alb_services`; LCUs per hour from this service's own requests.

Hidden per service (`EcsWorldParams`, drawn from the service's seed by `ecs_params`): placement, image
pull, container start, health checks, metric delay, low-alarm threshold, scale-in step, drain time,
canary copies, the ALB's public IPs, connections and bytes per request. Documented here only.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from advisor.domain import InstanceSize
from advisor.sandbox.params import CPU_EXPONENTS, WorldParams
from advisor.sandbox.physics import (
    TICK_S,
    _latency,
    _noise,
    _rolling,
    _weighted,
    deployment_windows,
)
from advisor.sandbox.world import LiveService

METRICS = {
    "AVERAGE_CPU": "ECSServiceAverageCPUUtilization",
    "AVERAGE_MEMORY": "ECSServiceAverageMemoryUtilization",
    "REQUEST_COUNT_PER_TARGET": "ALBRequestCountPerTarget",
}
ARCHITECTURES = ("X86_64", "ARM64")
# Fargate task sizes (reference §6): CPU units -> (lowest, highest, step) memory in MiB.
TASK_SIZES = {
    256: (512, 2048, None),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}
SMALLEST_MEMORY = (512, 1024, 2048)  # the 0.25 vCPU task's three sizes
ALB_IDLE_TIMEOUT_S = 60.0  # the longest a queued request waits (the ALB then answers 504)
EXPRESS_STREAM = 2_000_003  # the seed stream of the Express world's own draws
WARM_UP_MINUTES = 60  # replayed before the window (when its traffic exists) and dropped
MINUTES_PER_MONTH = 43_200  # the project's month: 30 days (PROTOCOL.md §4), as the advisor's totals


@dataclass(frozen=True)
class Prices:
    """The sandbox's own list prices (reference §5, us-east-1): the world bills with these, not with
    advisor.pricing, so a mistake in one does not hide in the other. Other regions are billed at the
    same rates (their Fargate prices are not in the reference: unverified)."""

    vcpu_hour: float = 0.04048
    gb_hour: float = 0.004445
    arm_vcpu_hour: float = 0.03238
    arm_gb_hour: float = 0.00356
    alb_hour: float = 0.0225
    lcu_hour: float = 0.008
    ipv4_hour: float = 0.005


PRICES = Prices()


@dataclass(frozen=True)
class ExpressConfig:
    """What an Express service is configured with: task size, scaling target and the SLO to judge by."""

    cpu_units: int = 1024
    memory_mb: int = 2048
    min_tasks: int = 1
    max_tasks: int = 20
    metric: str = "AVERAGE_CPU"
    target_value: float = 60.0  # percent, or requests per target per minute
    latency_objective_ms: float = 1000.0
    scale_out_cooldown_s: int = 300
    scale_in_cooldown_s: int = 300
    alb_services: int = 1  # services sharing the ALB's hourly fee and its public IPs (at most 25)
    public_ip_per_task: bool = True
    architecture: str = "X86_64"

    def __post_init__(self) -> None:
        if self.cpu_units not in TASK_SIZES:
            raise ValueError(
                f"cpu {self.cpu_units} is not a Fargate size: one of {', '.join(map(str, TASK_SIZES))}"
            )
        low, high, step = TASK_SIZES[self.cpu_units]
        valid = (
            self.memory_mb in SMALLEST_MEMORY
            if step is None
            else low <= self.memory_mb <= high and self.memory_mb % step == 0
        )
        if not valid:
            raise ValueError(
                f"memory {self.memory_mb} MiB does not go with cpu {self.cpu_units}: "
                f"{low} to {high} MiB" + (f" in steps of {step}" if step else " (512, 1024 or 2048)")
            )
        if not 1 <= self.min_tasks <= self.max_tasks:
            raise ValueError(
                f"min_tasks {self.min_tasks} / max_tasks {self.max_tasks}: need 1 <= min <= max "
                "(this world does not scale to zero)"
            )
        if self.metric not in METRICS:
            raise ValueError(f"metric {self.metric!r}: one of {', '.join(METRICS)}")
        if not self.target_value > 0:
            raise ValueError(f"target_value {self.target_value} must be above 0")
        if self.metric != "REQUEST_COUNT_PER_TARGET" and self.target_value > 100:
            raise ValueError(f"target_value {self.target_value} is a percentage here: at most 100")
        if not self.latency_objective_ms > 0:
            raise ValueError(f"latency_objective_ms {self.latency_objective_ms} must be above 0")
        if self.scale_out_cooldown_s < 0 or self.scale_in_cooldown_s < 0:
            raise ValueError("cooldowns are seconds, 0 or more")
        if not 1 <= self.alb_services <= 25:
            raise ValueError(f"alb_services {self.alb_services}: 1 to 25 services share an ALB")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture {self.architecture!r}: one of {', '.join(ARCHITECTURES)}")

    @property
    def vcpu(self) -> float:
        return self.cpu_units / 1024

    @property
    def memory_gb(self) -> float:
        return self.memory_mb / 1024

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> ExpressConfig:
        """From the control endpoint's JSON or an engine outcome's `config`: `cpu`/`memory` as the ECS
        API writes them ("1024", "2048") or `cpu_units`/`memory_mb`; every other field by its name."""
        known = {f for f in cls.__dataclass_fields__}
        fields = {k: v for k, v in payload.items() if k in known}
        for api, ours in (("cpu", "cpu_units"), ("memory", "memory_mb")):
            if api in payload and ours not in fields:
                fields[ours] = payload[api]
        for name in ("cpu_units", "memory_mb", "min_tasks", "max_tasks", "alb_services"):
            if name in fields:
                fields[name] = _integer(name, fields[name])
        for name in ("scale_out_cooldown_s", "scale_in_cooldown_s"):
            if name in fields:
                fields[name] = _integer(name, fields[name])
        for name in ("target_value", "latency_objective_ms"):
            if name in fields:
                fields[name] = _number(name, fields[name])
        return cls(**fields)


def _integer(name: str, value: Any) -> int:
    number = _number(name, value)
    if number != int(number):
        raise ValueError(f"{name} {value!r} must be a whole number")
    return int(number)


def _number(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} must be a number") from None
    if not math.isfinite(number) or isinstance(value, bool):
        raise ValueError(f"{name} {value!r} must be a finite number")
    return number


@dataclass(frozen=True)
class EcsWorldParams:
    """One service's hidden ECS behaviour (defaults: what AWS documents or users report)."""

    placement_s: float = 15.0  # scheduling and ENI attachment before the image pull starts (not billed)
    image_pull_s: float = 30.0  # median of the per-event image pull
    image_pull_spread: float = 0.4  # lognormal sigma of that pull between events
    container_start_s: float = 5.0  # from pulled to listening
    health_interval_s: int = 30  # the target group's health checks (Express: 30 s, 5 healthy)
    healthy_threshold: int = 5
    metric_delay_s: int = 60  # a minute's datapoint reaches the alarm this long after the minute
    scale_out_datapoints: int = 3
    scale_in_datapoints: int = 15
    scale_in_threshold: float = 0.9  # the low alarm sits at this share of the target
    scale_in_max_share: float = 0.5  # scale-in removes at most this share of the tasks per action
    drain_s: int = 30  # a scaled-in serving task drains, then stops (billed meanwhile)
    canary_copies: bool = True  # a deployment runs a second, full task set for its window
    alb_public_ips: int = 2  # one per enabled AZ of the internet-facing ALB
    requests_per_connection: float = 20.0
    connection_s: float = 15.0  # how long a client connection stays open
    bytes_per_request: float = 6_000.0  # request plus response, processed by the ALB

    def truth(self) -> dict[str, Any]:
        return asdict(self)


def ecs_params(seed: int) -> EcsWorldParams:
    """The hidden ECS behaviour of the service with this seed, drawn from ranges users report."""
    rng = np.random.default_rng([seed, EXPRESS_STREAM])
    low = rng.uniform
    return EcsWorldParams(
        placement_s=round(low(5, 30)),
        image_pull_s=round(low(10, 90)),
        image_pull_spread=round(low(0.2, 0.6), 2),
        container_start_s=round(low(2, 20)),
        metric_delay_s=int(rng.choice([60, 60, 120])),
        scale_in_threshold=round(low(0.85, 0.95), 2),
        scale_in_max_share=round(low(0.25, 0.5), 2),
        drain_s=int(rng.choice([10, 30, 60, 120])),
        canary_copies=bool(rng.random() < 0.7),
        alb_public_ips=int(rng.choice([2, 2, 3])),
        requests_per_connection=round(low(5, 50)),
        connection_s=round(low(5, 60)),
        bytes_per_request=round(low(1_000, 20_000)),
    )


def billed_seconds(life_s: float) -> float:
    """What Fargate bills for a task that lived `life_s` seconds: per second, at least one minute."""
    return max(60.0, life_s)


@dataclass
class _Batch:
    """Tasks started by one scale-out: billed from `billed_from`, running, then serving at `serving_at`."""

    billed_from: float
    running_at: float
    serving_at: float
    count: int


@dataclass
class _Policy:
    """Target tracking's state: the desired count, the alarm's recent datapoints, the last actions."""

    desired: int
    datapoints: list[float]
    last_out: float = -math.inf
    last_in: float = -math.inf
    scale_outs: int = 0
    scale_ins: int = 0


@dataclass(frozen=True)
class ExpressReplay:
    """A replayed stretch: per minute, and its totals."""

    minutes: pd.DataFrame  # columns: see MINUTE_COLUMNS
    config: ExpressConfig
    scale_out_events: int
    scale_in_events: int

    def totals(self) -> dict[str, Any]:
        m = self.minutes
        minutes = len(m)
        month = MINUTES_PER_MONTH / max(minutes, 1)
        fargate = float(m["fargate_usd"].sum())
        cost = float(m["cost_usd"].sum())
        return {
            "minutes": minutes,
            "requests": int(m["requests"].sum()),
            "breach_minutes": int(m["breach"].sum()),
            "task_hours": float(m["task_seconds"].sum()) / 3600,
            "serving_task_hours": float(m["tasks_serving"].sum()) / 60,
            "vcpu_seconds": float(m["vcpu_seconds"].sum()),
            "gb_seconds": float(m["gb_seconds"].sum()),
            "fargate_usd": fargate,
            "public_ipv4_usd": float(m["public_ipv4_usd"].sum()),
            "alb_usd": float(m["alb_usd"].sum()),
            "lcu_usd": float(m["lcu_usd"].sum()),
            "cost_usd": cost,
            "monthly_fargate_usd": fargate * month,
            "monthly_cost_usd": cost * month,
            "max_tasks": int(m["tasks_running"].max()) if minutes else 0,
            "max_queued": float(m["queued_max"].max()) if minutes else 0.0,
            "scale_out_events": self.scale_out_events,
            "scale_in_events": self.scale_in_events,
        }

    def to_dict(self) -> dict[str, Any]:
        rows = self.minutes.reset_index()
        rows["timestamp"] = rows["timestamp"].map(lambda t: t.isoformat().replace("+00:00", "Z"))
        table = rows.astype(object).where(rows.notna(), None)
        return {
            "config": asdict(self.config),
            "totals": self.totals(),
            "columns": list(table.columns),
            "minutes": table.to_numpy().tolist(),
        }


MINUTE_COLUMNS = (
    "desired", "tasks_running", "tasks_serving", "requests", "metric", "latency_avg_ms",
    "latency_p99_ms", "breach", "queued_max", "task_seconds", "vcpu_seconds", "gb_seconds",
    "fargate_usd", "public_ipv4_usd", "alb_usd", "lcu_usd", "cost_usd",
)  # fmt: skip


class _Service:
    """The service's curves seen from a task of the configured size (tables for the hot loop)."""

    def __init__(self, params: WorldParams, instance: InstanceSize, config: ExpressConfig):
        curve = params.curve
        self.params = params
        self.curve = curve
        self.ratio = instance.cpu_vcpu / config.vcpu  # instance-equivalent rate per unit of task rate
        self.memory_ratio = instance.memory_gb / config.memory_gb
        self.throughput = curve.throughput_list
        self.peak_rate = float(curve.throughput[-1])  # per instance-equivalent: what one absorbs at most
        self.peak_index = int(np.argmax(curve.throughput >= self.peak_rate))
        gamma = CPU_EXPONENTS[params.cpu_shape]
        slope = (params.cpu_at_knee_pct - params.cpu_base_pct) / params.knee**gamma
        self.cpu_table = np.minimum(100.0, params.cpu_base_pct + slope * curve.k**gamma).tolist()
        memory = params.memory_base_pct + params.memory_per_request_pct * curve.k
        self.memory_table = np.minimum(100.0, memory * self.memory_ratio).tolist()

    def index(self, task_rate: float) -> int:
        """The latency table's index of in-flight per instance-equivalent at a per-task rate."""
        equivalent = task_rate * self.ratio
        if equivalent >= self.peak_rate:
            return self.peak_index
        return bisect.bisect_left(self.throughput, equivalent)

    def usage_table(self, metric: str) -> list[float] | None:
        """A task's CPU or memory % per table index, for the metric that has one."""
        return {"AVERAGE_CPU": self.cpu_table, "AVERAGE_MEMORY": self.memory_table}.get(metric)


def replay(
    params: WorldParams,
    ecs: EcsWorldParams,
    instance: InstanceSize,
    config: ExpressConfig,
    requests: np.ndarray,
    first_minute: int,
    index: pd.DatetimeIndex,
    seed: int,
    *,
    warm_up_minutes: int = WARM_UP_MINUTES,
    prices: Prices = PRICES,
) -> ExpressReplay:
    """Minutes [first_minute, first_minute + len(index)) of a service whose per-minute request counts
    (from its minute 0) are `requests`, served under `config`; the same seed draws the same per-second
    arrivals as the service's App Runner world. Up to `warm_up_minutes` before the window are replayed
    first, from a task count that holds the first minute at the target, and dropped."""
    warm = min(warm_up_minutes, first_minute)
    begin, end = first_minute - warm, first_minute + len(index)
    if -(-end // 60) * 60 > len(requests):  # draws are made per whole hour
        raise ValueError(f"the service's traffic has {len(requests)} minutes, the window needs {end}")
    service = _Service(params, instance, config)
    noise = _noise(seed, requests, begin, end)
    arrivals = noise.arrivals
    n_ticks = len(arrivals) // TICK_S
    tick_arrivals = arrivals.reshape(n_ticks, TICK_S).sum(axis=1)
    start_s = begin * 60
    rng = np.random.default_rng([seed, EXPRESS_STREAM, begin])
    pulls = ecs.image_pull_s * np.exp(ecs.image_pull_spread * rng.standard_normal(n_ticks))
    windows = deployment_windows(params, seed, start_s, end * 60)
    ticks = start_s + TICK_S * np.arange(n_ticks)
    deploying = np.zeros(n_ticks, dtype=bool)
    for a, b in windows:
        deploying |= (ticks >= a) & (ticks < b)
    initial = _initial_tasks(service, config, float(requests[begin]) / 60)
    control = _control(service, ecs, config, tick_arrivals, pulls, deploying, start_s, initial)
    minutes = _minutes(service, ecs, config, prices, noise, control, arrivals, index, warm)
    return ExpressReplay(minutes, config, control["scale_outs"], control["scale_ins"])


def _initial_tasks(service: _Service, config: ExpressConfig, rate: float) -> int:
    """The fewest tasks that hold the metric at or under the target at this arrival rate (a settled start)."""
    for n in range(config.min_tasks, config.max_tasks + 1):
        table = service.usage_table(config.metric)
        value = table[service.index(rate / n)] if table is not None else rate * 60 / n
        if value <= config.target_value:
            return n
    return config.max_tasks


def _control(
    service: _Service,
    ecs: EcsWorldParams,
    config: ExpressConfig,
    tick_arrivals: np.ndarray,
    pulls: np.ndarray,
    deploying: np.ndarray,
    start_s: int,
    initial: int,
) -> dict[str, Any]:
    """Target tracking and the tasks' lifecycle, one tick at a time: per tick the desired, running,
    serving and billed tasks, tasks that began serving, and Fargate's 1-minute top-ups; per minute the
    metric datapoint."""
    n = len(tick_arrivals)
    per_minute = 60 // TICK_S
    out: dict[str, list[int]] = {k: [] for k in ("desired", "running", "serving", "billed", "became")}
    topup = np.zeros(n)
    table = service.usage_table(config.metric)
    metric = np.full(n // per_minute, np.nan)
    settled = start_s - 3600.0  # the first tasks have run, and served, for a while
    batches = [_Batch(settled, settled, settled, initial)]
    draining: list[tuple[float, float, int]] = []  # (stops at, billed from, tasks)
    policy = _Policy(desired=initial, datapoints=[])
    arriving: list[tuple[float, float]] = []  # (available at, value): datapoints on their way
    keep = max(ecs.scale_out_datapoints, ecs.scale_in_datapoints)
    health_s = ecs.health_interval_s * ecs.healthy_threshold
    tick = lambda s: math.ceil(s / TICK_S) * TICK_S  # noqa: E731  (events land on the tick grid)
    usage_sum = requests_sum = serving_sum = 0.0
    running_ticks = 0
    for t, tick_requests in enumerate(tick_arrivals.tolist()):
        now = start_s + t * TICK_S
        while arriving and arriving[0][0] <= now:
            _, value = arriving.pop(0)
            policy.datapoints = [*policy.datapoints, value][-keep:]
            change = _decide(policy, ecs, config, now, bool(deploying[t]))
            if change > 0:
                pull = min(max(float(pulls[t]), 5.0), 600.0)
                billed_from = tick(now + ecs.placement_s)
                running_at = tick(billed_from + pull + ecs.container_start_s)
                batches.append(_Batch(billed_from, running_at, running_at + health_s, change))
            elif change < 0:
                topup[t] += _stop(batches, draining, -change, now, ecs.drain_s)
        while draining and draining[0][0] <= now:
            stops_at, billed_from, count = draining.pop(0)
            topup[t] += count * (billed_seconds(stops_at - billed_from) - (stops_at - billed_from))
        serving = running = became = billed = 0
        for b in batches:
            if b.billed_from <= now:
                billed += b.count
                if b.running_at <= now:
                    running += b.count
                    if b.serving_at <= now:
                        serving += b.count
                        became += b.count if now - TICK_S < b.serving_at else 0
        for _, _, count in draining:
            billed += count
        billed += policy.desired if (deploying[t] and ecs.canary_copies) else 0
        if table is not None and running:
            i = service.index(tick_requests / TICK_S / serving) if serving else 0
            usage_sum += (serving * table[i] + (running - serving) * table[0]) / running
            running_ticks += 1
        requests_sum += tick_requests
        serving_sum += serving
        for key, value in zip(out, (policy.desired, running, serving, billed, became), strict=True):
            out[key].append(value)
        if (t + 1) % per_minute == 0:  # the minute is over: CloudWatch aggregates its datapoint
            if table is None:
                value = requests_sum / (serving_sum / per_minute) if serving_sum else math.nan
            else:
                value = usage_sum / running_ticks if running_ticks else math.nan
            metric[t // per_minute] = value
            arriving.append((now + TICK_S + ecs.metric_delay_s, value))
            usage_sum = requests_sum = serving_sum = 0.0
            running_ticks = 0
    return {
        **{key: np.array(values, np.int64) for key, values in out.items()},
        "topup": topup,
        "metric": metric,
        "scale_outs": policy.scale_outs,
        "scale_ins": policy.scale_ins,
    }


def _decide(policy: _Policy, ecs: EcsWorldParams, config: ExpressConfig, now: float, deploying: bool) -> int:
    """Target tracking on the newest datapoint: tasks to add (> 0), to remove (< 0), or 0."""
    target = config.target_value
    recent = policy.datapoints
    value = recent[-1]
    high = recent[-ecs.scale_out_datapoints :]
    if len(high) == ecs.scale_out_datapoints and all(v > target for v in high):
        wanted = min(config.max_tasks, math.ceil(policy.desired * value / target - 1e-9))
        if wanted > policy.desired:  # in its cooldown too: the tasks it added are in `desired` already
            added = wanted - policy.desired
            policy.desired, policy.last_out = wanted, now
            policy.scale_outs += 1
            return added
        return 0
    low = recent[-ecs.scale_in_datapoints :]
    calm = len(low) == ecs.scale_in_datapoints and all(v < target * ecs.scale_in_threshold for v in low)
    if not calm or deploying or now - policy.last_in < config.scale_in_cooldown_s:
        return 0
    step = max(1, math.floor(policy.desired * ecs.scale_in_max_share))
    wanted = max(config.min_tasks, math.ceil(policy.desired * value / target - 1e-9), policy.desired - step)
    if wanted >= policy.desired:
        return 0
    removed = policy.desired - wanted
    policy.desired, policy.last_in = wanted, now
    policy.scale_ins += 1
    return -removed


def _stop(batches: list[_Batch], draining: list, count: int, now: float, drain_s: int) -> float:
    """Scale in by `count`: tasks not yet serving go first (the latest first) and stop at once, then
    serving ones drain first. Returns the 1-minute top-up billed for tasks stopped now."""
    topup = 0.0
    for b in sorted(batches, key=lambda b: (b.serving_at <= now, -b.billed_from)):
        if count == 0:
            break
        take = min(count, b.count)
        b.count -= take
        count -= take
        if b.serving_at <= now:
            bisect.insort(draining, (now + drain_s, b.billed_from, take))
        else:
            life = max(now - b.billed_from, 0.0)
            topup += take * (billed_seconds(life) - life)
    batches[:] = [b for b in batches if b.count > 0]
    return topup


def _minutes(
    service: _Service,
    ecs: EcsWorldParams,
    config: ExpressConfig,
    prices: Prices,
    noise,
    control: dict[str, Any],
    arrivals: np.ndarray,
    index: pd.DatetimeIndex,
    warm: int,
) -> pd.DataFrame:
    """Serve every second with the tasks the controller left serving, then bill and judge each minute."""
    params = service.params
    per_second = lambda x: np.repeat(x, TICK_S)  # noqa: E731
    serving = per_second(control["serving"]).astype(float)
    capacity = serving * service.peak_rate / service.ratio  # requests per second the tasks absorb
    backlog = _backlog(arrivals.astype(float), capacity)
    with np.errstate(divide="ignore", invalid="ignore"):
        task_rate = np.where(serving > 0, arrivals / serving, 0.0)
        wait = np.where(capacity > 0, backlog / capacity, np.where(backlog > 0, ALB_IDLE_TIMEOUT_S, 0.0))
    wait = np.minimum(wait, ALB_IDLE_TIMEOUT_S)
    equivalent = np.minimum(task_rate * service.ratio, service.peak_rate)
    equivalent = np.where(backlog > 0, service.peak_rate, equivalent)
    k = service.curve.concurrency(equivalent)
    mean_latency = service.curve.at(k)
    became = np.zeros(len(arrivals), np.int64)
    became[::TICK_S] = control["became"]
    cold, _ = _rolling(np.zeros(max(params.cold_start_s - 1, 0), np.int64), became)
    with np.errstate(divide="ignore", invalid="ignore"):
        cold_share = np.where(serving > 0, np.minimum(cold, serving) / serving, 0.0)

    n_all = len(arrivals) // 60
    minute = lambda x: x.reshape(n_all, 60)  # noqa: E731
    served = minute(arrivals)
    _, _, percentiles = _latency(
        params, served, minute(mean_latency), minute(k), minute(cold_share), noise, wait=minute(wait)
    )
    average = _weighted(minute(mean_latency + params.cold_extra_s * cold_share + wait), served)
    requests_m = served.sum(axis=1)
    p99 = percentiles["p99"]

    ticks = lambda x: np.asarray(x, float).reshape(n_all, 60 // TICK_S)  # noqa: E731
    task_seconds = ticks(control["billed"]).sum(axis=1) * TICK_S + ticks(control["topup"]).sum(axis=1)
    arm = config.architecture == "ARM64"
    vcpu_rate = (prices.arm_vcpu_hour if arm else prices.vcpu_hour) / 3600
    gb_rate = (prices.arm_gb_hour if arm else prices.gb_hour) / 3600
    vcpu_s, gb_s = task_seconds * config.vcpu, task_seconds * config.memory_gb
    fargate = vcpu_s * vcpu_rate + gb_s * gb_rate
    ipv4 = task_seconds * prices.ipv4_hour / 3600 if config.public_ip_per_task else np.zeros(n_all)
    ipv4 = ipv4 + ecs.alb_public_ips * prices.ipv4_hour / 60 / config.alb_services

    frame = pd.DataFrame(
        {
            "desired": ticks(control["desired"])[:, -1],
            "tasks_running": ticks(control["billed"]).mean(axis=1),
            "tasks_serving": ticks(control["serving"]).mean(axis=1),
            "requests": requests_m.astype(float),
            "metric": control["metric"],
            "latency_avg_ms": np.where(requests_m > 0, 1000 * average, np.nan),
            "latency_p99_ms": p99,
            "breach": np.nan_to_num(p99, nan=0.0) > config.latency_objective_ms,
            "queued_max": minute(backlog).max(axis=1),
            "task_seconds": task_seconds,
            "vcpu_seconds": vcpu_s,
            "gb_seconds": gb_s,
            "fargate_usd": fargate,
            "public_ipv4_usd": ipv4,
        }
    ).iloc[warm:]
    frame.index = index
    frame.index.name = "timestamp"
    frame["alb_usd"] = _alb_hours(index) * prices.alb_hour / config.alb_services
    frame["lcu_usd"] = _lcu(frame["requests"], index, ecs) * prices.lcu_hour
    frame["cost_usd"] = frame[["fargate_usd", "public_ipv4_usd", "alb_usd", "lcu_usd"]].sum(axis=1)
    return frame[list(MINUTE_COLUMNS)]


def _backlog(arrivals: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Requests waiting at the end of each second (Lindley's recursion, B = max(0, B + a - c), from an
    empty queue): the partial sums less their running minimum."""
    sums = np.cumsum(arrivals - capacity)
    return np.maximum(sums - np.minimum(np.minimum.accumulate(sums), 0.0), 0.0)


def _alb_hours(index: pd.DatetimeIndex) -> np.ndarray:
    """The ALB's hours charged to each minute: a clock hour the window touches is a whole hour, charged
    to its first minute in the window."""
    hours = index.floor("h")
    first = ~pd.Series(hours).duplicated().to_numpy()
    return first.astype(float)


def _lcu(requests: pd.Series, index: pd.DatetimeIndex, ecs: EcsWorldParams) -> np.ndarray:
    """LCU-hours per minute: each clock hour's LCUs (the largest of its new connections / 25 per second,
    active connections / 3,000 per minute, GB processed / 1 per hour; one host rule, inside the ten
    free) spread over its minutes."""
    by_hour = requests.groupby(index.floor("h"))
    per_second = by_hour.transform("sum") / (by_hour.transform("size") * 60)
    new_connections = per_second / ecs.requests_per_connection
    lcu = np.maximum.reduce(
        [
            new_connections / 25,
            new_connections * ecs.connection_s / 3000,
            per_second * 3600 * ecs.bytes_per_request / 1e9,
        ]
    )
    return np.asarray(lcu, float) / 60


def replay_service(
    service: LiveService, start: pd.Timestamp, stop: pd.Timestamp, config: ExpressConfig
) -> ExpressReplay:
    """The minutes [start, stop) of a sandbox service replayed under `config`: its own traffic, its
    own hidden curves and its own per-second arrivals, on its hidden ECS behaviour."""
    first = int((start - service.origin) / pd.Timedelta(minutes=1))
    last = int((stop - service.origin) / pd.Timedelta(minutes=1))
    requests = service.requests_until(-(-last // 60) * 60)
    index = pd.date_range(start, periods=last - first, freq="1min")
    spec, seed = service.spec, service.seed
    return replay(spec.params, ecs_params(seed), spec.instance, config, requests, first, index, seed)
