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


def test_the_pick_is_the_cheapest_within_budget_on_every_scenario():
    history, ahead = Scenario("history", wavy(), ""), Scenario("forecast", wavy(seed=1) * 1.3, "")
    result = optimize([history, ahead], ScalingModel(), DEFAULT_INSTANCE, profile=PROFILES["cost-saver"])
    assert result.feasible
    grid = result.grid
    fits = (grid.breach_history <= result.allowed["history"]) & (
        grid.breach_forecast <= result.allowed["forecast"]
    )
    cheapest = grid[fits].cost_forecast.min()
    assert result.row(result.best).cost_forecast == pytest.approx(cheapest)
    replay = simulate(ahead.demand, result.best).summary
    assert replay.breach_minutes <= result.allowed["forecast"]


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
