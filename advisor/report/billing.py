"""What one service cost and risked in a window: the engine's billing model over its collected demand.

Each minute is billed by `whatif.replay_history` (the same replay the dashboard's what-if uses) under the
configuration the service ran at that minute, with the capacity model and calibration of its latest
recommendation; a window with a configuration change replays the whole window under each configuration
and keeps each one's minutes, so the scaling state carries across the change as it did in App Runner.
Nothing here prices anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from advisor.engine.calibrate import Calibration
from advisor.engine.capacity import CapacityEstimate
from advisor.engine.telemetry import column
from advisor.engine.whatif import replay_history
from advisor.report.timeline import Config, ConfigTimeline, config_label

REQUESTS = column("Requests", "Sum")


@dataclass(frozen=True)
class WindowReplay:
    """The engine's bill and breach count of one service over one window."""

    cost_usd: float = 0.0
    minutes: int = 0  # minutes billed: from the first to the last Requests datapoint
    breach_minutes: int = 0
    throttle_minutes: int = 0
    throttled_requests: float = 0.0  # the engine's estimate of 429s
    daily: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["cost_usd", "minutes"]))
    configs: tuple[str, ...] = ()


def has_demand(metrics: pd.DataFrame) -> bool:
    return REQUESTS in metrics and bool(metrics[REQUESTS].notna().any())


def replay_per_minute(
    metrics: pd.DataFrame,
    timeline: ConfigTimeline,
    region: str,
    capacity: CapacityEstimate | None,
    calibration: Calibration | None = None,
) -> tuple[pd.DataFrame, list[Config]]:
    """The engine's per-minute frame, each minute from the replay under the configuration in effect."""
    runs: dict[Config, pd.DataFrame] = {}

    def run(config: Config) -> pd.DataFrame:
        if config not in runs:
            runs[config] = replay_history(
                metrics, config[0], config[1], region, capacity, calibration
            ).per_minute
        return runs[config]

    index = pd.DatetimeIndex(run(timeline.initial).index)
    in_effect = timeline.at(index)
    used = list(dict.fromkeys(in_effect))
    code = np.array([used.index(c) for c in in_effect])
    parts = [run(config)[code == i] for i, config in enumerate(used)]
    return pd.concat(parts).sort_index(), used


def replay_window(
    metrics: pd.DataFrame,
    timeline: ConfigTimeline | None,
    region: str,
    capacity: CapacityEstimate | None,
    calibration: Calibration | None = None,
) -> WindowReplay:
    """The service's bill over the window `metrics` covers; empty when it had no demand data there."""
    if timeline is None or not has_demand(metrics):
        return WindowReplay()
    minute, used = replay_per_minute(metrics, timeline, region, capacity, calibration)
    days = pd.DatetimeIndex(minute.index).floor("D")
    daily = minute["cost_usd"].groupby(days).agg(["sum", "count"]).set_axis(["cost_usd", "minutes"], axis=1)
    return WindowReplay(
        cost_usd=float(minute["cost_usd"].sum()),
        minutes=len(minute),
        breach_minutes=int(minute["breach"].sum()),
        throttle_minutes=int(minute["throttled"].sum()),
        throttled_requests=float(minute["throttled_requests"].sum()),
        daily=daily,
        configs=tuple(config_label(c) for c in used),
    )


@dataclass(frozen=True)
class Observed:
    """What CloudWatch itself reported in the window (no model involved)."""

    minutes_with_data: int = 0
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    largest_gap_minutes: int = 0  # the longest run of minutes without any datapoint inside [first, last]
    requests: float = 0.0
    errors_4xx: float = 0.0
    errors_5xx: float = 0.0
    minutes_above_slo: int = 0  # minutes whose p99 latency exceeded the objective


def _sum(metrics: pd.DataFrame, name: str) -> float:
    return float(metrics[name].sum()) if name in metrics else 0.0


def _largest_gap(present: pd.Series) -> int:
    """Longest run of False between the first and the last True."""
    if not present.any():
        return 0
    inner = present.loc[present.idxmax() : present[::-1].idxmax()]
    runs = (~inner).groupby(inner.cumsum()).sum()
    return int(runs.max()) if len(runs) else 0


def observe(metrics: pd.DataFrame, latency_limit_ms: float | None) -> Observed:
    present = metrics.notna().any(axis=1) if len(metrics.columns) else pd.Series(False, index=metrics.index)
    if not present.any():
        return Observed()
    p99 = column("RequestLatency", "p99")
    above = int((metrics[p99] > latency_limit_ms).sum()) if latency_limit_ms and p99 in metrics else 0
    return Observed(
        minutes_with_data=int(present.sum()),
        first=present[present].index[0],
        last=present[present].index[-1],
        largest_gap_minutes=_largest_gap(present),
        requests=_sum(metrics, REQUESTS),
        errors_4xx=_sum(metrics, column("4xxStatusResponses", "Sum")),
        errors_5xx=_sum(metrics, column("5xxStatusResponses", "Sum")),
        minutes_above_slo=above,
    )
