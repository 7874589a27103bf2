"""What App Runner's CloudWatch metrics would show for a simulated minute-by-minute replay.

The sandbox publishes these as its services' metrics, and `recommend --from-trace` recommends from
them, so the recommender only ever sees what CloudWatch would give it. The service's hidden capacity
(its knee, unloaded latency, CPU and memory use) lives in `ServiceBehavior`; relationships follow
bench/PROTOCOL.md §2: latency flat up to the knee then rising, CPU reaching 80% where latency reaches
the objective, throttled requests (429) counted in 4xx.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from advisor.domain import METRIC_STATS
from advisor.engine.simulate import ScalingModel, SimulationResult

Z = {"p50": 0.0, "p90": 1.2815515655446004, "p99": 2.3263478740408408}


def column(metric: str, stat: str) -> str:
    """The wide frame's column name for a metric and statistic, e.g. RequestLatency_p99."""
    return f"{metric}_{stat}"


def demand_from_metrics(frame: pd.DataFrame, latency_s: float) -> pd.Series:
    """Concurrent requests per minute at unloaded latency (Little's law), every minute of the span.

    Requests include the throttled ones (429s), which Concurrency does not see; a minute without a
    Requests datapoint had none (CloudWatch leaves empty counts out).
    """
    requests = frame[column("Requests", "Sum")].dropna()
    index = pd.date_range(requests.index[0], requests.index[-1], freq="1min", name="timestamp")
    return requests.reindex(index, fill_value=0.0) / 60.0 * latency_s


@dataclass(frozen=True)
class ServiceBehavior:
    """A service's hidden capacity and habits: what the advisor must infer, never read."""

    knee: float = 80.0  # per-instance concurrency where latency starts to rise
    latency_s: float = 0.25  # unloaded mean latency
    latency_slope: float = 3.0
    latency_sigma: float = 0.35  # spread of request latencies within a minute (lognormal)
    cpu_at_slo_pct: float = 80.0  # CPU where latency reaches the objective (PROTOCOL.md §2)
    slo_factor: float = 1.5
    memory_base_pct: float = 30.0  # memory of an idle instance
    memory_per_request_pct: float = 0.25  # extra memory per concurrent request on an instance
    client_error_rate: float = 0.01  # 4xx the application answers (not throttling)
    server_error_rate: float = 0.002  # 5xx
    noise: float = 0.03  # relative minute-to-minute noise on latency, CPU and memory

    def scaling_model(self) -> ScalingModel:
        """The simulator's model (the protocol's delays) with this service's latency curve."""
        return ScalingModel(
            knee=self.knee,
            latency_s=self.latency_s,
            latency_slope=self.latency_slope,
            slo_factor=self.slo_factor,
        )

    @property
    def slo_concurrency(self) -> float:
        return self.knee * (1 + (self.slo_factor - 1) / self.latency_slope)


def synthesize_metrics(
    requests_per_minute: np.ndarray | pd.Series,
    replay: SimulationResult,
    behavior: ServiceBehavior,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per minute, a column per (metric, stat) of domain.METRIC_STATS, as CloudWatch would report.

    Minutes without requests have no latency datapoints (NaN), as CloudWatch leaves them absent.
    `replay` must come from simulating the same minutes with `behavior.scaling_model()`.
    """
    rng = np.random.default_rng(seed)
    minutes = replay.per_minute
    n = len(minutes)
    rpm = np.asarray(requests_per_minute, dtype=float)
    if rpm.shape != (n,):
        raise ValueError(f"requests_per_minute has {rpm.shape} values, the replay {n} minutes")
    config = replay.summary.config
    demand = minutes["demand"].to_numpy()
    ready = minutes["ready"].to_numpy().astype(float)

    def wobble() -> np.ndarray:
        return np.exp(rng.normal(0, behavior.noise, n)) if behavior.noise > 0 else np.ones(n)

    # Requests beyond what the ready instances accept are answered 429 (counted in 4xx).
    served_share = np.where(
        demand > 0, np.minimum(1.0, ready * config.max_concurrency / np.maximum(demand, 1e-12)), 1
    )
    requests = np.round(rpm)
    throttled = np.round(requests * (1 - served_share))
    served = requests - throttled
    server_errors = rng.binomial(served.astype(np.int64), behavior.server_error_rate).astype(float)
    client_errors = rng.binomial((served - server_errors).astype(np.int64), behavior.client_error_rate)
    ok = served - server_errors - client_errors

    concurrency = np.minimum(demand, ready * config.max_concurrency)
    concurrency_peak = np.minimum(concurrency + 2 * np.sqrt(concurrency), ready * config.max_concurrency)
    instances_touched = np.where(requests > 0, ready * (1 - np.exp(-served / np.maximum(ready, 1))), 0.0)

    served_k = concurrency / ready
    mean_latency_ms = 1000 * behavior.scaling_model().latency(served_k) * wobble()
    median = mean_latency_ms * np.exp(-(behavior.latency_sigma**2) / 2)
    has_requests = served > 0
    latency = {
        stat: np.where(has_requests, median * np.exp(z * behavior.latency_sigma), np.nan)
        for stat, z in Z.items()
    }

    # CPU of the ready instances serving the spread-out requests (PROTOCOL.md §2)
    cpu = np.minimum(100.0, behavior.cpu_at_slo_pct * served_k / behavior.slo_concurrency * wobble())
    memory = np.minimum(
        100.0, (behavior.memory_base_pct + behavior.memory_per_request_pct * served_k) * wobble()
    )

    values = {
        ("Requests", "Sum"): requests,
        ("2xxStatusResponses", "Sum"): ok,
        ("4xxStatusResponses", "Sum"): client_errors + throttled,
        ("5xxStatusResponses", "Sum"): server_errors,
        ("Concurrency", "Average"): concurrency,
        ("Concurrency", "Maximum"): concurrency_peak,
        ("ActiveInstances", "Average"): minutes["active"].to_numpy(),
        ("ActiveInstances", "Maximum"): np.ceil(instances_touched - 1e-9),
        ("RequestLatency", "Average"): np.where(has_requests, mean_latency_ms, np.nan),
        ("RequestLatency", "p50"): latency["p50"],
        ("RequestLatency", "p90"): latency["p90"],
        ("RequestLatency", "p99"): latency["p99"],
        ("CPUUtilization", "Average"): cpu,
        ("CPUUtilization", "Maximum"): np.minimum(100.0, cpu * (1 + behavior.noise * 2)),
        ("MemoryUtilization", "Average"): memory,
        ("MemoryUtilization", "Maximum"): np.minimum(100.0, memory * (1 + behavior.noise * 2)),
    }
    frame = pd.DataFrame({column(m, s): values[(m, s)] for m, s in METRIC_STATS}, index=minutes.index)
    frame.index.name = "timestamp"
    return frame
