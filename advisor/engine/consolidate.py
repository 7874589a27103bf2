"""Stepwise consolidation: the path from an over-provisioned service to the configuration its CPU points at.

A service that never ran hot shows where its CPU line would reach the limit, but capacity.py takes no
more than `extrapolation_cap` (2x) the per-instance load it has seen: latency may turn up before CPU runs
out, and only running hotter shows it. Each step is safe on the evidence the step before it produced: the
first on the history, the next once instances have run at the load the first step gives them (with p99
and CPU still in bounds), and so on until the extrapolation cap no longer binds. The path says so, with
each step's configuration and cost, the evidence it needs and when to review, instead of one timid step
whose saving hides where the service is going.

Why not a larger first step when CPU and latency stay flat far below their limits: the simulator's own
world keeps the protocol's promise that CPU reaches its limit exactly where latency does, so any test of
a larger step on it passes by construction, and `advisor bench` never exercises an extrapolated knee
(App Runner's default MaxConcurrency 100 runs every trace past its knee). The cap stays as documented.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from advisor.domain import InstanceSize
from advisor.engine.capacity import CapacityEstimate, model_with_slo_concurrency, seen_up_to
from advisor.engine.explain import PathStep
from advisor.engine.optimize import OptimizationResult
from advisor.engine.simulate import ScalingModel, simulate

# The optimizer's search for a service whose capacity is `knee` concurrent requests per instance, under
# `model` (the recommender's own, with the knee moved there).
Search = Callable[[ScalingModel, float], OptimizationResult]


@dataclass(frozen=True)
class PathSettings:
    review_days: float = 2.0  # a full daily cycle at the new setting, after the day of the change
    max_steps: int = 6
    min_gain: float = 0.05  # a step that raises the per-instance load seen by less proves nothing new


def _step(
    result: OptimizationResult, knee: float, needs: float | None, capacity: CapacityEstimate
) -> PathStep:
    row = result.row(result.best)
    return PathStep(
        config=result.best,
        knee=knee,
        monthly_cost_usd=float(row[f"monthly_cost_{result.cost_scenario}"]),
        breach_minutes=int(row[f"breach_{result.cost_scenario}"]),
        needs_concurrency=needs,
        needs_p99_ms=None if needs is None else capacity.latency_limit_ms,
        needs_cpu_pct=None if needs is None else capacity.settings.cpu_limit_pct,
        support_minutes=capacity.settings.support,
        review_after_days=None,
    )


def consolidation_path(
    capacity: CapacityEstimate,
    first: OptimizationResult,
    model: ScalingModel,
    demand: np.ndarray,
    instance: InstanceSize,
    region: str,
    search: Search,
    settings: PathSettings = PathSettings(),
) -> list[PathStep]:
    """This step (`first`, the recommendation), then each next one until the projected capacity; [] when
    the extrapolation cap did not bind (one step gets there, or the knee was observed).

    `demand` is the cost scenario's: each step is replayed on it to find the per-instance load its
    instances would run at, which is the evidence the next step needs.
    """
    projected = capacity.projected_knee
    cap = capacity.settings.extrapolation_cap
    if not capacity.extrapolated or projected is None or projected <= capacity.knee * (1 + settings.min_gain):
        return []
    steps = [_step(first, capacity.knee, None, capacity)]
    seen, knee = capacity.max_observed_concurrency, capacity.knee
    while knee < projected and len(steps) < settings.max_steps:
        step_model = model_with_slo_concurrency(model, max(1, math.floor(knee)))
        replay = simulate(demand, steps[-1].config, instance, region, step_model).per_minute
        reached = seen_up_to(replay["per_instance_concurrency"].to_numpy(), capacity.settings.support)
        if reached <= seen * (1 + settings.min_gain):
            break  # this step would not load the instances more: nothing new to learn from it
        seen, knee = reached, min(projected, cap * reached)
        result = search(model_with_slo_concurrency(model, max(1, math.floor(knee))), knee)
        if result.best == steps[-1].config:
            break
        steps[-1] = replace(steps[-1], review_after_days=settings.review_days)
        steps.append(_step(result, knee, reached, capacity))
    return steps if len(steps) > 1 else []
