"""The sandbox's ledger: per-second App Runner billing at the region's rates, worked by hand."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest

from advisor.sandbox.billing import REGIONS, Ledger

ARN = "arn:aws:apprunner:us-east-1:123456789012:service/orders-api/0123456789abcdef0123456789abcdef"


def minutes(start: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="1min", tz="UTC")


def test_three_minutes_are_billed_by_the_second_at_us_east_1_rates():
    ledger = Ledger()
    # 1 vCPU / 2 GB: minute 1 one idle instance all minute; minute 2 one idle 30 s and one active 60 s;
    # minute 3 two active for 45 s each
    ledger.record(
        "us-east-1",
        ARN,
        minutes("2026-11-20 10:00", 3),
        1.0,
        2.0,
        np.array([60, 30, 0]),
        np.array([0, 60, 90]),
    )
    day = ledger.totals()["services"][ARN]["days"]["2026-11-20"]
    provisioned = day["USE1-AppRunner-Provisioned-GB-hours"]
    assert provisioned["quantity"] == pytest.approx(2 * 90 / 3600)  # 2 GB x 90 instance-seconds
    assert provisioned["cost_usd"] == pytest.approx(2 * 90 / 3600 * 0.007)
    assert day["USE1-AppRunner-GB-hours"]["quantity"] == pytest.approx(2 * 150 / 3600)
    assert day["USE1-AppRunner-vCPU-hours"]["quantity"] == pytest.approx(150 / 3600)
    expected = (2 * 90 * 0.007 + 2 * 150 * 0.007 + 1 * 150 * 0.064) / 3600
    assert ledger.totals()["cost_usd"] == pytest.approx(expected)


def test_an_idle_instance_for_a_month_costs_what_the_pricing_page_says():
    ledger = Ledger()
    month = minutes("2026-10-01", 730 * 60)  # 730 hours
    ledger.record("us-east-1", ARN, month, 1.0, 2.0, np.full(len(month), 60.0), np.zeros(len(month)))
    assert ledger.totals()["cost_usd"] == pytest.approx(10.22, abs=0.005)  # reference/apprunner.md §2


def test_tokyo_bills_under_its_own_code_and_rates():
    ledger = Ledger()
    arn = ARN.replace("us-east-1", "ap-northeast-1")
    ledger.record("ap-northeast-1", arn, minutes("2026-11-20", 60), 0.5, 1.0, np.full(60, 60.0), np.zeros(60))
    item = ledger.line_items()[0]
    assert item.usage_type == "APN1-AppRunner-Provisioned-GB-hours"
    assert item.cost_usd == pytest.approx(1.0 * 1 * REGIONS["ap-northeast-1"].provisioned_gb_hour)


def test_minutes_are_split_by_utc_day():
    ledger = Ledger()
    ledger.record("eu-west-1", ARN, minutes("2026-11-20 23:58", 4), 1, 2, np.full(4, 60.0), np.zeros(4))
    days = {i.day.isoformat(): i.quantity for i in ledger.line_items()}
    assert days == {"2026-11-20": pytest.approx(2 * 120 / 3600), "2026-11-21": pytest.approx(2 * 120 / 3600)}
    assert {i.usage_type for i in ledger.line_items()} == {"EU-AppRunner-Provisioned-GB-hours"}


def test_a_minute_recorded_twice_is_billed_once():
    """A catch-up retried after a failure produces the same minutes again: the bill must not double."""
    ledger = Ledger()
    ledger.record("us-east-1", ARN, minutes("2026-11-20 10:00", 3), 1, 2, np.full(3, 60.0), np.zeros(3))
    ledger.record("us-east-1", ARN, minutes("2026-11-20 10:01", 3), 1, 2, np.full(3, 60.0), np.zeros(3))
    assert ledger.line_items()[0].quantity == pytest.approx(2 * 4 * 60 / 3600)


def test_concurrent_recording_loses_nothing():
    ledger = Ledger()
    arns = [f"{ARN[:-2]}{i:02d}" for i in range(8)]

    def bill(arn: str) -> None:
        for hour in range(24):
            start = pd.Timestamp("2026-11-20", tz="UTC") + pd.Timedelta(hours=hour)
            ledger.record("us-east-1", arn, minutes(str(start), 60), 1, 2, np.full(60, 60.0), np.zeros(60))

    threads = [threading.Thread(target=bill, args=(a,)) for a in arns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ledger.totals()["cost_usd"] == pytest.approx(8 * 24 * 2 * 0.007)


@pytest.mark.parametrize(
    ("region", "idle", "active", "message"),
    [
        ("sa-east-1", [60.0], [0.0], "bills App Runner only in"),
        ("us-east-1", [60.0, 1.0], [0.0], "1 minutes but 2 idle"),
        ("us-east-1", [-1.0], [0.0], "cannot be negative"),
    ],
)
def test_bad_input_is_refused_with_what_to_fix(region, idle, active, message):
    with pytest.raises(ValueError, match=message):
        Ledger().record(region, ARN, minutes("2026-11-20", 1), 1, 2, np.array(idle), np.array(active))
