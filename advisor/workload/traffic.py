"""A realistic request-traffic generator: daily and weekly cycles, trend, noise and bursts.

It seeds the sandbox's fleet and the built-in examples. Each shape is a recognizable App Runner
situation; counts are Poisson draws around a rate, so low traffic looks as lumpy as it really is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from advisor.domain import MAX_RUN_DAYS
from advisor.errors import InputError


@dataclass(frozen=True)
class TrafficShape:
    """What a service's traffic looks like, in numbers a person can read."""

    mean_rpm: float  # mean requests per minute on a weekday
    daily_swing: float = 0.0  # 0 = flat; 0.8 = the quietest hour is 80% below the busiest
    peak_hour_utc: float = 15.0
    weekend_factor: float = 1.0  # weekend traffic relative to weekdays
    trend_per_week: float = 0.0  # relative growth per week (0.02 = +2% a week)
    noise: float = 0.05  # relative size of slow random drift around the cycle
    bursts_per_day: float = 0.0
    burst_multiple: float = 0.0  # a burst's peak as a multiple of the mean rate
    burst_minutes: float = 10.0  # how long a burst takes to fade (e-folding time)


SHAPES: dict[str, TrafficShape] = {
    "steady": TrafficShape(mean_rpm=1200, daily_swing=0.15, noise=0.04),
    "diurnal": TrafficShape(
        mean_rpm=2400, daily_swing=0.85, peak_hour_utc=19, weekend_factor=1.25, noise=0.06
    ),
    "weekday": TrafficShape(mean_rpm=900, daily_swing=0.9, peak_hour_utc=14, weekend_factor=0.15, noise=0.05),
    "bursty": TrafficShape(
        mean_rpm=300, daily_swing=0.3, noise=0.1, bursts_per_day=6, burst_multiple=25, burst_minutes=6
    ),
    "low": TrafficShape(mean_rpm=6, daily_swing=0.7, peak_hour_utc=10, weekend_factor=0.3, noise=0.1),
    "growing": TrafficShape(
        mean_rpm=1500, daily_swing=0.6, peak_hour_utc=16, trend_per_week=0.05, noise=0.05
    ),
}


def shape(name: str, **overrides: float) -> TrafficShape:
    if name not in SHAPES:
        raise InputError(f"unknown traffic shape {name!r}: choose one of {', '.join(SHAPES)}")
    return replace(SHAPES[name], **overrides)


def _daily_cycle(hours: np.ndarray, peak_hour: float, swing: float) -> np.ndarray:
    """A day curve between 1 - swing and 1 (a broad peak and a narrower night trough)."""
    phase = 2 * np.pi * (hours - peak_hour) / 24
    raw = 0.75 * np.cos(phase) + 0.25 * np.cos(2 * phase)  # second harmonic: flatter day, sharper night
    unit = (raw - raw.min()) / (raw.max() - raw.min()) if raw.max() > raw.min() else np.ones_like(raw)
    return 1 - swing + swing * unit


def _drift(rng: np.random.Generator, minutes: int, size: float) -> np.ndarray:
    """Multiplicative AR(1) drift with a one-hour memory: traffic wanders, it does not flicker."""
    if size <= 0:
        return np.ones(minutes)
    phi = np.exp(-1 / 60)
    shocks = rng.normal(0, size * np.sqrt(1 - phi**2), minutes)
    start = rng.normal(0, size)
    from scipy.signal import lfilter  # scipy.signal takes a second to import: only when traffic is made

    out, _ = lfilter([1.0], [1.0, -phi], shocks, zi=[phi * start])
    drift: np.ndarray = np.exp(out - size**2 / 2)
    return drift


def generate(
    traffic: TrafficShape | str,
    days: float = 14,
    end: pd.Timestamp | str | None = None,
    seed: int = 7,
) -> pd.DataFrame:
    """A per-minute trace (`timestamp`, `requests`) of `days` days ending at `end` (default: this minute)."""
    if isinstance(traffic, str):
        traffic = shape(traffic)
    if not math.isfinite(days) or days > MAX_RUN_DAYS:
        raise InputError(f"days={days!r} is invalid: allowed at least one minute up to {MAX_RUN_DAYS} days")
    minutes = round(days * 1440)
    if minutes < 1:
        raise InputError(f"days={days!r} is too short: at least one minute")
    end_ts = pd.Timestamp(end) if end is not None else pd.Timestamp.now(tz="UTC")
    end_ts = (end_ts.tz_localize("UTC") if end_ts.tzinfo is None else end_ts.tz_convert("UTC")).floor("min")
    index = pd.date_range(end=end_ts - pd.Timedelta(minutes=1), periods=minutes, freq="1min")
    rng = np.random.default_rng(seed)

    hours = index.hour.to_numpy() + index.minute.to_numpy() / 60
    weekend = index.day_of_week.to_numpy() >= 5
    weeks = (index - index[0]).total_seconds().to_numpy() / (7 * 86400)
    cycle = _daily_cycle(hours, traffic.peak_hour_utc, traffic.daily_swing)
    cycle = cycle / _daily_cycle(np.arange(0, 24, 1 / 60), traffic.peak_hour_utc, traffic.daily_swing).mean()
    rate = traffic.mean_rpm * cycle * np.where(weekend, traffic.weekend_factor, 1.0)
    rate = rate * (1 + traffic.trend_per_week) ** weeks * _drift(rng, minutes, traffic.noise)

    if traffic.bursts_per_day > 0 and traffic.burst_multiple > 0:
        starts = rng.choice(minutes, size=rng.poisson(traffic.bursts_per_day * minutes / 1440), replace=True)
        kernel_len = int(traffic.burst_minutes * 6) + 1
        kernel = np.exp(-np.arange(kernel_len) / traffic.burst_minutes)
        impulses = np.zeros(minutes)
        np.add.at(
            impulses, starts, rng.uniform(0.4, 1.0, len(starts)) * traffic.burst_multiple * traffic.mean_rpm
        )
        rate = rate + np.convolve(impulses, kernel)[:minutes]

    requests = rng.poisson(np.maximum(rate, 0))
    return pd.DataFrame({"timestamp": index, "requests": requests.astype(np.int64)})
