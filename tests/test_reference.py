"""The simulator against ../shared/bench/score.py, an independent implementation of PROTOCOL.md."""

import numpy as np
import pandas as pd
import pytest

from advisor.domain import ScalingConfig
from advisor.engine.simulate import demand_from_requests, evaluate_grid, simulate
from advisor.workload.traces import read_trace

CONFIGS = [(80, 1, 25), (40, 3, 12), (150, 2, 6), (100, 1, 25), (1, 1, 1), (200, 25, 25), (93, 4, 9)]


@pytest.mark.parametrize("name", ["worldcup98_preseason_1min", "nasa_ksc_http_1995-07_1min"])
def test_replay_matches_reference(shared_traces, reference_scorer, name):
    path = shared_traces / f"{name}.parquet"
    for scale in (1, 6, 40):
        demand = demand_from_requests(read_trace(path).to_numpy() * scale)
        reference_demand = reference_scorer.demand(reference_scorer.per_minute(pd.read_parquet(path)) * scale)
        np.testing.assert_allclose(demand, reference_demand)
        for c, m, big_m in CONFIGS:
            ref_cost, ref_breach = reference_scorer.replay(demand, c, m, big_m)
            ours = simulate(demand, ScalingConfig(c, m, big_m)).summary
            assert ours.breach_minutes == ref_breach, (name, scale, c, m, big_m)
            assert ours.cost_usd == pytest.approx(ref_cost, rel=1e-9), (name, scale, c, m, big_m)


def test_grid_finds_the_reference_hindsight_optimum(reference_scorer):
    # a short, bursty series keeps the reference's brute force quick
    rng = np.random.default_rng(11)
    demand = np.maximum(0, 60 + 50 * np.sin(np.arange(600) / 40) + rng.normal(0, 10, 600))
    demand[[100, 300, 450]] *= 4
    best = reference_scorer.optimum(demand, budget=0.01)
    grid = evaluate_grid(demand)
    allowed = int(np.floor(0.01 * len(demand)))
    fits = grid[grid.breach_minutes <= allowed]
    ours = fits.loc[fits.cost_usd.idxmin()]
    assert ours.cost_usd == pytest.approx(best["cost"], rel=1e-9)
