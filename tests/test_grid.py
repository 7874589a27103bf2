"""evaluate_grid must equal the per-configuration simulator, configuration by configuration."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.simulate import ScalingModel, evaluate_grid, simulate
from advisor.errors import InputError


def check_against_simulator(
    demand, grid, samples, model=ScalingModel(), instance=InstanceSize(), region="us-east-1"
):
    for row in samples.itertuples():
        config = ScalingConfig(row.max_concurrency, row.min_size, row.max_size)
        summary = simulate(demand, config, instance, region, model).summary
        assert row.breach_minutes == summary.breach_minutes, config
        assert row.cost_usd == pytest.approx(summary.cost_usd, rel=1e-9, abs=1e-12), config


def test_grid_covers_every_valid_configuration_once():
    grid = evaluate_grid(np.array([1.0, 2.0, 3.0]))
    assert len(grid) == 200 * 325  # c 1..200 x (m, M) with 1 <= m <= M <= 25
    assert not grid.duplicated(["max_concurrency", "min_size", "max_size"]).any()
    assert (grid.min_size <= grid.max_size).all()
    assert grid.max_concurrency.between(1, 200).all() and grid.max_size.between(1, 25).all()


def test_grid_equals_simulator_on_a_month_like_series():
    rng = np.random.default_rng(3)
    t = np.arange(3 * 1440)
    demand = np.maximum(0, 120 + 100 * np.sin(2 * np.pi * t / 1440) + rng.normal(0, 25, len(t)))
    demand[rng.integers(0, len(t), 30)] *= 5
    grid = evaluate_grid(demand)
    corners = grid[
        grid.max_concurrency.isin([1, 2, 80, 93, 94, 100, 200])
        & grid.min_size.isin([1, 2, 25])
        & grid.max_size.isin([1, 2, 3, 24, 25])
    ]
    check_against_simulator(demand, grid, corners)
    check_against_simulator(demand, grid, grid.sample(300, random_state=1))


@settings(max_examples=40, deadline=None)
@given(
    arrays(np.float64, st.integers(1, 60), elements=st.floats(0, 2000, allow_nan=False)),
    st.integers(0, 3),
    st.integers(0, 8),
    st.floats(5, 150),
    st.integers(1, 8),
    st.integers(0, 2**31),
    st.sampled_from([0.0, 0.5, 15.0, 60.0, 300.0]),
)
def test_grid_equals_simulator_for_any_demand_and_model(demand, delay, hold, knee, limit, seed, linger):
    model = ScalingModel(scale_out_delay_min=delay, scale_in_hold_min=hold, knee=knee, active_linger_s=linger)
    cs = sorted({1, 7, 50, 100, 200, int(np.random.default_rng(seed).integers(1, 201))})
    grid = evaluate_grid(demand, model=model, max_concurrency=cs, max_size_limit=limit)
    assert len(grid) == len(cs) * limit * (limit + 1) // 2
    check_against_simulator(demand, grid, grid.sample(min(len(grid), 25), random_state=seed % 1000), model)


def test_grid_equals_simulator_with_an_active_linger():
    """Linger makes light traffic bill vCPU on every ready instance: the grid's vCPU sums must follow."""
    rng = np.random.default_rng(5)
    demand = np.abs(rng.normal(0.5, 2.0, 2 * 1440))  # mostly under one concurrent request
    model = ScalingModel(active_linger_s=60.0, scale_out_delay_min=2, scale_in_hold_min=9)
    grid = evaluate_grid(demand, model=model, max_concurrency=[1, 2, 5, 100])
    check_against_simulator(demand, grid, grid.sample(200, random_state=2), model)
    plain = evaluate_grid(demand, max_concurrency=[1, 2, 5, 100])
    assert (grid.cost_usd > plain.cost_usd).all()


def test_grid_uses_instance_size_and_region_prices():
    demand = np.full(120, 150.0)
    grid = evaluate_grid(demand, InstanceSize(2, 4), "ap-northeast-1", max_concurrency=[50, 100])
    check_against_simulator(demand, grid, grid, instance=InstanceSize(2, 4), region="ap-northeast-1")


def test_monthly_cost_is_scaled_to_thirty_days():
    grid = evaluate_grid(np.full(1440, 10.0), max_concurrency=[100])
    np.testing.assert_allclose(grid.monthly_cost_usd, grid.cost_usd * 30)


def test_bad_grid_inputs():
    with pytest.raises(InputError, match="MaxConcurrency"):
        evaluate_grid([1.0], max_concurrency=[0, 5])
    with pytest.raises(InputError, match="max_size_limit"):
        evaluate_grid([1.0], max_size_limit=0)
    with pytest.raises(InputError, match="empty"):
        evaluate_grid([])


def test_grid_equals_simulator_with_a_fitted_in_flight_curve_and_sub_minute_peaks():
    """The calibrated terms (a loaded instance holding more than the demand at L0; throttling judged on
    the busiest seconds) move MaxConcurrency to a fractional demand capacity: the grid must follow."""
    rng = np.random.default_rng(5)
    t = np.arange(2 * 1440)
    demand = np.maximum(0, 90 + 70 * np.sin(2 * np.pi * t / 1440) + rng.normal(0, 20, len(t)))
    model = ScalingModel(
        scale_out_delay_min=2,
        scale_in_hold_min=7,
        in_flight=((0.0, 1.0), (60.0, 1.3), (200.0, 2.0)),
        peak_z=1.5,
    )
    grid = evaluate_grid(demand, model=model, max_concurrency=[1, 13, 60, 61, 100, 200])
    check_against_simulator(demand, grid, grid.sample(300, random_state=2), model=model)


def test_right_sizing_replays_of_one_demand_share_its_basis_and_equal_fresh_grids(monkeypatch):
    """Right-sizing replays the same demand once per instance size with models that differ only in the
    latency objective: the grid basis is built once and every grid is exactly the one computed afresh."""
    from dataclasses import replace

    import pandas as pd

    from advisor.engine import simulate as sim

    rng = np.random.default_rng(11)
    t = np.arange(2 * 1440)
    demand = np.maximum(0, 60 + 50 * np.sin(2 * np.pi * t / 1440) + rng.normal(0, 15, len(t)))
    cases = [
        (InstanceSize(1, 2), ScalingModel(knee=40.0)),
        (InstanceSize(2, 4), ScalingModel(knee=75.0)),
        (InstanceSize(4, 12), ScalingModel(knee=160.0)),
        (InstanceSize(1, 2), replace(ScalingModel(knee=40.0), scale_in_hold_min=9)),  # another basis
    ]
    fresh = []
    for instance, model in cases:
        sim.forget_grid_bases()
        fresh.append(evaluate_grid(demand, instance, "us-east-1", model, range(1, 120, 7)))

    built = []
    original = sim._HeldBasis.of
    monkeypatch.setattr(sim._HeldBasis, "of", classmethod(lambda cls, *a: built.append(1) or original(*a)))
    sim.forget_grid_bases()
    for (instance, model), expected in zip(cases, fresh, strict=True):
        got = evaluate_grid(demand, instance, "us-east-1", model, range(1, 120, 7))
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert len(built) == 2  # one per (demand, hold/delay/linger), whatever the knee and the size


@given(
    arrays(np.float64, st.integers(1, 60), elements=st.floats(0, 1e4, allow_nan=False)),
    st.integers(0, 70),
)
@settings(max_examples=200, deadline=None)
def test_rolling_max_is_the_maximum_of_each_window(values, hold):
    from advisor.engine.simulate import rolling_max

    expected = np.array([values[max(0, t - hold) : t + 1].max() for t in range(len(values))])
    assert np.array_equal(rolling_max(values, hold), expected)
