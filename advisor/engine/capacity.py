"""How much concurrency one instance takes before it gets slow: the knee, fitted from the service's metrics.

App Runner publishes no per-instance latency curve, but CloudWatch has what it takes to draw one:
per-instance concurrency k = Concurrency / ActiveInstances against RequestLatency (p99 where present)
and CPUUtilization, minute by minute. Latency and CPU only rise with load, so both are fitted with
isotonic regression (monotone, no shape assumed). The knee is the highest k whose fitted p99 stays
within `slo_factor` x the unloaded p99 and whose fitted CPU stays within `cpu_limit_pct`.

A service that never ran hot shows a flat curve: the knee is then "not observed". Holding it at the
most the service was seen to handle would lock an over-provisioned service (MinSize 10 where 2 would do:
each instance only ever sees a tenth of the load) into its over-provisioning, so the curves are
extrapolated: CPU grows about linearly with per-instance concurrency (the same work per request), so the
concurrency where a robust line through (k, CPU) reaches the CPU limit is evidence even when latency never
rose; a latency line that already rises is extrapolated the same way. Latency may still turn up before
CPU runs out, so the safety margin is documented and fixed: the extrapolated knee is never more than
`extrapolation_cap` (2x) the highest per-instance concurrency seen, it is reported as not observed (lower
confidence), and the next review extrapolates again from the new, higher level.

The unloaded latency L0 (which turns Requests into demand by Little's law) comes from the least-loaded
minutes, but only those where the latency curve is still flat: a service that always runs past its knee
(MaxConcurrency above it, MaxSize too low) has no unloaded minutes, and the latency of its least-loaded
ones overstates L0 and with it every instance count. When latency still rises across the least-loaded
minutes, Little's law gives a second upper bound, Concurrency / served requests (the time requests spend
in flight on the instances, without any waiting in front of them), and the lower of the two is used, with
the estimate flagged as uncertain when they disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from advisor.engine.simulate import ScalingModel
from advisor.engine.telemetry import column

CONCURRENCY = column("Concurrency", "Average")
ACTIVE = column("ActiveInstances", "Average")
LATENCY_P99 = column("RequestLatency", "p99")
LATENCY_AVG = column("RequestLatency", "Average")
CPU = column("CPUUtilization", "Average")
MEMORY = column("MemoryUtilization", "Average")
REQUESTS = column("Requests", "Sum")
CLIENT_ERRORS = column("4xxStatusResponses", "Sum")  # includes the 429s of throttled requests


@dataclass(frozen=True)
class CapacitySettings:
    """What counts as healthy, and how much evidence the fit needs."""

    slo_factor: float = 1.5  # p99 may be at most this multiple of the unloaded p99
    cpu_limit_pct: float = 80.0
    min_points: int = 60  # loaded minutes needed before any curve is drawn
    max_points: int = 50_000  # the most recent minutes fitted (older ones add little and cost time)
    min_active: float = 0.5  # minutes with fewer active instances are too sparse to read k from
    unloaded_share: float = 0.25  # the lowest-k quarter of minutes defines "unloaded"
    support: int = 20  # minutes needed at or above a k before it counts as seen
    curve_points: int = 100
    chart_points: int = 2_000
    latency_slope: float = 3.0  # assumed rise past the knee; only used to place the model's knee
    # An unobserved knee is extrapolated from the CPU (and a rising latency) line, to at most this multiple of
    # the highest per-instance concurrency seen: consolidation in steps the next review can check.
    extrapolation_cap: float = 2.0
    min_cpu_fit_r2: float = 0.5  # a CPU line explaining less of the variance is not extrapolated
    plateau_rise: float = 0.1  # "unloaded": fitted latency within 10% of its value at the least load
    unloaded_disagreement: float = 0.2  # latency and Little's law L0 further apart: L0 is uncertain


@dataclass(frozen=True)
class CapacityEstimate:
    """The knee and the evidence for it, in numbers and chart-ready frames."""

    knee: float  # highest per-instance concurrency within the latency and CPU objectives
    knee_observed: bool  # False: the service never reached either limit; `knee` is what it handled
    limited_by: str  # "latency", "cpu", "latency and cpu" or "not observed"
    unloaded_latency_s: float  # L0: mean latency at low load
    unloaded_p99_ms: float
    latency_limit_ms: float
    latency_knee: float | None
    cpu_knee: float | None
    max_observed_concurrency: float  # the highest k seen on at least `support` minutes
    minutes_used: int
    cpu_per_request_pct: float | None  # CPU % one concurrent request costs (for right-sizing)
    memory_base_pct: float | None  # memory % of an idle instance
    memory_per_request_pct: float | None
    points: pd.DataFrame = field(repr=False)  # k, latency_p99_ms, cpu_pct (a sample, for a chart)
    curve: pd.DataFrame = field(repr=False)  # k, latency_p99_ms, cpu_pct (the fitted curves)
    settings: CapacitySettings = field(default_factory=CapacitySettings, repr=False)
    reason: str = ""  # the finding in words (explain.capacity_finding), written by the recommender
    extrapolated: bool = False  # the knee lies beyond what was seen (not observed, extrapolated)
    cpu_extrapolated_knee: float | None = None  # where the CPU line reaches the limit (uncapped)
    # where the CPU (or a rising latency) line reaches its limit, uncapped: a stepwise consolidation's end
    projected_knee: float | None = None
    unloaded_basis: str = "least-loaded minutes"  # how L0 was read
    unloaded_uncertain: bool = False  # the service never ran unloaded: L0 is an estimate, say so

    def scaling_model(self) -> ScalingModel:
        """A simulator model whose latency objective is reached at this estimate, rounded down to whole
        requests (MaxConcurrency is whole, and a fitted crossing can be a fraction too high); never the
        service's hidden truth."""
        base = ScalingModel(
            latency_s=self.unloaded_latency_s,
            latency_slope=self.settings.latency_slope,
            slo_factor=self.settings.slo_factor,
        )
        return model_with_slo_concurrency(base, max(1.0, math.floor(self.knee)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "knee": self.knee,
            "knee_observed": self.knee_observed,
            "limited_by": self.limited_by,
            "unloaded_latency_s": self.unloaded_latency_s,
            "unloaded_p99_ms": self.unloaded_p99_ms,
            "latency_limit_ms": self.latency_limit_ms,
            "latency_knee": self.latency_knee,
            "cpu_knee": self.cpu_knee,
            "cpu_limit_pct": self.settings.cpu_limit_pct,
            "max_observed_concurrency": self.max_observed_concurrency,
            "minutes_used": self.minutes_used,
            "reason": self.reason,
            "extrapolated": self.extrapolated,
            "cpu_extrapolated_knee": self.cpu_extrapolated_knee,
            "projected_knee": self.projected_knee,
            "unloaded_basis": self.unloaded_basis,
            "unloaded_uncertain": self.unloaded_uncertain,
            "points": _records(self.points),
            "curve": _records(self.curve),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CapacityEstimate:
        """The estimate as the evidence keeps it (`to_dict`): the right-sizing slopes and every setting but
        the CPU limit are not kept, so they come back as None and the defaults."""
        return cls(
            knee=d["knee"],
            knee_observed=d["knee_observed"],
            limited_by=d["limited_by"],
            unloaded_latency_s=d["unloaded_latency_s"],
            unloaded_p99_ms=d["unloaded_p99_ms"],
            latency_limit_ms=d["latency_limit_ms"],
            latency_knee=d["latency_knee"],
            cpu_knee=d["cpu_knee"],
            max_observed_concurrency=d["max_observed_concurrency"],
            minutes_used=d["minutes_used"],
            cpu_per_request_pct=None,
            memory_base_pct=None,
            memory_per_request_pct=None,
            points=pd.DataFrame.from_records(d["points"]),
            curve=pd.DataFrame.from_records(d["curve"]),
            settings=CapacitySettings(cpu_limit_pct=d["cpu_limit_pct"]),
            reason=d["reason"],
            extrapolated=d["extrapolated"],
            cpu_extrapolated_knee=d["cpu_extrapolated_knee"],
            projected_knee=d.get("projected_knee"),  # evidence from before stepwise paths has none
            unloaded_basis=d["unloaded_basis"],
            unloaded_uncertain=d["unloaded_uncertain"],
        )


def model_with_slo_concurrency(base: ScalingModel, slo_concurrency: float) -> ScalingModel:
    """`base` with its knee moved so that latency reaches the objective at `slo_concurrency` per instance."""
    return replace(base, knee=slo_concurrency / (1 + (base.slo_factor - 1) / base.latency_slope))


class CapacityUnknown(ValueError):
    """Too little loaded data to draw the latency curve at all."""


def _records(frame: pd.DataFrame) -> list[dict[str, float | None]]:
    return [
        {str(k): (None if pd.isna(v) else float(v)) for k, v in row.items()}
        for row in frame.to_dict("records")
    ]


def load_points(frame: pd.DataFrame, settings: CapacitySettings = CapacitySettings()) -> pd.DataFrame:
    """Per-minute (k, latency, CPU, memory) from a wide metrics frame, loaded minutes only.

    p99 latency is used where the frame has it, else the average (a weaker signal, but the same shape).
    """
    if CONCURRENCY not in frame or ACTIVE not in frame:
        raise CapacityUnknown(f"the metrics have no {CONCURRENCY} and {ACTIVE}: per-instance load is unknown")
    latency_col = LATENCY_P99 if LATENCY_P99 in frame and frame[LATENCY_P99].notna().any() else LATENCY_AVG
    active = frame[ACTIVE].to_numpy(dtype=float)
    concurrency = frame[CONCURRENCY].to_numpy(dtype=float)
    k = np.where(active >= settings.min_active, concurrency / np.maximum(active, 1e-12), np.nan)
    points = pd.DataFrame(
        {
            "k": k,
            "latency_p99_ms": _optional(frame, latency_col),
            "latency_avg_ms": _optional(frame, LATENCY_AVG),
            "cpu_pct": _optional(frame, CPU),
            "memory_pct": _optional(frame, MEMORY),
            "concurrency": concurrency,
            "served_per_s": _served_per_second(frame),
        },
        index=frame.index,
    )
    points = points[np.isfinite(points["k"]) & (points["k"] > 0) & points["latency_p99_ms"].notna()]
    recent: pd.DataFrame = points.iloc[-settings.max_points :]
    return recent


def too_little_load(frame: pd.DataFrame, measurable: int, settings: CapacitySettings) -> str:
    """What is really missing when the latency curve cannot be drawn, with the lake's own counts, and
    what the user can do.

    A service can have every minute of Requests and still no minute to measure from: per-instance load
    is Concurrency / ActiveInstances, and a service so quiet that its instance serves a request for a
    few seconds a minute averages far under one active instance, too sparse to read a load from.
    """
    requests = int((frame[REQUESTS].fillna(0) > 0).sum()) if REQUESTS in frame else 0
    latency = int(frame[LATENCY_P99].notna().sum()) if LATENCY_P99 in frame else 0
    active = frame[ACTIVE].to_numpy(dtype=float)
    loaded = int((np.nan_to_num(active) >= settings.min_active).sum())
    busiest = float(np.nanmax(active)) if np.isfinite(active).any() else 0.0
    counts = (
        f"{measurable:,} minutes with enough load per instance to measure latency (at least "
        f"{settings.min_active:g} instances active on average, with latency reported); the latency curve "
        f"needs at least {settings.min_points}. The metrics have {requests:,} minutes with requests, "
        f"{latency:,} with p99 latency and {loaded:,} with at least {settings.min_active:g} active "
        f"instances (the most: {busiest:.2f})"
    )
    if latency < settings.min_points:
        return (
            f"{counts}. CloudWatch reported RequestLatency on too few minutes: check that the service "
            "serves HTTP through App Runner's URL, then collect again"
        )
    return (
        f"{counts}. The traffic is too light to load an instance for most of a minute, so its capacity "
        "cannot be measured: keep the current configuration (MinSize 1 is App Runner's floor), pause the "
        f"service if it is unused, or recommend again once it has had {settings.min_points} busier minutes"
    )


def _served_per_second(frame: pd.DataFrame) -> np.ndarray:
    """Requests per second the instances served: Requests minus 4xx (the 429s of throttled requests are
    among the 4xx, which also hold the application's own; leaving those out too makes Little's law latency
    a little longer, the safe side)."""
    if REQUESTS not in frame:
        return np.full(len(frame), np.nan)
    errors = np.nan_to_num(_optional(frame, CLIENT_ERRORS))
    served: np.ndarray = frame[REQUESTS].to_numpy(dtype=float) - errors
    return served / 60.0


def _optional(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=float) if name in frame else np.full(len(frame), np.nan)


def _highest_within(grid: np.ndarray, fitted: np.ndarray, limit: float) -> float | None:
    """The highest k of the grid before the fitted curve first exceeds `limit`; None if it never does."""
    over = np.flatnonzero(fitted > limit)
    if over.size == 0:
        return None
    first = int(over[0])
    if first == 0:
        return float(grid[0])
    # interpolate between the last grid point within and the first one over
    k0, k1, y0, y1 = grid[first - 1], grid[first], fitted[first - 1], fitted[first]
    return float(k0 + (k1 - k0) * (limit - y0) / (y1 - y0)) if y1 > y0 else float(k0)


def seen_up_to(k: np.ndarray, support: int) -> float:
    """The highest k with at least `support` minutes at or above it: seen often enough to trust."""
    ordered = np.sort(k)
    return float(ordered[max(0, len(ordered) - support)])


def _isotonic(x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """An increasing isotonic fit's predictor (scikit-learn is imported here: the CLI starts without it)."""
    from sklearn.isotonic import IsotonicRegression

    predict: Callable[[np.ndarray], np.ndarray] = (
        IsotonicRegression(increasing=True, out_of_bounds="clip").fit(x, y).predict
    )
    return predict


def _fit_monotone(k: np.ndarray, y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    mask = np.isfinite(y)
    if mask.sum() < 2:
        return np.full_like(grid, np.nan)
    return _isotonic(k[mask], y[mask])(grid)


def _linear(x: np.ndarray, y: np.ndarray, pinned: float = 99.0) -> tuple[float, float] | None:
    """(intercept, slope) of a robust line, or None when there is nothing to fit."""
    mask = np.isfinite(x) & np.isfinite(y) & (y < pinned)  # utilization pinned at 100% says nothing
    if mask.sum() < 10 or np.ptp(x[mask]) == 0:
        return None
    x, y = x[mask], y[mask]
    step = max(1, len(x) // 5_000)  # a robust line needs a few thousand points, not all of them
    from sklearn.linear_model import HuberRegressor  # scikit-learn loads when a curve is fitted, not before

    model = HuberRegressor().fit(x[::step, None], y[::step])
    return float(model.intercept_), float(model.coef_[0])


@dataclass(frozen=True)
class _Unloaded:
    avg_ms: float
    p99_ms: float
    basis: str
    uncertain: bool


def _unloaded(points: pd.DataFrame, settings: CapacitySettings) -> _Unloaded:
    """L0 from the least-loaded minutes where latency is still flat, checked against Little's law.

    The least-loaded quarter of minutes is cut where the fitted (isotonic) latency has risen more than
    `plateau_rise` above its value at the least load: past that the minutes are loaded, however few
    requests each instance had. If latency rises within that quarter, the service may never have run
    unloaded; Concurrency / served requests (Little's law) on the same minutes is a second reading of the
    time requests spend in flight, and the lower of the two upper bounds is taken.
    """
    k = points["k"].to_numpy()
    p99 = points["latency_p99_ms"].to_numpy()
    avg = points["latency_avg_ms"].to_numpy()
    shape = avg if np.isfinite(avg).sum() >= settings.support else p99
    low = k <= np.quantile(k, settings.unloaded_share)
    mask = np.isfinite(shape)
    fitted = _isotonic(k[mask], shape[mask])(k)
    flat = fitted <= (1 + settings.plateau_rise) * float(np.min(fitted))
    rising = bool((low & ~flat).any())
    chosen = low & flat
    if chosen.sum() < settings.support:  # too few flat minutes to read: the least-loaded few instead
        chosen = np.zeros(len(k), dtype=bool)
        chosen[np.argsort(k, kind="stable")[: settings.support]] = True
    p99_ms = float(np.median(p99[chosen]))
    avg_ms = float(np.nanmedian(avg[chosen])) if np.isfinite(avg[chosen]).any() else p99_ms
    if not rising:
        return _Unloaded(avg_ms, p99_ms, "least-loaded minutes", uncertain=False)
    basis = f"least-loaded minutes where latency is still flat (k up to {float(k[chosen].max()):.1f})"

    served = points["served_per_s"].to_numpy()
    concurrency = points["concurrency"].to_numpy()
    ok = chosen & np.isfinite(served) & (served > 0) & np.isfinite(concurrency)
    if ok.sum() < settings.support:
        return _Unloaded(avg_ms, p99_ms, basis + "; latency rises across the least-loaded minutes", True)
    little_ms = 1000.0 * float(np.median(concurrency[ok] / served[ok]))
    uncertain = abs(little_ms - avg_ms) > settings.unloaded_disagreement * avg_ms
    if little_ms >= avg_ms:
        return _Unloaded(avg_ms, p99_ms, basis, uncertain)
    # the latency distribution keeps its shape (p99 / mean) at the lower level
    return _Unloaded(
        little_ms,
        p99_ms * little_ms / avg_ms,
        f"Little's law on the least-loaded minutes (Concurrency / served requests: {little_ms:.0f} ms, "
        f"where their latency reads {avg_ms:.0f} ms): the service never ran unloaded",
        uncertain,
    )


@dataclass(frozen=True)
class _Extrapolation:
    knee: float
    limited_by: str
    cpu_knee: float | None  # where the CPU line reaches the limit, uncapped
    projected: float  # where the CPU or the latency line reaches its limit first, uncapped


def _crossing(line: tuple[float, float] | None, limit: float) -> float | None:
    """Where a rising line reaches `limit`, or None when it does not rise."""
    if line is None or not line[1] > 0:
        return None
    return (limit - line[0]) / line[1]


def _r2(x: np.ndarray, y: np.ndarray, line: tuple[float, float]) -> float:
    mask = np.isfinite(x) & np.isfinite(y) & (y < 99.0)
    x, y = x[mask], y[mask]
    total = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - line[0] - line[1] * x) ** 2)) / total if total > 0 else 0.0


def _extrapolate(
    k: np.ndarray,
    p99: np.ndarray,
    cpu: np.ndarray,
    cpu_line: tuple[float, float] | None,
    latency_limit: float,
    seen: float,
    settings: CapacitySettings,
) -> _Extrapolation | None:
    """The knee of a service that never ran hot, from where its CPU (and a rising latency) line would
    reach the limit, at most `extrapolation_cap` x the most seen; None without a usable CPU line."""
    if cpu_line is None or _r2(k, cpu, cpu_line) < settings.min_cpu_fit_r2:
        return None
    cpu_knee = _crossing(cpu_line, settings.cpu_limit_pct)
    if cpu_knee is None:
        return None
    candidates = {"cpu (extrapolated)": cpu_knee}
    latency_knee = _crossing(_linear(k, p99, pinned=np.inf), latency_limit)
    if latency_knee is not None:
        candidates["latency (extrapolated)"] = latency_knee
    projected = min(candidates.values())
    cap = settings.extrapolation_cap * seen
    candidates[f"the extrapolation cap ({settings.extrapolation_cap:g}x the most seen)"] = cap
    limited_by, knee = min(candidates.items(), key=lambda item: item[1])
    if knee <= seen:
        return None
    return _Extrapolation(float(knee), limited_by, float(cpu_knee), float(projected))


@dataclass(frozen=True)
class _Curves:
    """Latency and CPU fitted (isotonic) on a grid of k from the least load seen to the most seen."""

    grid: np.ndarray
    latency: np.ndarray
    cpu: np.ndarray

    @classmethod
    def fit(cls, k: np.ndarray, p99: np.ndarray, cpu: np.ndarray, seen: float, points: int) -> _Curves:
        grid = np.linspace(float(k.min()), seen, points)
        return cls(grid, _fit_monotone(k, p99, grid), _fit_monotone(k, cpu, grid))


def _observed_knees(
    curves: _Curves, cpu_line: tuple[float, float] | None, latency_limit: float, settings: CapacitySettings
) -> dict[str, float]:
    """Where the fitted latency and CPU curves pass their limits within what was seen ({} if neither)."""
    latency_knee = _highest_within(curves.grid, curves.latency, latency_limit)
    cpu_knee = (
        _highest_within(curves.grid, curves.cpu, settings.cpu_limit_pct)
        if np.isfinite(curves.cpu).any()
        else None
    )
    if cpu_knee is not None and cpu_knee <= curves.grid[0]:
        # CPU is over the limit even at the least load seen: the line places the knee below the data
        below = _crossing(cpu_line, settings.cpu_limit_pct)
        cpu_knee = max(below, 1.0) if below is not None and below < cpu_knee else cpu_knee
    knees = {"latency": latency_knee, "cpu": cpu_knee}
    return {name: value for name, value in knees.items() if value is not None}


def estimate_capacity(
    frame: pd.DataFrame, settings: CapacitySettings = CapacitySettings()
) -> CapacityEstimate:
    """The knee of the service whose metrics are in `frame` (a wide frame, one row per minute).

    The estimate holds numbers only; `explain.capacity_finding` and `explain.capacity_reason` put them
    into words.
    """
    points = load_points(frame, settings)
    if len(points) < settings.min_points:
        raise CapacityUnknown(too_little_load(frame, len(points), settings))
    k = points["k"].to_numpy()
    p99 = points["latency_p99_ms"].to_numpy()
    cpu = points["cpu_pct"].to_numpy()
    unloaded = _unloaded(points, settings)
    latency_limit = settings.slo_factor * unloaded.p99_ms
    seen = seen_up_to(k, settings.support)
    curves = _Curves.fit(k, p99, cpu, seen, settings.curve_points)
    cpu_line = _linear(k, cpu)
    found = _observed_knees(curves, cpu_line, latency_limit, settings)
    extrapolation = None
    if found:
        knee = min(found.values())
        limited = " and ".join(n for n, v in found.items() if abs(v - knee) <= 0.02 * knee)
    else:
        extrapolation = _extrapolate(k, p99, cpu, cpu_line, latency_limit, seen, settings)
        if extrapolation is None:
            knee, limited = seen, "not observed"
        else:
            knee, limited = extrapolation.knee, extrapolation.limited_by
    memory_line = _linear(k, points["memory_pct"].to_numpy())
    sample = points.iloc[:: max(1, len(points) // settings.chart_points)]
    return CapacityEstimate(
        knee=float(knee),
        knee_observed=bool(found),
        limited_by=limited,
        unloaded_latency_s=unloaded.avg_ms / 1000.0,
        unloaded_p99_ms=unloaded.p99_ms,
        latency_limit_ms=latency_limit,
        latency_knee=found.get("latency"),
        cpu_knee=found.get("cpu"),
        max_observed_concurrency=seen,
        minutes_used=len(points),
        cpu_per_request_pct=None if cpu_line is None else max(cpu_line[1], 0.0),
        memory_base_pct=None if memory_line is None else memory_line[0],
        memory_per_request_pct=None if memory_line is None else max(memory_line[1], 0.0),
        points=sample[["k", "latency_p99_ms", "cpu_pct"]].reset_index(drop=True),
        curve=pd.DataFrame({"k": curves.grid, "latency_p99_ms": curves.latency, "cpu_pct": curves.cpu}),
        settings=settings,
        extrapolated=extrapolation is not None,
        cpu_extrapolated_knee=None if extrapolation is None else extrapolation.cpu_knee,
        projected_knee=None if extrapolation is None else extrapolation.projected,
        unloaded_basis=unloaded.basis,
        unloaded_uncertain=unloaded.uncertain,
    )
