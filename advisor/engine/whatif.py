"""What-if: replay a service's own history under any configuration, with its estimated capacity.

The dashboard's sliders call this on every move, so it takes the recommendation's capacity estimate (the
estimated knee and unloaded latency) and calibration (the fitted delay, hold and linger) rather than
re-fitting anything; a replay of 14 days is a few milliseconds.
"""

from __future__ import annotations

import math

import pandas as pd

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.calibrate import Calibration
from advisor.engine.capacity import CapacityEstimate, model_with_slo_concurrency
from advisor.engine.simulate import ScalingModel, SimulationResult, simulate
from advisor.engine.telemetry import demand_from_metrics

FALLBACK_LATENCY_S = 0.25


def model_from_evidence(
    capacity: CapacityEstimate | None, calibration: Calibration | None = None
) -> ScalingModel:
    """The simulator model the recommender used: its estimated knee and unloaded latency, and its fitted
    delay, hold and linger (evidence from before calibration: the protocol's), never the truth."""
    if capacity is None or not capacity.knee:
        model = ScalingModel()
    else:
        base = ScalingModel(latency_s=float(capacity.unloaded_latency_s or FALLBACK_LATENCY_S))
        model = model_with_slo_concurrency(base, max(1.0, math.floor(float(capacity.knee))))
    return model if calibration is None else calibration.apply(model)


def replay_history(
    metrics: pd.DataFrame,
    config: ScalingConfig,
    instance: InstanceSize,
    region: str,
    capacity: CapacityEstimate | None,
    calibration: Calibration | None = None,
) -> SimulationResult:
    """The service's collected demand replayed under `config` with the estimated capacity model."""
    model = model_from_evidence(capacity, calibration)
    demand = demand_from_metrics(metrics, model.latency_s)
    result = simulate(demand, config, instance, region, model)
    result.per_minute["capacity"] = result.per_minute["ready"] * config.max_concurrency
    return result
