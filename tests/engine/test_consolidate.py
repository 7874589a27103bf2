"""An over-provisioned service consolidates in steps: each safe on the evidence, the end near the optimum."""

import functools
import json

import pandas as pd

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.explain import Recommendation
from advisor.engine.offline import metrics_from_trace
from advisor.engine.optimize import allowed_breaches
from advisor.engine.recommender import recommend
from advisor.engine.simulate import demand_from_requests, evaluate_grid, simulate
from advisor.engine.telemetry import ServiceBehavior
from advisor.workload.traffic import generate, shape

BEHAVIOR = ServiceBehavior(knee=90, latency_s=0.1)  # the truth: the recommender sees metrics only
CURRENT = ScalingConfig(100, 10, 25)  # MinSize 10 where one or two instances would do
INSTANCE = InstanceSize(1, 2)
END = pd.Timestamp("2026-03-11", tz="UTC")


@functools.cache
def _catalog() -> tuple[pd.Series, Recommendation]:
    traffic = generate(shape("steady", mean_rpm=45_000, daily_swing=0.4), days=7, end=END, seed=7)
    requests = traffic.set_index("timestamp")["requests"].astype(float)
    frame = metrics_from_trace(requests, BEHAVIOR, CURRENT, INSTANCE)
    demand = pd.Series(demand_from_requests(requests.to_numpy(), BEHAVIOR.latency_s), index=requests.index)
    return demand, recommend(frame, CURRENT, INSTANCE)


def _true(demand: pd.Series, config: ScalingConfig):
    return simulate(demand, config, INSTANCE, model=BEHAVIOR.scaling_model()).summary


def test_the_path_starts_with_the_recommendation_and_ends_near_the_hindsight_optimum():
    demand, rec = _catalog()
    assert rec.capacity is not None and rec.capacity.extrapolated and not rec.capacity.knee_observed
    path = rec.path
    assert len(path) >= 2 and path[0].config == rec.recommended
    allowed = allowed_breaches(len(demand), rec.budget)
    # the first step is safe on the true model; so is every later one, the end state included
    assert all(_true(demand, step.config).breach_minutes <= allowed for step in path)
    grid = evaluate_grid(demand.to_numpy(), INSTANCE, model=BEHAVIOR.scaling_model())
    optimum = float(grid[grid.breach_minutes <= allowed].monthly_cost_usd.min())
    end = _true(demand, path[-1].config).monthly_cost_usd
    assert end <= 1.6 * optimum  # the single step stops at 4.5x: MinSize 6 for a knee held at 2x seen
    assert _true(demand, path[0].config).monthly_cost_usd > 2 * end


def test_each_step_names_the_evidence_it_needs_and_when_to_review():
    _, rec = _catalog()
    first, *later = rec.path
    assert first.needs_concurrency is None and first.review_after_days is not None
    needs = [step.needs_concurrency for step in later]
    assert needs == sorted(needs) and needs[0] > rec.capacity.max_observed_concurrency
    assert all(step.needs_p99_ms == rec.capacity.latency_limit_ms for step in later)
    assert rec.path[-1].review_after_days is None
    assert all(a.knee < b.knee for a, b in zip(rec.path, rec.path[1:], strict=False))
    reason = next(r for r in rec.reasons if r.startswith("Consolidation in steps"))
    assert str(rec.path[-1].config) in reason and f"{needs[0]:.0f}+ concurrent requests" in reason


def test_the_path_survives_the_stored_evidence():
    _, rec = _catalog()
    stored = json.loads(json.dumps(rec.to_dict()))
    assert stored["path"][0]["config"]["min_size"] == rec.recommended.min_size
    assert Recommendation.from_dict(stored).to_dict() == stored
    assert Recommendation.from_dict(stored).path == rec.path
