"""The hidden behaviour of a sandbox service: what the advisor must infer from metrics, never read.

Every number here is a property of one simulated service, varied across the fleet (fleet.py), and
documented only in this module. App Runner documents none of its delays (reference/apprunner.md §1);
the ranges follow what users report: provisioning in tens of seconds to a few minutes, scale-in after
minutes without need, instances that stay active a while after their last request.

Latency has one of three shapes of per-instance concurrency k, each scaled by `scale`:
- `power`: a smooth knee, L0 (1 + (k / scale) ** exponent);
- `queue`: queueing-like, L0 / (1 - k / scale), capped where the queue would never drain;
- `linear-steep`: a gentle linear rise up to `scale`, then `exponent` times steeper.
Each request's latency is lognormal around the curve, its spread widening under load.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass

import numpy as np

LATENCY_SHAPES = ("power", "queue", "linear-steep")
CPU_SHAPES = ("convex", "linear", "concave")  # the exponent of CPU against per-instance load: >1, 1, <1
CPU_EXPONENTS = {"convex": 1.6, "linear": 1.0, "concave": 0.6}
K_STEP = 0.05  # resolution of the latency tables, in concurrent requests per instance
K_TOP = 400.0  # the tables reach past MaxConcurrency's limit (200)
MAX_LATENCY_FACTOR = 40.0  # a request never waits more than 40 x L0 in this world (timeouts)
Z99 = 2.3263478740408408


@dataclass(frozen=True)
class WorldParams:
    """One service's hidden parameters (defaults: a plain JSON API on App Runner as users describe it)."""

    latency_shape: str = "power"
    unloaded_latency_s: float = 0.25  # L0: the mean latency of an idle instance
    scale: float = 110.0  # the curve's own concurrency scale (not the knee: see `knee`)
    exponent: float = 2.5
    sigma: float = 0.3  # lognormal spread of one request's latency when unloaded
    sigma_load: float = 0.15  # extra spread at k = scale (tails grow heavier under load)
    cpu_shape: str = "linear"
    cpu_base_pct: float = 4.0  # an idle ready instance
    cpu_at_knee_pct: float = 80.0  # CPU at the latency knee: above 100 saturates first, below 80 never warns
    memory_base_pct: float = 30.0
    memory_per_request_pct: float = 0.25  # per concurrent request on an instance
    client_error_rate: float = 0.01  # 4xx the application answers itself
    server_error_rate: float = 0.002  # 5xx when healthy
    overload_error_rate: float = 0.05  # extra 5xx share per unit of k / knee above 1
    noise: float = 0.03  # minute-to-minute wobble of CPU and memory
    scale_out_delay_s: float = 60.0  # median of the per-event provisioning delay
    scale_out_spread: float = 0.4  # lognormal sigma of that delay between events
    scale_out_window_s: int = 30  # concurrency is averaged this long before scaling out
    scale_in_cooldown_s: float = 300.0  # no scale-in until capacity went unneeded this long
    active_linger_s: float = 60.0  # an instance counts (and bills) as active this long after a request
    cold_start_s: int = 30  # a newly ready instance is slow for its first seconds
    cold_extra_s: float = 0.8  # extra latency of a request served during a cold start
    deployments_per_fortnight: float = 3.0  # deployments double the provisioned instances
    deployment_min_s: int = 300
    deployment_max_s: int = 900

    def __post_init__(self) -> None:
        if self.latency_shape not in LATENCY_SHAPES:
            raise ValueError(f"latency_shape {self.latency_shape!r}: one of {', '.join(LATENCY_SHAPES)}")
        if self.cpu_shape not in CPU_SHAPES:
            raise ValueError(f"cpu_shape {self.cpu_shape!r}: one of {', '.join(CPU_SHAPES)}")

    @property
    def curve(self) -> LatencyCurve:
        return latency_curve(self)

    @property
    def knee(self) -> float:
        """Per-instance concurrency where p99 reaches 1.5 x the unloaded p99 (cold starts aside)."""
        return self.curve.knee

    def sigma_at(self, k: np.ndarray) -> np.ndarray:
        return self.sigma + self.sigma_load * np.minimum(np.asarray(k, dtype=float) / self.scale, 3.0)

    def cpu_pct(self, k: np.ndarray) -> np.ndarray:
        """CPU of a ready instance at per-instance concurrency k (before noise; may pass 100)."""
        gamma = CPU_EXPONENTS[self.cpu_shape]
        slope = (self.cpu_at_knee_pct - self.cpu_base_pct) / self.knee**gamma
        return self.cpu_base_pct + slope * np.asarray(k, dtype=float) ** gamma

    def truth(self) -> dict:
        """Every parameter, and the derived figures tests compare the advisor's estimates with."""
        return {**asdict(self), "knee": self.knee}


class LatencyCurve:
    """Mean latency against per-instance concurrency as tables, for arrays (np.interp) and for the
    controller's scalar loop (lists), and the in-flight fixed point k = (arrivals / ready) x L(k)."""

    def __init__(self, params: WorldParams):
        k = np.arange(0.0, K_TOP + K_STEP, K_STEP)
        self.k = k
        self.latency = params.unloaded_latency_s * _factor(params, k)
        throughput = k / self.latency  # arrivals per second one instance absorbs at concurrency k
        self.throughput = np.maximum.accumulate(throughput)  # nondecreasing: the first root is a search
        self.throughput_list = self.throughput.tolist()
        self._latency_list = self.latency.tolist()
        self.knee = _knee(params, k, self.latency)

    def at(self, k: np.ndarray) -> np.ndarray:
        return np.interp(k, self.k, self.latency)

    def concurrency(self, per_instance_rate: np.ndarray) -> np.ndarray:
        """The smallest k with k = rate x L(k): requests in flight per instance at a given arrival rate
        per instance (per second). Rates no k up to K_TOP absorbs come back as K_TOP."""
        i = np.searchsorted(self.throughput, per_instance_rate)
        return self.k[np.minimum(i, len(self.k) - 1)]

    def capacity_rate(self, max_concurrency: float) -> float:
        """Arrivals per second per instance beyond which in flight would exceed MaxConcurrency."""
        return self.throughput_list[self._index(max_concurrency)]

    def latency_scalar(self, k: float) -> float:
        return self._latency_list[self._index(k)]

    def _index(self, k: float) -> int:
        return min(round(k / K_STEP), len(self._latency_list) - 1)


@functools.cache
def latency_curve(params: WorldParams) -> LatencyCurve:
    return LatencyCurve(params)


def _factor(params: WorldParams, k: np.ndarray) -> np.ndarray:
    """L(k) / L0 for the service's latency shape."""
    x = k / params.scale
    if params.latency_shape == "power":
        factor = 1 + x**params.exponent
    elif params.latency_shape == "queue":
        factor = 1 / np.maximum(1 - x, 1 / MAX_LATENCY_FACTOR)
    else:  # linear-steep
        factor = 1 + 0.3 * np.minimum(x, 1) + 0.3 * params.exponent * np.maximum(x - 1, 0)
    return np.minimum(factor, MAX_LATENCY_FACTOR)


def _knee(params: WorldParams, k: np.ndarray, latency: np.ndarray) -> float:
    """Where p99 = L(k) exp(Z99 sigma(k) - sigma(k)^2 / 2) first reaches 1.5 x its value at k = 0."""
    sigma = params.sigma_at(k)
    p99 = latency * np.exp(Z99 * sigma - sigma**2 / 2)
    over = np.flatnonzero(p99 >= 1.5 * p99[0])
    return float(k[over[0]]) if len(over) else float(k[-1])
