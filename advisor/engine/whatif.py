"""What-if: replay a service's own history under any configuration, with its estimated capacity.

The dashboard's sliders call this on every move, so it takes the recommendation's capacity estimate (the
estimated knee and unloaded latency) rather than re-fitting anything; a replay of 14 days is a few
milliseconds.
"""

from __future__ import annotations

import math

import pandas as pd

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.capacity import CapacityEstimate, model_with_slo_concurrency
from advisor.engine.recommender import demand_from_metrics
from advisor.engine.simulate import ScalingModel, SimulationResult, simulate

FALLBACK_LATENCY_S = 0.25


def model_from_evidence(capacity: CapacityEstimate | None) -> ScalingModel:
    """The simulator model the recommender used: its estimated knee and unloaded latency, never the truth."""
    if capacity is None or not capacity.knee:
        return ScalingModel()
    base = ScalingModel(latency_s=float(capacity.unloaded_latency_s or FALLBACK_LATENCY_S))
    return model_with_slo_concurrency(base, max(1.0, math.floor(float(capacity.knee))))


def replay_history(
    metrics: pd.DataFrame,
    config: ScalingConfig,
    instance: InstanceSize,
    region: str,
    capacity: CapacityEstimate | None,
) -> SimulationResult:
    """The service's collected demand replayed under `config` with the estimated capacity model."""
    model = model_from_evidence(capacity)
    demand = demand_from_metrics(metrics, model.latency_s)
    result = simulate(demand, config, instance, region, model)
    result.per_minute["capacity"] = result.per_minute["ready"] * config.max_concurrency
    return result
