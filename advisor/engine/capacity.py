"""How much concurrency one instance takes before it gets slow: the knee, fitted from the service's metrics.

App Runner publishes no per-instance latency curve, but CloudWatch has what it takes to draw one:
per-instance concurrency k = Concurrency / ActiveInstances against RequestLatency (p99 where present)
and CPUUtilization, minute by minute. Latency and CPU only rise with load, so both are fitted with
isotonic regression (monotone, no shape assumed). The knee is the highest k whose fitted p99 stays
within `slo_factor` x the unloaded p99 and whose fitted CPU stays within `cpu_limit_pct`.

A service that never ran hot shows a flat curve: the knee is then "not observed" and the estimate is
the highest per-instance concurrency the service has been seen to handle well, never an extrapolation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import HuberRegressor

from advisor.engine.simulate import ScalingModel
from advisor.engine.telemetry import column

CONCURRENCY = column("Concurrency", "Average")
ACTIVE = column("ActiveInstances", "Average")
LATENCY_P99 = column("RequestLatency", "p99")
LATENCY_AVG = column("RequestLatency", "Average")
CPU = column("CPUUtilization", "Average")
MEMORY = column("MemoryUtilization", "Average")


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
    reason: str = ""

    def scaling_model(self, base: ScalingModel | None = None) -> ScalingModel:
        """A simulator model whose latency objective is reached at this estimate, rounded down to whole
        requests (MaxConcurrency is whole, and a fitted crossing can be a fraction too high); never the
        service's hidden truth."""
        base = base or ScalingModel(latency_slope=self.settings.latency_slope)
        base = replace(base, latency_s=self.unloaded_latency_s, slo_factor=self.settings.slo_factor)
        return model_with_slo_concurrency(base, max(1.0, math.floor(self.knee)))

    def to_dict(self) -> dict:
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
            "points": _records(self.points),
            "curve": _records(self.curve),
        }


def model_with_slo_concurrency(base: ScalingModel, slo_concurrency: float) -> ScalingModel:
    """`base` with its knee moved so that latency reaches the objective at `slo_concurrency` per instance."""
    return replace(base, knee=slo_concurrency / (1 + (base.slo_factor - 1) / base.latency_slope))


class CapacityUnknown(ValueError):
    """Too little loaded data to draw the latency curve at all."""


def _records(frame: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if pd.isna(v) else float(v)) for k, v in row.items()} for row in frame.to_dict("records")
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
        },
        index=frame.index,
    )
    points = points[np.isfinite(points["k"]) & (points["k"] > 0) & points["latency_p99_ms"].notna()]
    return points.iloc[-settings.max_points :]


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


def _seen_up_to(k: np.ndarray, support: int) -> float:
    """The highest k with at least `support` minutes at or above it: seen often enough to trust."""
    ordered = np.sort(k)
    return float(ordered[max(0, len(ordered) - support)])


def _fit_monotone(k: np.ndarray, y: np.ndarray, grid: np.ndarray) -> np.ndarray:
    mask = np.isfinite(y)
    if mask.sum() < 2:
        return np.full_like(grid, np.nan)
    model = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(k[mask], y[mask])
    return model.predict(grid)


def _linear(x: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """(intercept, slope) of a robust line, or None when there is nothing to fit."""
    mask = np.isfinite(x) & np.isfinite(y) & (y < 99.0)  # utilization pinned at 100% says nothing
    if mask.sum() < 10 or np.ptp(x[mask]) == 0:
        return None
    x, y = x[mask], y[mask]
    step = max(1, len(x) // 5_000)  # a robust line needs a few thousand points, not all of them
    model = HuberRegressor().fit(x[::step, None], y[::step])
    return float(model.intercept_), float(model.coef_[0])


def estimate_capacity(
    frame: pd.DataFrame, settings: CapacitySettings = CapacitySettings()
) -> CapacityEstimate:
    """The knee of the service whose metrics are in `frame` (a wide frame, one row per minute)."""
    points = load_points(frame, settings)
    if len(points) < settings.min_points:
        raise CapacityUnknown(
            f"{len(points)} minutes with traffic and latency data; the latency curve needs "
            f"at least {settings.min_points}"
        )
    k = points["k"].to_numpy()
    p99 = points["latency_p99_ms"].to_numpy()
    cpu = points["cpu_pct"].to_numpy()
    low = k <= np.quantile(k, settings.unloaded_share)
    unloaded_p99 = float(np.median(p99[low]))
    avg = points["latency_avg_ms"].to_numpy()
    unloaded_avg = float(np.nanmedian(avg[low])) if np.isfinite(avg[low]).any() else unloaded_p99
    latency_limit = settings.slo_factor * unloaded_p99

    seen = _seen_up_to(k, settings.support)
    grid = np.linspace(float(k.min()), seen, settings.curve_points)
    fitted_latency = _fit_monotone(k, p99, grid)
    fitted_cpu = _fit_monotone(k, cpu, grid)
    latency_knee = _highest_within(grid, fitted_latency, latency_limit)
    cpu_knee = (
        _highest_within(grid, fitted_cpu, settings.cpu_limit_pct) if np.isfinite(fitted_cpu).any() else None
    )
    knees = {"latency": latency_knee, "cpu": cpu_knee}
    found = {name: value for name, value in knees.items() if value is not None}
    if found:
        knee = min(found.values())
        limited = " and ".join(n for n, v in found.items() if abs(v - knee) <= 0.02 * knee)
        reason = f"p99 latency or CPU reach their limit at {knee:.1f} concurrent requests per instance"
    else:
        knee, limited = seen, "not observed"
        reason = (
            f"the service never ran hot: latency and CPU stayed within limits up to {seen:.1f} concurrent "
            "requests per instance, the most it was seen to handle; higher may be fine but is unproven"
        )
    cpu_line = _linear(k, cpu)
    memory_line = _linear(k, points["memory_pct"].to_numpy())
    sample = points.iloc[:: max(1, len(points) // settings.chart_points)]
    return CapacityEstimate(
        knee=float(knee),
        knee_observed=bool(found),
        limited_by=limited,
        unloaded_latency_s=unloaded_avg / 1000.0,
        unloaded_p99_ms=unloaded_p99,
        latency_limit_ms=latency_limit,
        latency_knee=latency_knee,
        cpu_knee=cpu_knee,
        max_observed_concurrency=seen,
        minutes_used=len(points),
        cpu_per_request_pct=None if cpu_line is None else max(cpu_line[1], 0.0),
        memory_base_pct=None if memory_line is None else memory_line[0],
        memory_per_request_pct=None if memory_line is None else max(memory_line[1], 0.0),
        points=sample[["k", "latency_p99_ms", "cpu_pct"]].reset_index(drop=True),
        curve=pd.DataFrame({"k": grid, "latency_p99_ms": fitted_latency, "cpu_pct": fitted_cpu}),
        settings=settings,
        reason=reason,
    )
