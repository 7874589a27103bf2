"""bench/PROTOCOL.md end to end, checked against the reference scorer (../shared/bench/score.py)."""

import pandas as pd
import pytest
from shapes import scaled

from advisor.engine.bench import BenchSettings, baseline_config, run_trace, split
from advisor.engine.simulate import demand_from_requests
from advisor.workload.traces import read_trace
from advisor.workload.traffic import generate


@pytest.fixture(scope="module")
def trace_file(tmp_path_factory):
    """2.25 days of bursty traffic: 1.5 days to train on, 18 hours to score."""
    frame = generate("bursty", days=2.25, seed=4)
    path = tmp_path_factory.mktemp("traces") / "bursty.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def result(trace_file):
    return run_trace("bursty", read_trace(trace_file))


def test_scale_and_split_follow_the_reference(trace_file, reference_scorer):
    train, test, scale = split(read_trace(trace_file), BenchSettings())
    ref_train, ref_test, ref_scale = reference_scorer.split(pd.read_csv(trace_file))
    assert scale == pytest.approx(ref_scale)
    assert len(train) == len(ref_train) and len(test) == len(ref_test)


def test_scores_agree_with_the_reference_scorer(trace_file, result, reference_scorer):
    _, ref_test, _ = reference_scorer.split(pd.read_csv(trace_file))
    demand = reference_scorer.demand(ref_test)
    rec = result.recommended
    cost, breach = reference_scorer.replay(
        demand, rec.config.max_concurrency, rec.config.min_size, rec.config.max_size
    )
    assert rec.cost_usd == pytest.approx(cost, rel=1e-9) and rec.breach_minutes == breach
    default_cost, default_breach = reference_scorer.replay(demand, 100, 1, 25)
    assert result.default.cost_usd == pytest.approx(default_cost, rel=1e-9)
    assert result.default.breach_minutes == default_breach
    optimum = reference_scorer.optimum(demand)
    assert result.optimum.cost_usd == pytest.approx(optimum["cost"], rel=1e-9)
    assert result.allowed == optimum["breach_budget_minutes"]
    assert result.cost_ratio == pytest.approx(cost / optimum["cost"], rel=1e-9)


def test_the_recommendation_saw_only_the_training_window(result):
    assert result.recommendation.data.minutes == result.train_minutes
    assert result.to_dict()["recommended"]["config"] == str(result.recommended.config)


def test_the_baseline_keeps_the_default_concurrency_and_sizes_for_the_training_p99():
    demand = demand_from_requests(
        scaled(pd.Series(generate("steady", days=2, seed=1)["requests"])).to_numpy()
    )
    config = baseline_config(demand, BenchSettings())
    assert config.max_concurrency == 100 and config.min_size == 1
    assert config.max_size == 3  # p99 250 + 15% = 287.5 concurrent requests
