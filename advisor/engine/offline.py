"""A request trace treated as a running service: the metrics CloudWatch would have shown for it.

`recommend --from-trace` and `bench` replay the trace under the service's current configuration with
the simulator, turn the replay into CloudWatch-like metrics, and hand only those metrics to the
recommender, exactly as for a real service. The service's hidden capacity (`ServiceBehavior`) shapes
the metrics; the recommender never sees it.
"""

from __future__ import annotations

import pandas as pd

from advisor.domain import DEFAULT_INSTANCE, DEFAULT_SCALING, InstanceSize, ScalingConfig
from advisor.engine.explain import Recommendation
from advisor.engine.recommender import RecommendSettings, recommend
from advisor.engine.simulate import demand_from_requests, simulate
from advisor.engine.telemetry import ServiceBehavior, synthesize_metrics


def metrics_from_trace(
    requests_per_minute: pd.Series,
    behavior: ServiceBehavior = ServiceBehavior(),
    current: ScalingConfig = DEFAULT_SCALING,
    instance: InstanceSize = DEFAULT_INSTANCE,
    region: str = "us-east-1",
    seed: int = 0,
) -> pd.DataFrame:
    """The wide metrics frame of a service with `behavior` serving the trace under `current`."""
    if requests_per_minute.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name="timestamp"))
    demand = pd.Series(
        demand_from_requests(requests_per_minute.to_numpy(), behavior.latency_s),
        index=requests_per_minute.index,
    )
    replay = simulate(demand, current, instance, region, behavior.scaling_model())
    return synthesize_metrics(requests_per_minute.to_numpy(), replay, behavior, seed=seed)


def recommend_from_trace(
    requests_per_minute: pd.Series,
    behavior: ServiceBehavior = ServiceBehavior(),
    current: ScalingConfig = DEFAULT_SCALING,
    instance: InstanceSize = DEFAULT_INSTANCE,
    region: str = "us-east-1",
    settings: RecommendSettings = RecommendSettings(),
    seed: int = 0,
) -> Recommendation:
    """Recommend for the trace as a service, from its synthesized metrics alone."""
    frame = metrics_from_trace(requests_per_minute, behavior, current, instance, region, seed)
    return recommend(frame, current, instance, region, settings)
