"""Migration what-if: one service's history on App Runner, on ECS Express Mode and on plain ECS on Fargate.

App Runner is closed to new customers and AWS points its users to ECS Express Mode
(reference/apprunner.md §0, reference/ecs-express.md §4). Whether a move pays depends on the traffic:
App Runner bills an idle instance's memory only and includes its load balancer, while an ECS task is
billed in full whenever it runs, cannot scale to zero, and sits behind an ALB with its own hourly fee,
LCUs and public IPv4 addresses. So each target is replayed minute by minute over the service's own
demand with the capacity model the recommender fitted (`whatif.model_from_evidence`: the same knee,
latency curve and objective App Runner's replay uses), and billed component by component.

ECS scales with Application Auto Scaling target tracking (reference/ecs-express.md §3), simulated per
minute in `simulate_ecs`: an alarm needs `scale_out_datapoints` minutes above the target (seen
`metric_delay_min` late) before it scales out proportionally (desired = ceil(ready x metric / target));
`scale_in_datapoints` minutes below `scale_in_threshold_share` x the target before it scales in, at most
`scale_in_step_share` of the tasks at a time; cooldowns between actions; no scale-in during a deployment.
A new task is billed from its launch but serves only after `task_start_s` (image pull and ALB health
checks). The ALB queues rather than refusing, so there are no 429s: a minute breaches when a ready task's
share of the concurrency passes the model's objective, or when its CPU would pass 100 % (the demand is
more than the ready tasks can serve at all).

Stretches of minutes where no alarm can act go by in one vectorized step (`_quiet_run`); the result is
the minute-by-minute loop's (tests/engine/test_migrate.py holds them equal).

Every fact the reference marks unverified is a field of `MigrateSettings`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from advisor.domain import InstanceSize, QuotaWarning, ScalingConfig
from advisor.engine import explain
from advisor.engine.calibrate import Calibration
from advisor.engine.capacity import CapacityEstimate
from advisor.engine.explain import Recommendation
from advisor.engine.optimize import allowed_breaches, profile_named
from advisor.engine.recommender import REQUESTS, recommend
from advisor.engine.simulate import ScalingModel, scaling_trajectory, simulate
from advisor.engine.telemetry import column, demand_from_metrics
from advisor.engine.whatif import FALLBACK_LATENCY_S, model_from_evidence
from advisor.errors import InputError
from advisor.pricing.apprunner import MINUTES_PER_MONTH, prices_for
from advisor.pricing.ecs import FARGATE_SIZES, EcsPrices, ecs_prices_for, task_sizes_text, valid_task_size

TARGETS = ("app_runner", "ecs_express", "fargate")
TARGET_NAMES = {"app_runner": "App Runner", "ecs_express": "ECS Express", "fargate": "ECS on Fargate"}
METRICS = ("AVERAGE_CPU", "AVERAGE_MEMORY", "REQUEST_COUNT_PER_TARGET")
ARCHITECTURES = ("X86_64", "ARM64")
MAX_ALB_SERVICES = 25  # Express services sharing one ALB (reference/ecs-express.md §1)
# Express as it comes (reference/ecs-express.md §1, "Defaults"): average CPU 60 %, 1 to 20 tasks
EXPRESS_DEFAULT_METRIC, EXPRESS_DEFAULT_TARGET, EXPRESS_DEFAULT_MIN, EXPRESS_DEFAULT_MAX = (
    "AVERAGE_CPU",
    60,
    1,
    20,
)
STAY, MOVE, MOVE_TUNED = "stay", "move", "move with these settings"
_LATENCY_AVG = column("RequestLatency", "Average")


@dataclass(frozen=True)
class CostLine:
    """One component of a target's monthly bill."""

    component: str
    usd: float  # per month
    detail: str = ""


@dataclass(frozen=True)
class TaskSize:
    """A Fargate task's size; only Fargate's valid CPU / memory pairs (reference/ecs-express.md §6)."""

    cpu_units: int
    memory_mb: int
    architecture: str = "X86_64"

    def __post_init__(self) -> None:
        if not valid_task_size(self.cpu_units, self.memory_mb):
            raise InputError(
                f"task size {self.cpu_units} CPU units / {self.memory_mb} MiB is not a Fargate size: "
                f"pick one of {task_sizes_text()} (memory in whole GB, 4 GB steps at 8192, 8 GB at 16384)"
            )
        if self.architecture not in ARCHITECTURES:
            raise InputError(
                f"architecture={self.architecture!r} is invalid: allowed {' or '.join(ARCHITECTURES)}"
            )

    @property
    def vcpu(self) -> float:
        return self.cpu_units / 1024

    @property
    def memory_gb(self) -> float:
        return self.memory_mb / 1024

    @classmethod
    def like(cls, instance: InstanceSize, architecture: str = "X86_64") -> TaskSize:
        """The task of an App Runner instance's size (every App Runner pair is a Fargate pair)."""
        return cls(int(instance.cpu_vcpu * 1024), int(instance.memory_gb * 1024), architecture)

    def __str__(self) -> str:
        arch = "" if self.architecture == "X86_64" else " ARM"
        return f"{self.vcpu:g} vCPU / {self.memory_gb:g} GB{arch}"


@dataclass(frozen=True)
class EcsScaling:
    """What an ECS target-tracking policy is configured with (Express's `scalingTarget` and cooldowns)."""

    metric: str  # "AVERAGE_CPU" | "AVERAGE_MEMORY" | "REQUEST_COUNT_PER_TARGET"
    target_value: int  # percent, or requests per target per minute
    min_tasks: int
    max_tasks: int
    scale_out_cooldown_s: int = 300
    scale_in_cooldown_s: int = 300

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise InputError(f"metric={self.metric!r} is invalid: allowed {', '.join(METRICS)}")
        top = 100 if self.metric != "REQUEST_COUNT_PER_TARGET" else None
        if isinstance(self.target_value, bool) or not int(self.target_value) == self.target_value:
            raise InputError(f"target_value={self.target_value!r} is invalid: allowed a whole number")
        if self.target_value < 1 or (top is not None and self.target_value > top):
            allowed = "1 to 100 (percent)" if top else "at least 1 (requests per target per minute)"
            raise InputError(
                f"target_value={self.target_value!r} is invalid for {self.metric}: allowed {allowed}"
            )
        if self.min_tasks < 1:
            raise InputError(
                f"min_tasks={self.min_tasks!r} is invalid: allowed 1 or more (target tracking cannot wake "
                "a service at 0 tasks: no metric exists to scale out on)"
            )
        if self.max_tasks < self.min_tasks:
            raise InputError(
                f"max_tasks={self.max_tasks!r} is invalid: allowed at least min_tasks ({self.min_tasks})"
            )
        for name in ("scale_out_cooldown_s", "scale_in_cooldown_s"):
            if getattr(self, name) < 0:
                raise InputError(f"{name}={getattr(self, name)!r} is invalid: allowed 0 s or more")


@dataclass(frozen=True)
class MigrateSettings:
    """Every assumption of the what-if; the reference's unverified facts are each a field."""

    # Services sharing the ALB (Express shares one among up to 25 in a VPC): its hours and IPv4 split
    alb_services: int = 1
    public_ip_per_task: bool = True  # Express's default network: public subnets, assignPublicIp on
    alb_public_ips: int = 2  # an internet-facing ALB holds one per enabled AZ, at least 2 (count unverified)
    # A new task serves after the image pull (~60 s) and the ALB's health checks (5 x 30 s, inference)
    task_start_s: int = 210
    metric_delay_min: int = 1  # CloudWatch publishes a minute's datapoint about a minute late
    scale_out_datapoints: int = 3  # minutes above the target before the alarm scales out (third party)
    scale_in_datapoints: int = 15  # minutes below before it scales in (third party, unverified)
    scale_in_threshold_share: float = 0.9  # the scale-in alarm's threshold as a share of the target
    scale_in_step_share: float = 0.25  # the most of its tasks one scale-in removes ("gradual", unverified)
    scale_out_cooldown_s: int = 300  # Application Auto Scaling's default for ECS [AAS-CD]
    scale_in_cooldown_s: int = 300
    canary_doubles_tasks: bool = True  # whether a canary deployment runs a second full task set (unverified)
    deployments_per_month: float = 4.0
    deployment_minutes: int = 10  # 5 % canary, 3 min bake, 100 %, 3 min bake, plus the new tasks' start
    requests_per_connection: float = 10.0  # keep-alive reuse at the ALB: new connections for the LCU
    bytes_per_request: float = 4_000.0  # request + response: the ALB's processed bytes (LCU)
    logs_gb_per_month: float = 1.0  # CloudWatch Logs ingestion; the same wherever the service runs
    # None: not priced. CloudWatch's App Runner metrics carry no bytes, so the lake cannot say; it is billed
    # the same wherever the service runs, so it never changes which target is cheaper, only the totals.
    data_out_gb_per_month: float | None = None
    architecture: str = "X86_64"  # the tuned Fargate target's; ARM64 needs an ARM image
    memory_limit_pct: float = 80.0  # a right-sized task keeps memory at the objective under this
    max_task_cpu_units: int = 4096  # the largest task the right-sizing considers
    # Shares of a task's requests per minute at the latency objective that the Fargate search tries as targets
    fargate_target_shares: tuple[float, ...] = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    fargate_min_tasks: tuple[int, ...] = (1, 2, 3, 5, 8)  # minimum task counts the search tries, in order
    fargate_sizes_tried: int = 3  # the task sizes with the lowest floors (the tasks demand needs) replayed
    min_saving_usd: float = 5.0  # a move must save at least this much a month ...
    min_saving_share: float = 0.1  # ... and this share of App Runner's cost, to be worth the work
    break_even_scales: tuple[float, float] = (0.01, 100.0)  # the traffic multiples searched

    def __post_init__(self) -> None:
        if isinstance(self.alb_services, bool) or not 1 <= self.alb_services <= MAX_ALB_SERVICES:
            raise InputError(
                f"alb_services={self.alb_services!r} is invalid: allowed 1 to {MAX_ALB_SERVICES} "
                "(the services sharing one ALB, this one included; Express shares an ALB among at most 25)"
            )
        if self.architecture not in ARCHITECTURES:
            raise InputError(
                f"architecture={self.architecture!r} is invalid: allowed {' or '.join(ARCHITECTURES)}"
            )
        whole = (
            "alb_public_ips",
            "task_start_s",
            "metric_delay_min",
            "scale_out_cooldown_s",
            "scale_in_cooldown_s",
            "deployment_minutes",
        )
        for name in whole:
            if getattr(self, name) < 0:
                raise InputError(f"{name}={getattr(self, name)!r} is invalid: allowed 0 or more")
        for name in ("scale_out_datapoints", "scale_in_datapoints"):
            if getattr(self, name) < 1:
                raise InputError(f"{name}={getattr(self, name)!r} is invalid: allowed 1 or more minutes")
        for name in ("scale_in_threshold_share", "scale_in_step_share"):
            if not 0 < getattr(self, name) <= 1:
                raise InputError(f"{name}={getattr(self, name)!r} is invalid: allowed above 0, at most 1")
        for name in ("deployments_per_month", "bytes_per_request", "logs_gb_per_month"):
            if not getattr(self, name) >= 0:
                raise InputError(f"{name}={getattr(self, name)!r} is invalid: allowed 0 or more")
        if self.data_out_gb_per_month is not None and not self.data_out_gb_per_month >= 0:
            raise InputError(
                f"data_out_gb_per_month={self.data_out_gb_per_month!r} is invalid: allowed 0 or more"
            )
        if not self.requests_per_connection >= 1:
            raise InputError(
                f"requests_per_connection={self.requests_per_connection!r} is invalid: allowed 1 or more"
            )
        if self.max_task_cpu_units not in FARGATE_SIZES:
            raise InputError(
                f"max_task_cpu_units={self.max_task_cpu_units!r} is invalid: allowed one of "
                f"{', '.join(map(str, FARGATE_SIZES))}"
            )
        if self.fargate_sizes_tried < 1:
            raise InputError(
                f"fargate_sizes_tried={self.fargate_sizes_tried!r} is invalid: allowed 1 or more"
            )
        if not self.fargate_min_tasks or not all(m >= 1 for m in self.fargate_min_tasks):
            raise InputError("fargate_min_tasks must be one or more task counts, each at least 1")
        if not self.fargate_target_shares or not all(0 < s <= 1 for s in self.fargate_target_shares):
            raise InputError("fargate_target_shares must be one or more shares above 0, at most 1")
        low, high = self.break_even_scales
        if not 0 < low < 1 < high:
            raise InputError(
                f"break_even_scales={self.break_even_scales!r} is invalid: allowed (low, high) with "
                "0 < low < 1 < high"
            )

    @property
    def task_start_min(self) -> int:
        """Whole minutes before a launched task serves: a part minute counts whole, and a task launched in
        a minute serves from the next one at the earliest (as App Runner's replay's new instances do)."""
        return max(1, math.ceil(self.task_start_s / 60))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TargetOutcome:
    """One target's replay of the service's window: what it costs and how often it breached."""

    target: str  # one of TARGETS
    monthly_cost_usd: float  # sum of cost_lines
    cost_lines: tuple[CostLine, ...]
    breach_minutes: int
    minutes: int
    config: dict[str, Any]  # the settings used (JSON-ready)
    task_hours: float  # App Runner: provisioned instance-hours; ECS: task-hours
    per_minute: pd.DataFrame = field(repr=False, compare=False)  # at least "tasks", "breach", "cost_usd"
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "monthly_cost_usd": self.monthly_cost_usd,
            "cost_lines": [asdict(line) for line in self.cost_lines],
            "breach_minutes": self.breach_minutes,
            "minutes": self.minutes,
            "config": self.config,
            "task_hours": self.task_hours,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class BreakEven:
    """Where App Runner and the cheaper ECS target cost the same, as traffic."""

    requests_per_minute: float | None  # mean traffic at equal cost (None: not in the searched range)
    scale: float | None  # that traffic as a multiple of this service's mean
    against: str  # "fargate" or "ecs_express"
    reason: str


@dataclass(frozen=True)
class MigrationWhatIf:
    region: str
    instance: InstanceSize
    targets: dict[str, TargetOutcome]  # keys = TARGETS
    break_even: BreakEven
    recommendation: str  # "stay" | "move" | "move with these settings"
    reasons: tuple[str, ...]
    settings: MigrateSettings
    express_defaults: TargetOutcome | None = None  # Express as it comes, for contrast

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "region": self.region,
            "instance": {"cpu_vcpu": self.instance.cpu_vcpu, "memory_gb": self.instance.memory_gb},
            "targets": {name: outcome.to_dict() for name, outcome in self.targets.items()},
            "break_even": asdict(self.break_even),
            "recommendation": self.recommendation,
            "reasons": list(self.reasons),
            "settings": self.settings.to_dict(),
        }
        if self.express_defaults is not None:
            out["express_defaults"] = self.express_defaults.to_dict()
        return out


@dataclass(frozen=True)
class ServiceLoad:
    """The service as every target sees it: its minutes, demand and what one request costs an instance."""

    demand: pd.Series  # concurrent requests per minute (Little's law at the model's unloaded latency)
    requests: np.ndarray  # requests per minute
    model: ScalingModel  # latency curve and objective, per App Runner instance
    instance: InstanceSize
    cpu_per_request_pct: float  # CPU % of one instance one concurrent request takes
    memory_base_pct: float | None  # memory % of an idle instance (None: no evidence)
    memory_per_request_pct: float | None

    def scaled(self, factor: float) -> ServiceLoad:
        return replace(self, demand=self.demand * factor, requests=self.requests * factor)

    def slo_concurrency(self, task: TaskSize) -> float:
        """Concurrent requests one task holds within the objective: the instance's, in proportion to vCPU."""
        return self.model.slo_concurrency * task.vcpu / self.instance.cpu_vcpu

    def requests_at_slo(self, task: TaskSize) -> float:
        """Requests per minute one task takes at the objective (Little's law at unloaded latency)."""
        return 60.0 * self.slo_concurrency(task) / self.model.latency_s

    def memory_gb(self, per_task_concurrency: np.ndarray | float) -> np.ndarray | float | None:
        """Memory one task uses at that concurrency (the instance's idle use plus per request), or None."""
        if self.memory_base_pct is None or self.memory_per_request_pct is None:
            return None
        pct = self.memory_base_pct + self.memory_per_request_pct * np.asarray(per_task_concurrency)
        out: np.ndarray = pct / 100.0 * self.instance.memory_gb
        return out


def _windows(minutes: int, settings: MigrateSettings) -> np.ndarray:
    """Which minutes a deployment is under way: `deployments_per_month` spread evenly over the window."""
    deploying = np.zeros(minutes, dtype=bool)
    count = round(settings.deployments_per_month * minutes / MINUTES_PER_MONTH)
    if count <= 0 or settings.deployment_minutes <= 0:
        return deploying
    for start in np.linspace(0, minutes, count, endpoint=False) + minutes / (2 * count):
        begin = int(start)
        deploying[begin : begin + settings.deployment_minutes] = True
    return deploying


def _metric_shape(
    load: ServiceLoad, task: TaskSize, scaling: EcsScaling
) -> tuple[np.ndarray, float, float, float]:
    """(per-minute load, base, slope, cap): the policy's metric is min(cap, base + slope x load / ready)."""
    if scaling.metric == "REQUEST_COUNT_PER_TARGET":
        return load.requests, 0.0, 1.0, math.inf
    demand = load.demand.to_numpy()
    if scaling.metric == "AVERAGE_CPU":
        return demand, 0.0, load.cpu_per_request_pct * load.instance.cpu_vcpu / task.vcpu, 100.0
    if load.memory_base_pct is None or load.memory_per_request_pct is None:
        raise InputError("AVERAGE_MEMORY scaling needs the service's memory evidence, which it has none of")
    share = load.instance.memory_gb / task.memory_gb
    return demand, load.memory_base_pct * share, load.memory_per_request_pct * share, 100.0


_QUIET_BLOCK = 512  # minutes looked ahead at once for a quiet run
_QUIET_MIN = 16  # a run shorter than this: look again only after as many minutes


def _runs(flags: np.ndarray, before: int) -> np.ndarray:
    """The streak at each minute: consecutive True up to it, continuing `before` from earlier minutes."""
    idx = np.arange(len(flags))
    last_break = np.maximum.accumulate(np.where(flags, -1, idx)) if len(flags) else idx
    out: np.ndarray = np.where(last_break < 0, idx + 1 + before, idx - last_break)
    return np.where(flags, out, 0)


def _quiet_run(
    scaled: np.ndarray,
    seen_before: np.ndarray,
    base: float,
    cap: float,
    ready: int,
    bounds: tuple[float, float, int, int],
    at_min: bool,
    at_max: bool,
    above: int,
    below: int,
) -> tuple[int, int, int, list[float]]:
    """How many minutes from now go by without a possible scaling action, with `ready` tasks throughout
    (nothing starting): (that many, the streaks after them, their metric values).

    A minute can act only when the metric it sees (`delay` minutes old: first `seen_before`, then the
    run's own) has been above the target for `n_out` datapoints (and the service is not at its maximum)
    or below the scale-in threshold for `n_in` (and not at its minimum); every other minute is quiet.
    """
    target, low, n_out, n_in = bounds
    metric = np.minimum(cap, base + scaled / ready)
    seen = np.concatenate((seen_before, metric))[: len(metric)]
    high, under = seen > target, seen < low
    high_runs, under_runs = _runs(high, above), _runs(under, below)
    loud = np.zeros(len(metric), dtype=bool)
    if not at_max:
        loud |= high_runs >= n_out
    if not at_min:
        loud |= under_runs >= n_in
    stops = np.flatnonzero(loud)
    k = int(stops[0]) if stops.size else len(metric)
    after_high = int(high_runs[k - 1]) if k else above
    after_under = int(under_runs[k - 1]) if k else below
    return k, after_high, after_under, metric[:k].tolist()


def _track(
    series: np.ndarray,
    base: float,
    slope: float,
    cap: float,
    scaling: EcsScaling,
    deploying: np.ndarray,
    settings: MigrateSettings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(running, ready, metric) per minute under target tracking; one pass, state carried minute to minute."""
    n = len(series)
    target = float(scaling.target_value)
    low = target * settings.scale_in_threshold_share
    lo, hi = scaling.min_tasks, scaling.max_tasks
    start, delay = settings.task_start_min, settings.metric_delay_min
    out_cd, in_cd = scaling.scale_out_cooldown_s / 60.0, scaling.scale_in_cooldown_s / 60.0
    n_out, n_in, step = (
        settings.scale_out_datapoints,
        settings.scale_in_datapoints,
        settings.scale_in_step_share,
    )
    sv = slope * np.asarray(series, dtype=float)
    scaled: list[float] = sv.tolist()
    deploy: list[bool] = deploying.tolist()
    first = min(cap, base + scaled[0] / lo)
    desired = min(hi, max(lo, math.ceil(lo * first / target)))
    ready = desired
    pending: list[list[int]] = []  # [ready_at, count], oldest first
    running_out, ready_out, metric_out = [0] * n, [0] * n, [0.0] * n
    above = below = 0
    last_out = last_in = -math.inf
    t, next_try, backoff = 0, 0, _QUIET_MIN // 2
    while t < n:
        while pending and pending[0][0] <= t:
            ready += pending.pop(0)[1]
        if not pending and t >= next_try and t >= delay:
            # minutes where no action is possible go by in one step (steady traffic: most of them)
            seen_before = np.array(metric_out[t - delay : t]) if delay else np.empty(0)
            k, above, below, values = _quiet_run(
                sv[t : t + _QUIET_BLOCK],
                seen_before,
                base,
                cap,
                ready,
                (target, low, n_out, n_in),
                desired == lo,
                desired == hi,
                above,
                below,
            )
            if k:
                metric_out[t : t + k] = values
                running_out[t : t + k] = [desired] * k
                ready_out[t : t + k] = [ready] * k
                t += k
            # busy minutes: the plain loop is cheaper for a while, the longer the busier
            backoff = _QUIET_MIN if k >= _QUIET_MIN else min(2 * backoff, _QUIET_BLOCK)
            if k < _QUIET_MIN:
                next_try = t + backoff
            if k:
                continue
        value = base + scaled[t] / ready
        metric_out[t] = value if value < cap else cap
        seen = t - delay
        if seen < 0:
            running_out[t], ready_out[t] = desired, ready
            t += 1
            continue
        m = metric_out[seen]
        if m > target:
            above, below = above + 1, 0
        elif m < low:
            above, below = 0, below + 1
        else:
            above = below = 0
        if above >= n_out:
            # proportional: the capacity the metric was read against, times metric / target
            want = min(hi, math.ceil((ready_out[seen] if seen < t else ready) * m / target))
            if want > desired:
                pending.append([t + start, want - desired])
                desired, last_out = want, t
        elif (
            below >= n_in
            and desired > lo
            and not deploy[t]
            and t - last_out >= out_cd
            and t - last_in >= in_cd
        ):
            read = ready_out[seen] if seen < t else ready
            want = max(lo, math.ceil(read * m / target), desired - max(1, math.floor(desired * step)))
            if want < desired:
                drop = desired - want
                while drop and pending:  # tasks still starting stop first
                    take = min(drop, pending[-1][1])
                    pending[-1][1] -= take
                    drop -= take
                    if not pending[-1][1]:
                        pending.pop()
                ready -= drop
                desired, last_in = want, t
                value = base + scaled[t] / ready
                metric_out[t] = value if value < cap else cap
        running_out[t], ready_out[t] = desired, ready
        t += 1
    return np.array(running_out), np.array(ready_out), np.array(metric_out)


def _ecs_columns(
    load: ServiceLoad,
    task: TaskSize,
    scaling: EcsScaling,
    prices: EcsPrices,
    settings: MigrateSettings,
) -> dict[str, np.ndarray]:
    """`simulate_ecs`'s columns (but cost_usd) as arrays: the break-even search needs only their sums."""
    series, base, slope, cap = _metric_shape(load, task, scaling)
    deploying = _windows(len(series), settings)
    running, ready, metric = _track(series, base, slope, cap, scaling, deploying, settings)
    demand = load.demand.to_numpy()
    per_task = demand / ready
    cpu_pct = load.cpu_per_request_pct * per_task * load.instance.cpu_vcpu / task.vcpu
    breach = (per_task > load.slo_concurrency(task) + load.model.tolerance) | (cpu_pct > 100.0)
    memory = load.memory_gb(per_task)
    if memory is not None:
        breach |= np.asarray(memory) > task.memory_gb
    tasks = running + (running * deploying if settings.canary_doubles_tasks else 0)
    vcpu_rate, gb_rate = prices.fargate_rates(task.architecture)
    requests = load.requests
    alb = settings.alb_services
    # LCU: the highest of its dimensions (reference §5); connections from requests by keep-alive reuse
    new_conn_per_s = requests / 60.0 / settings.requests_per_connection
    active_conn = np.maximum(demand, requests / settings.requests_per_connection)
    gb_per_hour = requests * settings.bytes_per_request / 1e9 * 60.0
    rule_evals_per_s = requests / 60.0 * max(0, alb - 10)
    lcu = np.maximum.reduce(
        [new_conn_per_s / 25.0, active_conn / 3000.0, gb_per_hour, rule_evals_per_s / 1000.0]
    )
    usd = {
        "fargate_vcpu": tasks * task.vcpu * vcpu_rate / 60.0,
        "fargate_memory": tasks * task.memory_gb * gb_rate / 60.0,
        "alb_hours": np.full(len(tasks), prices.alb_hour / 60.0 / alb),
        "alb_lcu": lcu * prices.lcu_hour / 60.0,
        "ipv4_tasks": tasks * prices.ipv4_hour / 60.0
        if settings.public_ip_per_task
        else np.zeros(len(tasks)),
        "ipv4_alb": np.full(len(tasks), settings.alb_public_ips * prices.ipv4_hour / 60.0 / alb),
    }
    return {
        "tasks": tasks,
        "ready": ready,
        "metric": metric,
        "per_task_concurrency": per_task,
        "cpu_pct": cpu_pct,
        "breach": breach,
        "deploying": deploying,
        **{f"usd_{name}": values for name, values in usd.items()},
    }


def simulate_ecs(
    load: ServiceLoad,
    task: TaskSize,
    scaling: EcsScaling,
    prices: EcsPrices,
    settings: MigrateSettings,
) -> pd.DataFrame:
    """The ECS service's tasks, breaches and bill, minute by minute, over the load's window.

    Columns: tasks (billed: running, doubled during a canary when the setting says so), ready, metric,
    per_task_concurrency, cpu_pct, breach, deploying, then one `usd_<component>` column per cost line
    and cost_usd (their sum).
    """
    frame = pd.DataFrame(_ecs_columns(load, task, scaling, prices, settings), index=load.demand.index)
    frame["cost_usd"] = frame.filter(like="usd_").sum(axis=1)
    return frame


def _shared_usd(load: ServiceLoad, prices: EcsPrices, settings: MigrateSettings) -> dict[str, np.ndarray]:
    """Per-minute logs and data-out money: billed the same wherever the service runs, so on every target.

    Data out is priced only when the settings give a monthly figure (App Runner's metrics carry no bytes,
    and a guess of bytes per request would swamp the differences that matter); the account's free 100 GB
    are not split per service, so none is taken off here.
    """
    n = len(load.requests)
    logs = np.full(n, settings.logs_gb_per_month * prices.logs_ingest_gb / MINUTES_PER_MONTH)
    if settings.data_out_gb_per_month is None:
        gb = np.zeros(n)
    else:
        gb = np.full(n, settings.data_out_gb_per_month / MINUTES_PER_MONTH)
    return {"logs": logs, "data_out": gb * prices.data_out_gb}


_LABELS = {
    "provisioned_memory": "App Runner provisioned memory (idle instances)",
    "active_vcpu": "App Runner active vCPU",
    "active_memory": "App Runner active memory",
    "deployments": "App Runner deployments (provisioned instances doubled)",
    "fargate_vcpu": "Fargate vCPU",
    "fargate_memory": "Fargate memory",
    "alb_hours": "ALB hours (share)",
    "alb_lcu": "ALB LCUs",
    "ipv4_tasks": "public IPv4 (tasks)",
    "ipv4_alb": "public IPv4 (ALB share)",
    "logs": "CloudWatch Logs ingestion",
    "data_out": "data transfer out",
}


def _cost_lines(frame: pd.DataFrame, details: dict[str, str]) -> tuple[CostLine, ...]:
    """One line per `usd_<component>` column, as monthly money (the window's sum scaled to 30 days)."""
    per_month = MINUTES_PER_MONTH / len(frame)
    return tuple(
        CostLine(_LABELS[name], float(frame[f"usd_{name}"].sum()) * per_month, details.get(name, ""))
        for name in _LABELS
        if f"usd_{name}" in frame
    )


def _outcome(
    target: str,
    frame: pd.DataFrame,
    details: dict[str, str],
    config: dict[str, Any],
    task_hours: float,
    notes: tuple[str, ...] = (),
) -> TargetOutcome:
    lines = _cost_lines(frame, details)
    return TargetOutcome(
        target=target,
        monthly_cost_usd=sum(line.usd for line in lines),
        cost_lines=lines,
        breach_minutes=int(frame["breach"].sum()),
        minutes=len(frame),
        config=config,
        task_hours=task_hours,
        per_minute=frame,
        notes=notes,
    )


def _app_runner_usd(
    load: ServiceLoad,
    region: str,
    settings: MigrateSettings,
    provisioned: np.ndarray,
    ready: np.ndarray,
    active: np.ndarray,
) -> dict[str, np.ndarray]:
    """App Runner's money per minute by component, from its instance counts (simulate's billing, split).

    Every memory-holding instance (max(provisioned, ready)) bills provisioned memory while idle and active
    memory plus vCPU while active; a deployment doubles the provisioned instances' memory.
    """
    ar, size = prices_for(region), load.instance
    billed = np.maximum(provisioned, ready).astype(float)
    deploying = _windows(len(billed), settings)
    return {
        "usd_provisioned_memory": (billed - active) * size.memory_gb * ar.provisioned_gb_hour / 60.0,
        "usd_active_vcpu": active * size.cpu_vcpu * ar.vcpu_hour / 60.0,
        "usd_active_memory": active * size.memory_gb * ar.active_gb_hour / 60.0,
        "usd_deployments": deploying * provisioned * size.memory_gb * ar.provisioned_gb_hour / 60.0,
    }


def app_runner_outcome(
    load: ServiceLoad, config: ScalingConfig, region: str, prices: EcsPrices, settings: MigrateSettings
) -> TargetOutcome:
    """App Runner under `config`, replayed by the existing simulator with the calibrated model."""
    result = simulate(load.demand, config, load.instance, region, load.model)
    frame = result.per_minute.copy()
    ar, size = prices_for(region), load.instance
    provisioned, ready = frame["provisioned"].to_numpy(), frame["ready"].to_numpy()
    active = frame["active"].to_numpy()
    billed = np.maximum(provisioned, ready).astype(float)
    frame["tasks"] = billed
    frame["deploying"] = _windows(len(frame), settings)
    for name, values in _app_runner_usd(load, region, settings, provisioned, ready, active).items():
        frame[name] = values
    for name, values in _shared_usd(load, prices, settings).items():
        frame[f"usd_{name}"] = values
    frame["cost_usd"] = frame.filter(like="usd_").sum(axis=1)
    hours = float(billed.sum() / 60.0)
    details = {
        "provisioned_memory": f"{size.memory_gb:g} GB x ${ar.provisioned_gb_hour}/GB-h provisioned, idle",
        "active_vcpu": f"{float(active.sum()) / 60:,.0f} active instance-hours x {size.cpu_vcpu:g} vCPU "
        f"x ${ar.vcpu_hour}/vCPU-h",
        "active_memory": f"{size.memory_gb:g} GB x ${ar.active_gb_hour}/GB-h while active",
        "deployments": f"{settings.deployments_per_month:g} deployments a month x "
        f"{settings.deployment_minutes} min, provisioned instances doubled",
        **_shared_details(settings, prices),
    }
    config_out = {
        "max_concurrency": config.max_concurrency,
        "min_size": config.min_size,
        "max_size": config.max_size,
        "cpu_vcpu": size.cpu_vcpu,
        "memory_gb": size.memory_gb,
    }
    notes = ("prices are an estimate for the region",) if ar.estimated else ()
    return _outcome("app_runner", frame, details, config_out, hours, notes)


def _shared_details(settings: MigrateSettings, prices: EcsPrices) -> dict[str, str]:
    data = (
        "not priced: App Runner's metrics carry no bytes; give the service's monthly GB "
        "(data_out_gb_per_month) to add it, the same on every target"
        if settings.data_out_gb_per_month is None
        else f"{settings.data_out_gb_per_month:g} GB a month x ${prices.data_out_gb}/GB (the same on every "
        f"target; the account's free {prices.data_out_free_gb:g} GB not split per service)"
    )
    return {
        "logs": f"{settings.logs_gb_per_month:g} GB a month x ${prices.logs_ingest_gb}/GB (same everywhere)",
        "data_out": data,
    }


def ecs_outcome(
    target: str,
    load: ServiceLoad,
    task: TaskSize,
    scaling: EcsScaling,
    prices: EcsPrices,
    settings: MigrateSettings,
    notes: tuple[str, ...] = (),
) -> TargetOutcome:
    """An ECS target (Express or plain Fargate) replayed with target tracking, its bill itemised."""
    frame = simulate_ecs(load, task, scaling, prices, settings)
    for name, values in _shared_usd(load, prices, settings).items():
        frame[f"usd_{name}"] = values
    frame["cost_usd"] = frame.filter(like="usd_").sum(axis=1)
    hours = float(frame["tasks"].sum() / 60.0)
    vcpu_rate, gb_rate = prices.fargate_rates(task.architecture)
    alb = settings.alb_services
    details = {
        "fargate_vcpu": f"{hours:,.0f} task-hours x {task.vcpu:g} vCPU x ${vcpu_rate:.5f}/vCPU-h "
        "(per second, 1-minute minimum per task)",
        "fargate_memory": f"{hours:,.0f} task-hours x {task.memory_gb:g} GB x ${gb_rate:.6f}/GB-h",
        "alb_hours": f"${prices.alb_hour}/ALB-h shared by {alb} service(s)",
        "alb_lcu": f"this service's LCUs x ${prices.lcu_hour}/LCU-h ({settings.requests_per_connection:g} "
        f"requests per connection, {settings.bytes_per_request:g} bytes per request)",
        "ipv4_tasks": f"one address per running task x ${prices.ipv4_hour}/h"
        if settings.public_ip_per_task
        else "tasks in private subnets: no public address (NAT not priced)",
        "ipv4_alb": f"{settings.alb_public_ips} ALB addresses x ${prices.ipv4_hour}/h, {alb} sharing",
        **_shared_details(settings, prices),
    }
    config = {
        "cpu_units": task.cpu_units,
        "memory_mb": task.memory_mb,
        "architecture": task.architecture,
        **asdict(scaling),
        "alb_services": alb,
        "public_ip_per_task": settings.public_ip_per_task,
        "task_start_s": settings.task_start_s,
    }
    if prices.estimated:
        notes = (*notes, "prices are an estimate for the region")
    return _outcome(target, frame, details, config, hours, notes)


def express_scaling(load: ServiceLoad, config: ScalingConfig) -> EcsScaling:
    """Express as the plan configures it: requests per target from MaxConcurrency by Little's law.

    target = 60 x k / L(k) (reference/ecs-express.md §4) with k = MaxConcurrency, but never past the
    concurrency at which the service's latency reaches its objective: App Runner refuses requests above
    MaxConcurrency, an ALB queues them, so a target mapped from a MaxConcurrency above the knee would let
    every task run slow. L(k) is the capacity model's latency there (L0 up to the knee). Min tasks =
    MinSize (at least 1), max = MaxSize.
    """
    k = min(float(config.max_concurrency), load.model.slo_concurrency)
    latency = float(load.model.latency(np.array([k]))[0])
    target = max(1, math.floor(60.0 * k / latency))
    return EcsScaling("REQUEST_COUNT_PER_TARGET", target, max(1, config.min_size), config.max_size)


def _fargate_memory_gb(load: ServiceLoad, cpu_units: int, settings: MigrateSettings) -> float | None:
    """The least memory a task of `cpu_units` needs (its use at the objective within the memory limit), or
    None when no valid size at that CPU holds it. Without memory evidence: the instance's memory per vCPU."""
    vcpu = cpu_units / 1024
    used = load.memory_gb(load.model.slo_concurrency * vcpu / load.instance.cpu_vcpu)
    if used is None:
        need = load.instance.memory_gb * vcpu / load.instance.cpu_vcpu
    else:
        need = float(used) * 100.0 / settings.memory_limit_pct
    fits = [gb for gb in FARGATE_SIZES[cpu_units] if gb >= need - 1e-9]
    return fits[0] if fits else None


def _max_tasks(load: ServiceLoad, task: TaskSize, share: float) -> int:
    """Enough tasks that the busiest minute never meets the ceiling at `share` of a task's objective."""
    peak = float(load.demand.max()) * 1.2
    return max(2, math.ceil(peak / max(share * load.slo_concurrency(task), 1e-9)))


def tuned_fargate(
    load: ServiceLoad,
    prices: EcsPrices,
    settings: MigrateSettings,
    allowed: int,
    seed: tuple[TaskSize, EcsScaling] | None = None,
) -> TargetOutcome:
    """Plain ECS on Fargate as the advisor would set it up: the task right-sized, the policy searched.

    The `fargate_sizes_tried` valid CPU sizes up to `max_task_cpu_units` whose floors are lowest, each with
    the least memory that holds the service's use at the objective, the architecture of the settings; for
    each, minimum task counts from
    `fargate_min_tasks` and requests-per-target targets at `fargate_target_shares` of what a task takes at
    the objective. The cheapest whose breach minutes stay within `allowed` wins; none does: the fewest
    breaches. A (size, minimum) whose floor (the tasks the demand needs, never fewer than the minimum)
    already costs more than the best found is not replayed. `seed` (Express's mapped set-up, which plain
    ECS can run as well) is a candidate too, so the tuned target is never worse than it.
    """
    vcpu_rate, gb_rate = prices.fargate_rates(settings.architecture)
    ip = prices.ipv4_hour if settings.public_ip_per_task else 0.0
    demand = load.demand.to_numpy()
    per_month = MINUTES_PER_MONTH / len(demand)
    sizes = []
    for cpu in (c for c in FARGATE_SIZES if c <= settings.max_task_cpu_units):
        gb = _fargate_memory_gb(load, cpu, settings)
        if gb is None:
            continue
        task = TaskSize(cpu, int(gb * 1024), settings.architecture)
        if load.slo_concurrency(task) >= 1:  # smaller: past the objective with one request in flight
            sizes.append((task, np.ceil(demand / load.slo_concurrency(task))))
    if not sizes:
        raise InputError(
            f"no Fargate task up to {settings.max_task_cpu_units} CPU units holds this service within its "
            "objective: raise max_task_cpu_units"
        )

    def floor(task: TaskSize, needed: np.ndarray, minimum: int) -> float:
        tasks = float(np.maximum(minimum, needed).sum())
        return tasks * (task.vcpu * vcpu_rate + task.memory_gb * gb_rate + ip) / 60.0 * per_month

    Rank = tuple[bool, int, float]  # infeasible, breaches past the budget, monthly cost: lower is better
    best: tuple[Rank, TaskSize, EcsScaling] | None = None
    shares = sorted(settings.fargate_target_shares, reverse=True)

    def trial(task: TaskSize, minimum: int, share: float) -> bool:
        """Replay one set-up, keep it if it ranks best; whether it fits the budget."""
        scaling = EcsScaling(
            "REQUEST_COUNT_PER_TARGET",
            max(1, round(share * load.requests_at_slo(task))),
            minimum,
            max(minimum, _max_tasks(load, task, share)),
            settings.scale_out_cooldown_s,
            settings.scale_in_cooldown_s,
        )
        return replay(task, scaling)

    def replay(task: TaskSize, scaling: EcsScaling) -> bool:
        nonlocal best
        columns = _ecs_columns(load, task, scaling, prices, settings)
        breaches = int(columns["breach"].sum())
        cost = sum(float(v.sum()) for k, v in columns.items() if k.startswith("usd_")) * per_month
        rank = (breaches > allowed, max(0, breaches - allowed), cost)
        if best is None or rank < best[0]:
            best = (rank, task, scaling)
        return breaches <= allowed

    def search(task: TaskSize, minimum: int) -> None:
        """The highest target share that fits (a lower one adds tasks): the highest first, then the
        lowest (none fits when it does not), then bisected between, as breaches only fall with the share."""
        if trial(task, minimum, shares[0]) or len(shares) == 1 or not trial(task, minimum, shares[-1]):
            return
        fits, fails = len(shares) - 1, 0
        while fits - fails > 1:
            mid = (fits + fails) // 2
            if trial(task, minimum, shares[mid]):
                fits = mid
            else:
                fails = mid

    def feasible_below(cost: float) -> bool:
        return best is not None and not best[0][0] and best[0][2] <= cost

    if seed is not None:
        replay(replace(seed[0], architecture=settings.architecture), seed[1])
    by_floor = sorted(sizes, key=lambda pair: floor(pair[0], pair[1], 1))[: settings.fargate_sizes_tried]
    for task, needed in by_floor:
        if feasible_below(floor(task, needed, 1)):
            break  # this size's floor already costs more than a set-up that fits
        search(task, 1)
    if best is not None and best[0][0]:  # nothing fits at one task: warm tasks for bursts tasks cannot chase
        for task, needed in by_floor[:2]:
            for minimum in (m for m in settings.fargate_min_tasks if m > 1):
                if feasible_below(floor(task, needed, minimum)):
                    break
                search(task, minimum)
                if not best[0][0]:
                    break
    assert best is not None
    (infeasible, _, _), task, scaling = best
    note = (
        (f"no task size, minimum and target kept breach minutes within {allowed}: the fewest are shown",)
        if infeasible
        else ()
    )
    return ecs_outcome("fargate", load, task, scaling, prices, settings, notes=note)


def _rescaled(
    outcome: TargetOutcome, load: ServiceLoad, prices: EcsPrices, settings: MigrateSettings
) -> float:
    """`outcome`'s target with the same settings over the (scaled) load, ceilings lifted: what it costs a
    month but the logs and data out, which are the same on every target.

    Neither may run past the objective to look cheap at a traffic it was not sized for: App Runner's
    MaxConcurrency and a requests-per-target target are held to what an instance or task takes there.
    """
    cfg = outcome.config
    if outcome.target == "app_runner":
        per_instance = min(cfg["max_concurrency"], max(1, math.floor(load.model.slo_concurrency)))
        needed = math.ceil(float(load.demand.max()) * 1.2 / per_instance)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QuotaWarning)
            config = ScalingConfig(per_instance, cfg["min_size"], max(cfg["max_size"], needed, 1))
        demand = load.demand.to_numpy()
        _, provisioned, ready = scaling_trajectory(demand, config, load.model)
        active = load.model.active(ready, demand)
        usd = _app_runner_usd(load, prices.region, settings, provisioned, ready, active)
    else:
        task = TaskSize(cfg["cpu_units"], cfg["memory_mb"], cfg["architecture"])
        target = cfg["target_value"]
        if cfg["metric"] == "REQUEST_COUNT_PER_TARGET":
            target = min(target, max(1, math.floor(load.requests_at_slo(task))))
        scaling = EcsScaling(
            cfg["metric"],
            target,
            cfg["min_tasks"],
            max(cfg["max_tasks"], _max_tasks(load, task, 0.4)),
            cfg["scale_out_cooldown_s"],
            cfg["scale_in_cooldown_s"],
        )
        usd = _ecs_columns(load, task, scaling, prices, settings)
    total = sum(float(values.sum()) for name, values in usd.items() if name.startswith("usd_"))
    return total * MINUTES_PER_MONTH / len(load.requests)


def break_even(
    load: ServiceLoad,
    app_runner: TargetOutcome,
    against: TargetOutcome,
    prices: EcsPrices,
    settings: MigrateSettings,
) -> BreakEven:
    """The traffic (this service's shape, scaled by s) at which App Runner costs what `against` costs.

    Both keep their settings (ceilings lifted so neither caps). App Runner is cheaper when quiet (an idle
    instance bills memory only), ECS when busier (Fargate's vCPU is cheaper than App Runner's), and App
    Runner can be cheaper again when very busy (the ALB's LCUs grow with the bytes it processes). So the
    difference is read at every power of ten within `break_even_scales`, and the sign change nearest
    this service's own traffic (s = 1) is bisected on a log scale; another one is mentioned.
    """
    mean_rpm = float(load.requests.mean())
    name = against.target
    if mean_rpm <= 0:
        return BreakEven(None, None, name, "no requests in the window: nothing to scale")

    def gap(s: float) -> float:
        scaled = load.scaled(s)
        return _rescaled(app_runner, scaled, prices, settings) - _rescaled(against, scaled, prices, settings)

    low, high = settings.break_even_scales
    exponents = np.arange(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)
    grid = sorted({low, high, *(10.0**exponents)})
    gaps = [gap(s) for s in grid]
    cheaper = [g > 0 for g in gaps]  # True: `against` is cheaper there
    changes = [k for k in range(len(grid) - 1) if cheaper[k] != cheaper[k + 1]]
    if not changes:
        who = TARGET_NAMES[name] if cheaper[0] else "App Runner"
        return BreakEven(None, None, name, f"{who} is cheaper from x{low:g} to x{high:g} this traffic")
    nearest = min(changes, key=lambda k: abs(math.log(grid[k]) + math.log(grid[k + 1])))
    lo, hi = math.log(grid[nearest]), math.log(grid[nearest + 1])
    g_lo, g_hi = gaps[nearest], gaps[nearest + 1]
    for _ in range(4):  # then a straight line through the bracket's ends: 'about' is what it means
        mid = (lo + hi) / 2
        g_mid = gap(math.exp(mid))
        if (g_mid > 0) == (g_hi > 0):
            hi, g_hi = mid, g_mid
        else:
            lo, g_lo = mid, g_mid
    s = math.exp(lo + (hi - lo) * g_lo / (g_lo - g_hi))
    above = TARGET_NAMES[name] if cheaper[nearest + 1] else "App Runner"
    reason = (
        f"at about {mean_rpm * s:,.0f} requests a minute on average (x{s:.2f} this service's traffic) "
        f"App Runner and {TARGET_NAMES[name]} cost the same; above it {above} is cheaper"
    )
    others = [k for k in changes if k != nearest]
    if others:
        k = others[0]
        reason += f" (again changing between x{grid[k]:g} and x{grid[k + 1]:g} this traffic)"
    return BreakEven(mean_rpm * s, s, name, reason)


def service_load(
    frame: pd.DataFrame,
    instance: InstanceSize,
    capacity: CapacityEstimate | None,
    calibration: Calibration | None,
) -> tuple[ServiceLoad, tuple[str, ...]]:
    """The service's load and capacity model from its metrics and the recommender's evidence, and notes on
    what had to be assumed (no capacity estimate, no CPU or memory slope)."""
    if REQUESTS not in frame or frame[REQUESTS].dropna().empty:
        raise InputError(f"the metrics have no {REQUESTS} datapoints: there is no traffic to replay on ECS")
    notes: list[str] = []
    model = model_from_evidence(capacity, calibration)
    if capacity is None:
        observed = frame[_LATENCY_AVG].dropna() if _LATENCY_AVG in frame else pd.Series(dtype=float)
        latency = float(observed.median()) / 1000.0 if not observed.empty else FALLBACK_LATENCY_S
        model = replace(model, latency_s=latency if latency > 0 else FALLBACK_LATENCY_S)
        notes.append(
            "no capacity estimate (the recommender did not size this service): the simulator's default "
            f"latency curve with the observed mean latency ({model.latency_s * 1000:.0f} ms)"
        )
    cpu_limit = capacity.settings.cpu_limit_pct if capacity is not None else 80.0
    cpu_per_request = capacity.cpu_per_request_pct if capacity is not None else None
    if not cpu_per_request:
        cpu_per_request = cpu_limit / model.slo_concurrency
        notes.append(
            f"no CPU slope fitted: CPU assumed to reach {cpu_limit:g} % at the latency objective "
            f"({model.slo_concurrency:.1f} concurrent requests per instance)"
        )
    demand = demand_from_metrics(frame, model.latency_s)
    load = ServiceLoad(
        demand=demand,
        requests=demand.to_numpy() * 60.0 / model.latency_s,
        model=model,
        instance=instance,
        cpu_per_request_pct=float(cpu_per_request),
        memory_base_pct=capacity.memory_base_pct if capacity is not None else None,
        memory_per_request_pct=capacity.memory_per_request_pct if capacity is not None else None,
    )
    return load, tuple(notes)


def lines_of(outcome: TargetOutcome) -> dict[str, float]:
    """A target's monthly money by component label."""
    return {line.component: line.usd for line in outcome.cost_lines}


def _money(usd: float) -> str:
    return f"${usd:,.2f}"


def _saves(usd: float) -> str:
    """A saving in words: a negative one is a cost."""
    return f"saves {_money(usd)}" if usd >= 0 else f"costs {_money(-usd)} more"


def _verdict(
    targets: dict[str, TargetOutcome], allowed: int, settings: MigrateSettings
) -> tuple[str, list[str]]:
    """stay, move (Express as the plan maps App Runner's settings) or move with these settings (the tuned
    set-up pays where the mapped one does not, or saves at least the threshold more), with the numbers."""
    ar = targets["app_runner"]
    threshold = max(settings.min_saving_usd, settings.min_saving_share * ar.monthly_cost_usd)

    def saving(name: str) -> float:
        return ar.monthly_cost_usd - targets[name].monthly_cost_usd

    def fits(name: str) -> bool:
        return targets[name].breach_minutes <= allowed

    tuned = targets["fargate"].config
    reasons = [
        f"Per month: App Runner {_money(ar.monthly_cost_usd)}, ECS Express "
        f"{_money(targets['ecs_express'].monthly_cost_usd)} (App Runner's settings mapped), ECS on Fargate "
        f"tuned {_money(targets['fargate'].monthly_cost_usd)} ({tuned['cpu_units'] / 1024:g} vCPU / "
        f"{tuned['memory_mb'] / 1024:g} GB, {tuned['target_value']:,} requests per task per minute).",
        "Breach minutes over the "
        f"{ar.minutes:,} minutes replayed (budget {allowed}): "
        + ", ".join(f"{TARGET_NAMES[name]} {targets[name].breach_minutes}" for name in TARGETS)
        + ".",
    ]
    mapped_pays = fits("ecs_express") and saving("ecs_express") >= threshold
    tuned_pays = fits("fargate") and saving("fargate") >= threshold
    # the tuned set-up wins when it is worth a change of its own over the mapped one (the same threshold)
    if tuned_pays and (not mapped_pays or saving("fargate") - saving("ecs_express") >= threshold):
        verdict = MOVE_TUNED
        why = (
            "breaches past the budget"
            if not fits("ecs_express")
            else (
                f"saves {'only ' if not mapped_pays else ''}{_money(saving('ecs_express'))}"
                if saving("ecs_express") >= 0
                else f"costs {_money(-saving('ecs_express'))} more"
            )
        )
        reasons.append(
            f"Express with App Runner's settings mapped {why}; the tuned task and policy save "
            f"{_money(saving('fargate'))} a month within the budget."
        )
    elif mapped_pays:
        verdict = MOVE
        reasons.append(
            f"Express as mapped saves {_money(saving('ecs_express'))} a month within the error budget."
        )
    else:
        verdict = STAY
        best = max(("ecs_express", "fargate"), key=saving)
        reasons.append(
            f"No ECS target saves at least {_money(threshold)} a month within the error budget "
            f"(the best, {TARGET_NAMES[best]}, {_saves(saving(best))} a month): stay on App Runner."
        )
    return verdict, reasons


def _floor_reasons(
    targets: dict[str, TargetOutcome],
    instance: InstanceSize,
    region: str,
    prices: EcsPrices,
    settings: MigrateSettings,
) -> list[str]:
    """What Express lacks that App Runner has, priced: scale to zero, idle billing, the ALB."""
    ar = prices_for(region)
    express = targets["ecs_express"]
    task = TaskSize.like(instance)
    minimum = int(express.config["min_tasks"])
    idle_ar = ar.monthly_idle_instance(instance)
    vcpu_rate, gb_rate = prices.fargate_rates(task.architecture)
    ip = prices.ipv4_hour if settings.public_ip_per_task else 0.0
    idle_task = (task.vcpu * vcpu_rate + task.memory_gb * gb_rate + ip) * MINUTES_PER_MONTH / 60.0
    alb = (prices.alb_hour + settings.alb_public_ips * prices.ipv4_hour) * MINUTES_PER_MONTH / 60.0
    return [
        f"ECS cannot scale to zero and bills an idle task in full: {minimum} task(s) of {task} at least, "
        f"{_money(idle_task)} a month each (App Runner bills an idle instance's memory only: "
        f"{_money(idle_ar)}).",
        f"The ALB's floor is {_money(alb)} a month (hours and {settings.alb_public_ips} public IPv4 "
        "addresses), "
        f"{_money(alb / settings.alb_services)} for this service with {settings.alb_services} sharing it; "
        "App Runner's load balancing is in its price.",
    ]


def migrate_whatif(
    frame: pd.DataFrame,
    current: ScalingConfig,
    instance: InstanceSize,
    region: str = "us-east-1",
    *,
    recommendation: Recommendation | None = None,
    settings: MigrateSettings = MigrateSettings(),
) -> MigrationWhatIf:
    """The service's history on App Runner (as recommended), ECS Express and tuned ECS on Fargate.

    With `recommendation` (status ok) its capacity, calibration and recommended configuration are used;
    without, `recommend` runs here. A service the recommender cannot size is replayed under its current
    configuration with the simulator's default curve at its observed latency, and says so.
    """
    rec = recommendation if recommendation is not None else recommend(frame, current, instance, region)
    ok = rec.status == explain.OK and rec.recommended is not None
    config = rec.recommended if ok and rec.recommended is not None else current
    load, notes = service_load(frame, instance, rec.capacity if ok else None, rec.calibration if ok else None)
    prices = ecs_prices_for(region)
    share = profile_named(rec.profile).budget_share
    allowed = allowed_breaches(len(load.demand), rec.budget * share)
    if not ok:
        notes = (f"no recommendation ({rec.status}): App Runner replayed under its current {current}", *notes)

    app_runner = app_runner_outcome(load, config, region, prices, settings)
    app_runner = replace(app_runner, notes=(*app_runner.notes, *notes))
    task = TaskSize.like(instance)
    express_policy = replace(
        express_scaling(load, config),
        scale_out_cooldown_s=settings.scale_out_cooldown_s,
        scale_in_cooldown_s=settings.scale_in_cooldown_s,
    )
    express = ecs_outcome("ecs_express", load, task, express_policy, prices, settings)
    defaults = ecs_outcome(
        "ecs_express",
        load,
        task,
        EcsScaling(EXPRESS_DEFAULT_METRIC, EXPRESS_DEFAULT_TARGET, EXPRESS_DEFAULT_MIN, EXPRESS_DEFAULT_MAX),
        prices,
        settings,
        notes=("Express as it comes: average CPU 60 %, 1 to 20 tasks",),
    )
    fargate = tuned_fargate(load, prices, settings, allowed, seed=(task, express_policy))
    targets = {"app_runner": app_runner, "ecs_express": express, "fargate": fargate}
    cheaper = min((express, fargate), key=lambda o: o.monthly_cost_usd)
    even = break_even(load, app_runner, cheaper, prices, settings)
    verdict, reasons = _verdict(targets, allowed, settings)
    reasons += _floor_reasons(targets, instance, region, prices, settings)
    reasons.append(even.reason[0].upper() + even.reason[1:] + ".")
    lcu = max(lines_of(o)["ALB LCUs"] for o in (express, fargate))
    if lcu > 0.1 * min(express.monthly_cost_usd, fargate.monthly_cost_usd):
        reasons.append(
            f"The ALB's LCUs cost up to {_money(lcu)} a month, mostly for the bytes it processes (1 GB an "
            f"hour per LCU, at {settings.bytes_per_request:,.0f} bytes per request as set): the service's "
            "real request and response sizes move this."
        )
    if defaults.breach_minutes > allowed:
        reasons.append(
            f"Express's default policy (CPU 60 %, 1 to 20 tasks) breaches {defaults.breach_minutes} minutes "
            f"against a budget of {allowed}: pass the scaling target explicitly."
        )
    return MigrationWhatIf(
        region=region,
        instance=instance,
        targets=targets,
        break_even=even,
        recommendation=verdict,
        reasons=tuple(reasons),
        settings=settings,
        express_defaults=defaults,
    )
