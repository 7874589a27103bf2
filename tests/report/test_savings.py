"""The report's savings, kept services and risk columns against hand-worked numbers.

The recommendations are written by hand (four services, costs chosen so that every wrong column or a
sum that keeps the negative saving gives a different total); nothing here recomputes what the report
computes.
"""

from __future__ import annotations

import csv
import json
from datetime import timedelta

import pandas as pd
import pytest

from advisor.domain import DEFAULT_INSTANCE, ScalingConfig
from advisor.engine.explain import CHANGE, KEEP, OK, DataSummary, Outcome, Recommendation
from advisor.lake.recommendations import lake_row
from advisor.lake.writer import write
from advisor.report.build import build_report
from advisor.report.period import Period
from advisor.report.render import render, summary

from .conftest import START, add_service, ref, traffic

DEFAULTS = ScalingConfig(100, 1, 25)
# name: (current, recommended, cost now, cost recommended, current throttles on history)
HAND = {
    "orders-api": (DEFAULTS, ScalingConfig(50, 1, 4), 120.00, 80.00, False),  # saves 40.00
    "shop-web": (DEFAULTS, ScalingConfig(40, 2, 10), 50.00, 57.50, True),  # buys capacity: -7.50
    "b2b-portal": (ScalingConfig(100, 4, 25), ScalingConfig(60, 1, 6), 30.00, 21.25, False),  # 8.75
    "admin-tool": (DEFAULTS, None, 12.00, 12.00, False),  # keep current
}
SAVINGS_AVAILABLE = 40.00 + 8.75  # the changes that save money; shop-web's costs extra
KEEP_REASON = "Keep current 100/1/25: the best candidate 90/1/3 would save $0.31/month (3%)."


def _outcome(config, scenario, cost, throttled=0.0):
    return Outcome(config, scenario, 1440, cost, 5 if throttled else 0, throttled)


def _recommendation(current, recommended, now, then, throttles) -> Recommendation:
    keep = recommended is None
    chosen = current if keep else recommended
    before = {
        "history": _outcome(current, "history", now, 900.0 if throttles else 0.0),
        "forecast": _outcome(current, "forecast", now),
    }
    after = before if keep else {s: _outcome(chosen, s, then) for s in ("history", "forecast")}
    return Recommendation(
        status=OK,
        current=current,
        instance=DEFAULT_INSTANCE,
        region="us-east-1",
        profile="balanced",
        confidence="low",
        data_rule="Low confidence: 1.0 days of metrics.",
        data=DataSummary(1440, 1440, 1e6, pd.Timestamp(START), pd.Timestamp(START) + timedelta(days=1)),
        reasons=[KEEP_REASON if keep else "Against the current: saves."],
        recommended=chosen,
        breach_budget_minutes=1,
        before=before,
        after=after,
        action=KEEP if keep else CHANGE,
    )


@pytest.fixture
def hand_lake(tmp_path):
    rows = []
    for n, (name, (current, recommended, now, then, throttles)) in enumerate(HAND.items(), start=1):
        service = ref(name, n)
        add_service(tmp_path, service, traffic(START, 1, seed=n, mean_rpm=600), config=current)
        rec = _recommendation(current, recommended, now, then, throttles)
        rows.append(lake_row(rec, service.arn, name, START + timedelta(days=1)))
    write(tmp_path, "recommendations", pd.DataFrame(rows))
    return tmp_path


@pytest.fixture
def report(hand_lake):
    return build_report(hand_lake, Period(START, START + timedelta(days=1)))


def test_the_savings_available_are_the_hand_worked_sum_of_the_changes_that_save(report):
    assert report.monthly_savings_usd == pytest.approx(SAVINGS_AVAILABLE, abs=1e-9)
    assert summary(report)["monthly_savings_available_usd"] == pytest.approx(48.75, abs=1e-9)


def test_each_saving_line_carries_the_stored_figures(report):
    lines = {s.service_name: s for s in report.savings}
    assert set(lines) == {"orders-api", "shop-web", "b2b-portal"}  # admin-tool keeps its configuration
    assert (
        lines["orders-api"].monthly_cost_current_usd,
        lines["orders-api"].monthly_cost_recommended_usd,
    ) == (
        120.00,
        80.00,
    )
    assert lines["orders-api"].monthly_savings_usd == pytest.approx(40.00)
    assert lines["shop-web"].monthly_savings_usd == pytest.approx(-7.50)
    assert lines["b2b-portal"].monthly_savings_usd == pytest.approx(8.75)
    assert [s.service_name for s in report.savings] == ["orders-api", "b2b-portal", "shop-web"]


def test_risk_now_and_risk_recommended_describe_their_own_configurations(report):
    shop = next(s for s in report.savings if s.service_name == "shop-web")
    # 100/1/25 throttles on the history replay, and its one warm instance is fewer than the 2 recommended
    assert shop.risks == ("throttling", "cold starts")
    assert shop.recommended_risks == ()  # 40/2/10 does not


def test_a_kept_service_is_listed_with_its_reason_in_every_format(report, tmp_path):
    (kept,) = report.kept
    assert (kept.service_name, kept.current, kept.reason) == ("admin-tool", "100/1/25", KEEP_REASON)
    rendered = render(report, tmp_path / "out", ("html", "csv", "json"))
    html = (rendered.directory / "report.html").read_text()
    assert "Keep current" in html and "Risk now" in html and "Risk recommended" in html
    with (rendered.directory / "kept.csv").open() as f:
        assert [row["reason"] for row in csv.DictReader(f)] == [KEEP_REASON]
    document = json.loads((rendered.directory / "report.json").read_text())
    assert [k["service_name"] for k in document["kept"]] == ["admin-tool"]
