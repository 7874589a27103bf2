"""The simulator against bench/PROTOCOL.md §3: one series worked by hand, then the model's invariants."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.simulate import ScalingModel, demand_from_requests, simulate
from advisor.errors import InputError
from advisor.pricing.apprunner import prices_for


def test_ten_minutes_by_hand():
    # c = 100, m = 1, M = 3; hold 5 min, delay 1 min, K = 80, L0 = 0.25 s, SLO 1.5 -> K_slo = 93.33
    demand = [0, 50, 150, 250, 320, 90, 10, 0, 0, 0]
    out = simulate(demand, ScalingConfig(100, 1, 3)).per_minute
    assert out["needed"].tolist() == [0, 1, 2, 3, 4, 1, 1, 0, 0, 0]  # ceil(D / 100)
    # max of needed over t-5..t, clipped to [1, 3]: minute 4 needs 4, held until minute 9
    assert out["provisioned"].tolist() == [1, 1, 2, 3, 3, 3, 3, 3, 3, 3]
    assert out["ready"].tolist() == [1, 1, 1, 2, 3, 3, 3, 3, 3, 3]  # provisioned one minute earlier
    k = [0, 50, 150, 125, 320 / 3, 30, 10 / 3, 0, 0, 0]
    np.testing.assert_allclose(out["per_instance_concurrency"], k)
    ready = np.array([1, 1, 1, 2, 3, 3, 3, 3, 3, 3])
    np.testing.assert_allclose(out["active"], ready * (1 - np.exp(-np.array(k))))
    assert out["active"].iloc[6] == pytest.approx(3 * (1 - np.exp(-10 / 3)))  # 2.8930
    # 429s: 150 > 100, 250 > 200, 320 > 300; too slow: 150, 125 and 106.7 > 93.33 per instance
    assert out["throttled"].tolist() == [False, False, True, True, True] + [False] * 5
    assert out["latency_breach"].tolist() == [False, False, True, True, True] + [False] * 5
    assert out["breach"].sum() == 3
    np.testing.assert_allclose(out["throttled_requests"].iloc[2:5], [50 * 240, 50 * 240, 20 * 240])
    billed = np.array([1, 1, 2, 3, 3, 3, 3, 3, 3, 3])  # max(provisioned, ready)
    expected_cost = (2 * 0.007 * billed + 1 * 0.064 * out["active"].to_numpy()) / 60
    np.testing.assert_allclose(out["cost_usd"], expected_cost)
    np.testing.assert_allclose(out["latency_s"].iloc[3], 0.25 * (1 + 3 * (125 - 80) / 80))

    summary = simulate(demand, ScalingConfig(100, 1, 3)).summary
    assert summary.minutes == 10
    assert summary.breach_minutes == 3 and summary.throttle_minutes == 3
    assert summary.cost_usd == pytest.approx(expected_cost.sum())
    assert summary.monthly_cost_usd == pytest.approx(expected_cost.sum() * 4320)
    assert summary.provisioned_instance_hours == pytest.approx(25 / 60)
    assert summary.throttled_requests == pytest.approx(28_800)
    assert summary.peak_ready_instances == 3


def test_scale_in_releases_instances_after_the_hold():
    demand = [250] + [0] * 8
    out = simulate(demand, ScalingConfig(100, 1, 25)).per_minute
    assert out["provisioned"].tolist() == [3, 3, 3, 3, 3, 3, 1, 1, 1]
    assert out["ready"].tolist() == [1, 3, 3, 3, 3, 3, 3, 1, 1]
    # the minute after provisioning drops, ready instances still hold memory: billed max(P, R)
    assert simulate(demand, ScalingConfig(100, 1, 25)).summary.provisioned_instance_hours == pytest.approx(
        (3 * 6 + 3 + 1 + 1) / 60
    )


def test_assumptions_are_parameters():
    demand = [250] + [0] * 8
    fast = ScalingModel(scale_out_delay_min=0, scale_in_hold_min=2)
    out = simulate(demand, ScalingConfig(100, 1, 25), model=fast).per_minute
    assert out["ready"].tolist() == [3, 3, 3, 1, 1, 1, 1, 1, 1]
    assert out["breach"].sum() == 0
    tight = ScalingModel(knee=40)
    assert simulate([60.0], ScalingConfig(100, 1, 1), model=tight).summary.latency_breach_minutes == 1
    assert simulate([60.0], ScalingConfig(100, 1, 1)).summary.latency_breach_minutes == 0


def test_littles_law_demand():
    np.testing.assert_allclose(demand_from_requests([600, 0, 60]), [2.5, 0, 0.25])
    np.testing.assert_allclose(demand_from_requests([600], latency_s=1.0), [10])
    np.testing.assert_allclose(demand_from_requests([600, 600], latency_s=np.array([1.0, 2.0])), [10, 20])


def test_series_index_is_kept():
    index = pd.date_range("2026-01-01", periods=3, freq="1min", tz="UTC")
    out = simulate(pd.Series([1.0, 2.0, 3.0], index=index), ScalingConfig()).per_minute
    assert (out.index == index).all()


def test_other_region_and_size_change_the_bill():
    demand = np.full(60, 50.0)
    base = simulate(demand, ScalingConfig(), InstanceSize(1, 2)).summary.cost_usd
    bigger = simulate(demand, ScalingConfig(), InstanceSize(2, 4)).summary.cost_usd
    tokyo = simulate(demand, ScalingConfig(), InstanceSize(1, 2), "ap-northeast-1").summary.cost_usd
    assert bigger == pytest.approx(2 * base)
    assert tokyo > base


@pytest.mark.parametrize(
    ("demand", "message"),
    [([], "empty"), ([1.0, -1.0], "negative"), ([1.0, np.nan], "missing or infinite"), ([[1.0]], "1-D")],
)
def test_bad_demand_is_an_input_error(demand, message):
    with pytest.raises(InputError, match=message):
        simulate(demand, ScalingConfig())


@pytest.mark.parametrize(
    "kwargs", [{"scale_out_delay_min": -1}, {"scale_in_hold_min": 1.5}, {"knee": 0}, {"slo_factor": 0.9}]
)
def test_bad_model_parameters_are_input_errors(kwargs):
    with pytest.raises(InputError):
        ScalingModel(**kwargs)


# --- invariants -------------------------------------------------------------------------------------

demands = arrays(np.float64, st.integers(1, 120), elements=st.floats(0, 3000, allow_nan=False))
configs = st.builds(
    lambda c, m, extra: ScalingConfig(c, m, min(m + extra, 25)),
    st.integers(1, 200),
    st.integers(1, 25),
    st.integers(0, 24),
)
models = st.builds(
    ScalingModel,
    scale_out_delay_min=st.integers(0, 3),
    scale_in_hold_min=st.integers(0, 10),
    knee=st.floats(5, 200),
)


def run(demand, config, model=ScalingModel()):
    return simulate(demand, config, model=model)


@settings(max_examples=150, deadline=None)
@given(demands, configs, models)
def test_instances_stay_within_min_and_max_size(demand, config, model):
    out = run(demand, config, model).per_minute
    for column in ("provisioned", "ready"):
        assert out[column].between(config.min_size, config.max_size).all()
    assert (out["active"] <= out["ready"] + 1e-12).all()
    assert (out["active"] <= out["demand"] + 1e-9).all()  # 1 - exp(-k) <= k


@settings(max_examples=150, deadline=None)
@given(demands, configs, models, st.integers(1, 10))
def test_raising_max_size_never_adds_breach_minutes_and_never_lowers_cost(demand, config, model, more):
    bigger = ScalingConfig(config.max_concurrency, config.min_size, min(config.max_size + more, 25))
    before, after = run(demand, config, model).summary, run(demand, bigger, model).summary
    assert after.breach_minutes <= before.breach_minutes
    assert after.cost_usd >= before.cost_usd - 1e-9


@settings(max_examples=150, deadline=None)
@given(demands, configs, models, st.integers(1, 10))
def test_raising_min_size_never_lowers_cost_and_never_adds_breach_minutes(demand, config, model, more):
    m = min(config.min_size + more, 25)
    bigger = ScalingConfig(config.max_concurrency, m, max(config.max_size, m))
    before, after = run(demand, config, model).summary, run(demand, bigger, model).summary
    assert after.cost_usd >= before.cost_usd - 1e-9
    assert after.breach_minutes <= before.breach_minutes


@settings(max_examples=150, deadline=None)
@given(demands, configs, models, st.integers(1, 100))
def test_raising_max_concurrency_never_raises_cost(demand, config, model, more):
    looser = ScalingConfig(min(config.max_concurrency + more, 200), config.min_size, config.max_size)
    assert run(demand, looser, model).summary.cost_usd <= run(demand, config, model).summary.cost_usd + 1e-9


@settings(max_examples=150, deadline=None)
@given(demands, configs, st.floats(1.0, 5.0))
def test_more_demand_never_lowers_cost(demand, config, factor):
    assert run(demand * factor, config).summary.cost_usd >= run(demand, config).summary.cost_usd - 1e-9


@settings(max_examples=100, deadline=None)
@given(configs, st.integers(1, 200), st.floats(0, 1))
def test_demand_the_warm_pool_absorbs_never_breaches(config, minutes, share):
    model = ScalingModel()
    per_instance = min(config.max_concurrency, model.slo_concurrency)
    demand = np.full(minutes, share * per_instance * config.min_size)
    assert run(demand, config, model).summary.breach_minutes == 0


@settings(max_examples=100, deadline=None)
@given(configs, st.integers(1, 500))
def test_no_traffic_costs_exactly_the_warm_pool_memory(config, minutes):
    summary = run(np.zeros(minutes), config).summary
    mem_per_min = prices_for("us-east-1").per_minute(InstanceSize())[0]
    assert summary.cost_usd == pytest.approx(config.min_size * mem_per_min * minutes)
    assert summary.breach_minutes == 0
    assert summary.active_instance_hours == 0


@settings(max_examples=100, deadline=None)
@given(demands, configs)
def test_breach_is_throttle_or_latency_and_throttle_means_excess(demand, config):
    out = run(demand, config).per_minute
    assert (out["breach"] == (out["throttled"] | out["latency_breach"])).all()
    assert ((out["throttled_requests"] > 0) == out["throttled"]).all()


def test_active_linger_follows_the_poisson_rule():
    """An instance idles only when no request came in the last L0 + linger seconds."""
    demand = np.array([0.0, 0.01, 0.1, 1.0, 10.0])
    config = ScalingConfig(100, 2, 2)
    model = ScalingModel(active_linger_s=30.0, latency_s=0.25)
    active = simulate(demand, config, model=model).per_minute["active"].to_numpy()
    expected = 2 * (1 - np.exp(-(demand / 2) * (1 + 30.0 / 0.25)))
    np.testing.assert_allclose(active, expected)
    protocol = simulate(demand, config).per_minute["active"].to_numpy()
    np.testing.assert_allclose(protocol, 2 * (1 - np.exp(-demand / 2)))
    assert (active[1:] > protocol[1:]).all()


def test_negative_linger_is_refused():
    with pytest.raises(InputError, match="active_linger_s"):
        ScalingModel(active_linger_s=-1.0)


def test_a_loaded_instance_that_holds_more_than_the_demand_at_l0_scales_out_and_throttles_sooner():
    """In flight 1.25x the demand at L0 at MaxConcurrency 100 (latency rises with load, Little's law):
    an instance is full at demand 80, and the objective (93.3 in flight: knee 80, slope 3) is reached at
    demand 93.3 / 1.233 = 75.7. The protocol sees neither."""
    model = ScalingModel(in_flight=((0.0, 1.0), (100.0, 1.25)))
    assert model.demand_capacity(100) == pytest.approx(80.0)
    assert model.slo_demand == pytest.approx(model.slo_concurrency / (1 + 0.25 * model.slo_concurrency / 100))
    demand = [50.0, 90.0, 90.0]
    calibrated = simulate(demand, ScalingConfig(100, 1, 25), model=model).per_minute
    assert calibrated["ready"].tolist() == [1, 1, 2]  # ceil(90 / 80) = 2 needed, ready a minute later
    assert calibrated["throttled"].tolist() == [False, True, False]
    assert calibrated["latency_breach"].tolist() == [False, True, False]  # 90 > 75.7; 45 is not
    protocol = simulate(demand, ScalingConfig(100, 1, 25)).per_minute
    assert protocol["ready"].tolist() == [1, 1, 1] and not protocol["breach"].any()


def test_a_minutes_busiest_seconds_throttle_before_its_mean_reaches_max_concurrency():
    """Poisson arrivals: demand 88 at L0 0.25 s peaks at 88 + 1.5 sqrt(88 x 0.25) = 95.0 concurrent
    requests, past MaxConcurrency 90 and the objective (93.3); demand 80 peaks at 86.7, within both."""
    model = ScalingModel(peak_z=1.5)
    assert model.peak(np.array([88.0]))[0] == pytest.approx(88 + 1.5 * np.sqrt(22))
    calibrated = simulate([88.0, 80.0], ScalingConfig(90, 1, 1), model=model).per_minute
    assert calibrated["throttled"].tolist() == [True, False]
    assert calibrated["latency_breach"].tolist() == [True, False]
    assert not simulate([88.0, 80.0], ScalingConfig(90, 1, 1)).per_minute["breach"].any()


def test_the_calibrated_terms_are_checked():
    with pytest.raises(InputError, match="peak_z"):
        ScalingModel(peak_z=-1)
    with pytest.raises(InputError, match="in_flight"):
        ScalingModel(in_flight=((0.0, 1.0), (50.0, 0.9)))
    with pytest.raises(InputError, match="in_flight"):
        ScalingModel(in_flight=((50.0, 1.1), (10.0, 1.2)))
    assert ScalingModel(in_flight=[[0, 1], [10, 1.5]]).in_flight == ((0.0, 1.0), (10.0, 1.5))  # from JSON
