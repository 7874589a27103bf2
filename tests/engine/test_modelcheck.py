"""The model check: the current configuration replayed by the model against what was observed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from shapes import scaled

from advisor.domain import DEFAULT_INSTANCE, DEFAULT_SCALING, ScalingConfig
from advisor.engine.modelcheck import (
    ACTIVE_HOURS,
    COST,
    LATENCY_BREACH,
    NO_COST_DATA,
    THROTTLED,
    ModelCheck,
    model_check,
)
from advisor.engine.offline import metrics_from_trace
from advisor.engine.recommender import RecommendSettings, recommend
from advisor.engine.simulate import ScalingModel
from advisor.workload.traces import per_minute
from advisor.workload.traffic import generate

MODEL = ScalingModel()  # knee 80, L0 0.25 s: the latency objective is passed above 93.3 per instance
CONFIG = ScalingConfig(100, 2, 25)
DAYS = 3
END = pd.Timestamp("2026-03-11", tz="UTC")  # fixed: a trace ending "now" shifts its cycle against the day
MINUTES = DAYS * 1440
BURST = 1000  # the one minute whose demand (300) is more than the 2 ready instances accept (200)
REQUESTS = 50 * 60 / 0.25  # demand 50 concurrent requests at 0.25 s
LIMIT_MS = 450.0
FAST = RecommendSettings(right_size=False)


def planted_frame() -> pd.DataFrame:
    """Three days of flat traffic with one burst, and what CloudWatch saw planted with known errors:
    3.2 active instances, 1% 4xx plus 6,000 429s in the burst, p99 past the limit on three minutes."""
    index = pd.date_range("2026-03-02", periods=MINUTES, freq="1min", tz="UTC", name="timestamp")
    requests = np.full(MINUTES, REQUESTS)
    requests[BURST] = 300 * 60 / 0.25
    errors = 0.01 * requests
    errors[BURST] += 6000.0
    p99 = np.full(MINUTES, 300.0)
    p99[[BURST, 2000, 3000]] = 600.0
    concurrency = np.where(np.arange(MINUTES) == BURST, 200.0, 50.0)
    return pd.DataFrame(
        {
            "Requests_Sum": requests,
            "4xxStatusResponses_Sum": errors,
            "ActiveInstances_Average": 3.2,
            "Concurrency_Average": concurrency,
            "RequestLatency_p99": p99,
        },
        index=index,
    )


def hand_active_hours() -> float:
    """A = R (1 - exp(-D / R)): 2 ready, 3 for the 6 minutes after the burst (the 5-minute hold, 1 late)."""
    normal = 2 * (1 - math.exp(-25))
    after = 3 * (1 - math.exp(-50 / 3))
    burst = 2 * (1 - math.exp(-150))
    return ((MINUTES - 7) * normal + 6 * after + burst) / 60


def check(frame: pd.DataFrame, cost: pd.Series | None = None, **kw) -> ModelCheck:
    return model_check(
        frame, CONFIG, DEFAULT_INSTANCE, "us-east-1", MODEL, cost, latency_limit_ms=LIMIT_MS, **kw
    )


def test_active_hours_compare_the_model_with_active_instances():
    row = check(planted_frame()).row(ACTIVE_HOURS)
    modeled, observed = hand_active_hours(), 3.2 * MINUTES / 60
    assert row.modeled == pytest.approx(modeled) and row.observed == pytest.approx(observed)
    assert row.error_pct == pytest.approx(100 * (modeled - observed) / observed)  # about -37%
    assert row.off  # more than 25% apart


def test_throttled_requests_are_the_4xx_above_the_quiet_minutes_baseline():
    row = check(planted_frame()).row(THROTTLED)
    assert row.modeled == pytest.approx((300 - 200) / 0.25 * 60)  # 24,000 above what 2 x 100 accept
    assert row.observed == pytest.approx(6000.0)
    assert row.error_pct == pytest.approx(300.0)
    assert "1.00%" in row.note and "quiet minutes" in row.note
    assert not row.off  # 18,000 apart is under the 0.1% of 4.3 million requests the budget allows


def test_latency_breach_minutes_compare_with_p99_above_the_limit():
    row = check(planted_frame()).row(LATENCY_BREACH)
    assert (row.modeled, row.observed) == (1.0, 3.0)
    assert row.error_pct == pytest.approx(-200 / 3)
    assert not row.off  # 2 minutes apart, within the budget of 4


def test_cost_is_compared_over_the_whole_days_both_cover():
    # the burst day is not billed, day 4 is not replayed: days 2 and 3 count, each $3.744 by the model
    # (2 instances x (2 GB x $0.007 + 1 vCPU x $0.064) x 24 h)
    days = pd.date_range("2026-03-03", periods=3, freq="D", tz="UTC")
    bill = pd.Series([3.744 * 1.1, 3.744 * 1.1, 99.0], index=days)
    row = check(planted_frame(), bill).row(COST)
    assert row.modeled == pytest.approx(2 * 3.744, rel=1e-6)
    assert row.observed == pytest.approx(2 * 3.744 * 1.1)
    assert row.error_pct == pytest.approx(100 * (1 / 1.1 - 1), rel=1e-4)
    assert not row.off and "2 whole UTC days" in row.note
    assert check(planted_frame(), bill * 2).row(COST).off


def test_without_cost_explorer_data_the_cost_row_says_so_and_why():
    given_none = check(planted_frame()).row(COST)
    assert given_none.modeled is None and given_none.error_pct is None
    assert given_none.note.startswith(NO_COST_DATA) and "ce:GetCostAndUsageWithResources" in given_none.note
    empty = check(planted_frame(), pd.Series(dtype=float)).row(COST)
    assert empty.note.startswith(NO_COST_DATA) and "holds no Cost Explorer cost" in empty.note


def test_only_the_minutes_since_the_configuration_took_effect_are_replayed():
    frame = planted_frame()
    since = frame.index[2 * 1440]
    checked = check(frame, since=since)
    assert checked.minutes == 1440 and checked.first == since
    assert checked.row(THROTTLED).modeled == 0.0  # the burst was under the configuration before
    assert "Not checked" in check(frame, since=frame.index[-100]).verdict


def test_a_model_that_matches_says_so_and_keeps_the_confidence():
    requests = scaled(per_minute(generate("diurnal", days=8, end=END, seed=3)))
    rec = recommend(metrics_from_trace(requests), DEFAULT_SCALING, DEFAULT_INSTANCE, settings=FAST)
    assert not rec.model_check.off and rec.confidence == "high"
    assert rec.model_check.verdict.startswith("The model matches")
    assert abs(rec.model_check.row(ACTIVE_HOURS).error_pct) < 5


def test_active_instances_far_from_the_model_lower_the_confidence_and_say_why():
    requests = scaled(per_minute(generate("diurnal", days=8, end=END, seed=3)))
    frame = metrics_from_trace(requests)
    frame["ActiveInstances_Average"] *= 2.5  # App Runner kept instances active long after their requests
    rec = recommend(frame, DEFAULT_SCALING, DEFAULT_INSTANCE, settings=FAST)
    row = rec.model_check.row(ACTIVE_HOURS)
    assert row.off and row.error_pct == pytest.approx(-60, abs=1)
    assert rec.confidence == "medium"
    reason = next(r for r in rec.reasons if r.startswith("Model check"))
    assert "high -> medium" in reason
    assert (
        f"counted {row.modeled:,.0f} active-instance hours where CloudWatch saw {row.observed:,.0f}" in reason
    )
    assert "vCPU cost may be low" in reason


def test_the_check_survives_the_recommendations_dict_form():
    requests = scaled(per_minute(generate("diurnal", days=8, end=END, seed=3)))
    rec = recommend(metrics_from_trace(requests), DEFAULT_SCALING, DEFAULT_INSTANCE, settings=FAST)
    d = rec.to_dict()
    assert [set(r) >= {"quantity", "modeled", "observed", "error_pct"} for r in d["model_check"]] == [
        True
    ] * 4
    assert type(rec).from_dict(d).model_check == rec.model_check


def test_the_p99_of_a_quiet_minute_is_not_judged():
    """CloudWatch's p99 of 8 requests is the slowest of them: one slow request, not a slow minute."""
    frame = planted_frame()
    frame.iloc[2000, frame.columns.get_loc("Requests_Sum")] = 8.0
    row = check(frame).row(LATENCY_BREACH)
    assert (row.modeled, row.observed) == (1.0, 2.0)
    assert "100+ requests" in row.note
