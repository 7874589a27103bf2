"""GetMetricData's NextToken is followed: when CloudWatch answers a call in several pages (StatusCode
PartialData with a NextToken, per the MetricDataResult docs), the lake gets every datapoint.

The collector packs each call to at most 100,800 possible datapoints (GetMetricData's MaxDatapoints), so
at the real limit a second page never comes; the sandbox is told to cut pages short instead."""

from __future__ import annotations

import pytest

from tests.collect.conftest import assert_same_lake, control, run_collect, start_sandbox


@pytest.fixture
def box():
    yield from start_sandbox(1, days=1)  # orders-api: 16 series x 1,440 minutes in one packed call


def test_a_call_answered_in_pages_lands_the_same_metrics_as_one_answered_whole(box, tmp_path):
    whole = run_collect(box, tmp_path / "whole")
    control(box, "metrics-page", {"datapoints": 4_000})
    paged = run_collect(box, tmp_path / "paged")
    assert paged.calls["cloudwatch:GetMetricData"] >= 5 * whole.calls["cloudwatch:GetMetricData"]
    assert paged.total("datapoints") == whole.total("datapoints") > 20_000
    assert_same_lake(tmp_path / "whole", tmp_path / "paged", tables=("metrics",))
