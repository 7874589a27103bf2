"""The optimizer: cheapest within the budget on every scenario, the frontier, profiles, right-sizing."""

import numpy as np
import pytest

from advisor.domain import DEFAULT_INSTANCE, InstanceSize
from advisor.engine.optimize import (
    PROFILES,
    Scenario,
    SizingEvidence,
    allowed_breaches,
    knee_for_size,
    optimize,
    profile_named,
)
from advisor.engine.simulate import ScalingModel, simulate
from advisor.errors import InputError


def wavy(minutes=2000, seed=0, level=150.0):
    rng = np.random.default_rng(seed)
    t = np.arange(minutes)
    return np.maximum(0, level + 0.6 * level * np.sin(t / 120) + rng.normal(0, level * 0.05, minutes))


# 2,000 minutes at the 0.1% budget, all of it for cost-saver (budget_share 1.0): floor(2.0) = 2 minutes
ALLOWED_2000 = 2


def test_the_pick_is_the_cheapest_within_budget_on_every_scenario():
    history, ahead = Scenario("history", wavy(), ""), Scenario("forecast", wavy(seed=1) * 1.3, "")
    result = optimize([history, ahead], ScalingModel(), DEFAULT_INSTANCE, profile=PROFILES["cost-saver"])
    assert result.feasible
    assert result.allowed == {"history": ALLOWED_2000, "forecast": ALLOWED_2000}
    grid = result.grid
    fits = (grid.breach_history <= ALLOWED_2000) & (grid.breach_forecast <= ALLOWED_2000)
    cheapest = grid[fits].cost_forecast.min()
    assert result.row(result.best).cost_forecast == pytest.approx(cheapest)
    replay = simulate(ahead.demand, result.best).summary
    assert replay.breach_minutes <= ALLOWED_2000


def test_the_performance_profile_spends_half_the_budget():
    # 2,000 minutes x 0.1% x 0.5 = 1.0: one breach minute allowed per scenario
    result = optimize(
        [Scenario("forecast", wavy(), "")], ScalingModel(), DEFAULT_INSTANCE, profile=PROFILES["performance"]
    )
    assert result.allowed == {"forecast": 1}
    assert result.row(result.best).breach_forecast <= 1


def test_max_size_goes_up_to_the_limit_it_is_given_and_never_past_it():
    # a peak of about 1,600 concurrent requests (1,000 x 1.6) at MaxConcurrency <= 50 needs at least
    # 32 instances: more than the default quota of 25
    demand = wavy(level=1000.0)
    capped = optimize(
        [Scenario("forecast", demand, "")], ScalingModel(), DEFAULT_INSTANCE, max_concurrency=[30, 40, 50]
    )
    assert capped.grid.max_size.max() == 25 and capped.best.max_size <= 25
    raised = optimize(
        [Scenario("forecast", demand, "")],
        ScalingModel(),
        DEFAULT_INSTANCE,
        max_concurrency=[30, 40, 50],
        max_size_limit=60,
    )
    assert raised.grid.max_size.max() == 60
    assert 32 <= raised.best.max_size <= 60
    assert raised.row(raised.best).breach_forecast < capped.row(capped.best).breach_forecast


def test_the_balanced_profile_pays_a_little_for_fewer_breaches():
    scenarios = [Scenario("history", wavy(), ""), Scenario("forecast", wavy(seed=2), "")]
    saver = optimize(scenarios, ScalingModel(), DEFAULT_INSTANCE, profile=PROFILES["cost-saver"])
    balanced = optimize(scenarios, ScalingModel(), DEFAULT_INSTANCE, profile=PROFILES["balanced"])
    s, b = saver.row(saver.best), balanced.row(balanced.best)
    assert b.cost_forecast <= s.cost_forecast * 1.02 + 1e-9
    assert b.breach_forecast <= s.breach_forecast


def test_max_size_never_goes_below_the_floor():
    scenarios = [Scenario("forecast", wavy(), "")]
    result = optimize(scenarios, ScalingModel(), DEFAULT_INSTANCE, max_size_floor=9)
    assert result.best.max_size >= 9 and (result.grid.max_size >= 9).all()


def test_when_nothing_fits_the_fewest_breaches_win():
    spiky = wavy()
    spiky[::50] = 20_000  # far beyond 25 instances
    result = optimize([Scenario("forecast", spiky, "")], ScalingModel(), DEFAULT_INSTANCE)
    assert not result.feasible
    assert result.row(result.best).breach_forecast == result.grid.breach_forecast.min()


def test_the_frontier_trades_cost_for_breaches():
    result = optimize([Scenario("forecast", wavy(), "")], ScalingModel(), DEFAULT_INSTANCE)
    frontier = result.frontier()
    assert len(frontier) >= 2
    assert frontier.breach_minutes.is_monotonic_increasing
    assert frontier.monthly_cost_usd.is_monotonic_decreasing


def test_budget_is_floored_as_the_protocol_says():
    assert allowed_breaches(13_999, 0.001) == 13
    assert allowed_breaches(1440, 0.001) == 1


def test_unknown_profile_is_bad_input():
    with pytest.raises(InputError, match="balanced"):
        profile_named("yolo")


def test_a_cpu_bound_knee_scales_with_vcpu_but_an_unobserved_one_never_grows():
    cpu_bound = SizingEvidence(93, True, True, 0.86, 10, 0.1)
    half = InstanceSize(0.5, 1.0)
    assert knee_for_size(cpu_bound, DEFAULT_INSTANCE, half)[0] == pytest.approx(46.5)
    unseen = SizingEvidence(60, False, False, 0.3, 30, 0.25)
    assert knee_for_size(unseen, DEFAULT_INSTANCE, InstanceSize(2.0, 4.0))[0] == pytest.approx(60)


def test_memory_can_rule_out_a_small_size():
    hungry = SizingEvidence(93, True, True, 0.86, 60, 0.25)  # 60% of 2 GB idle: 1.2 GB
    knee, basis = knee_for_size(hungry, DEFAULT_INSTANCE, InstanceSize(0.25, 0.5))
    assert knee == 0 and basis == "memory limit"
