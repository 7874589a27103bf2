from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import pytest
from botocore.stub import ANY, Stubber
from hypothesis import given
from hypothesis import strategies as st

from advisor.aws.cloudwatch import (
    MAX_DATAPOINTS_PER_CALL,
    MAX_QUERIES_PER_CALL,
    MetricQuery,
    Window,
    age_windows,
    get_metric_data,
    list_metrics,
    period_for_age,
    plan_calls,
    service_queries,
    split_window,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DIMS = (("ServiceName", "web-api"), ("ServiceID", "a" * 32))


def queries(n: int) -> list[MetricQuery]:
    return [
        MetricQuery("Requests", "Sum", (("ServiceName", f"s{i}"), ("ServiceID", "a" * 32))) for i in range(n)
    ]


@pytest.mark.parametrize(
    ("age", "period"),
    [
        (timedelta(days=0), 60),
        (timedelta(days=14, hours=23), 60),
        (timedelta(days=15), 300),
        (timedelta(days=62), 300),
        (timedelta(days=63), 3600),
        (timedelta(days=400), 3600),
    ],
)
def test_the_period_follows_data_age(age, period):
    assert period_for_age(age) == period


def test_fourteen_days_are_one_window_of_minutes():
    [window] = age_windows(NOW - timedelta(days=14), NOW, NOW)
    assert window == Window(NOW - timedelta(days=14), NOW, 60)
    assert window.datapoints == 14 * 1440


def test_seventy_days_split_into_hours_then_five_minutes_then_minutes():
    windows = age_windows(NOW - timedelta(days=70), NOW, NOW)
    assert [w.period_s for w in windows] == [3600, 300, 60]
    assert windows[-1].end == NOW
    for before, after in itertools.pairwise(windows):
        assert before.end == after.start  # contiguous, no overlap
    assert NOW - windows[1].start < timedelta(days=63)  # finer windows start where the resolution exists
    assert NOW - windows[2].start < timedelta(days=15)


def test_window_starts_round_down_to_their_period():
    [window] = age_windows(NOW - timedelta(days=1, seconds=30), NOW, NOW)
    assert window.start == NOW - timedelta(days=1, minutes=1)


def test_a_day_of_minutes_packs_70_queries_per_call():
    day = Window(NOW - timedelta(days=1), NOW, 60)
    calls = plan_calls(queries(1000), [day])
    assert [len(batch) for _, batch in calls] == [70] * 14 + [20]  # 100,800 // 1,440 = 70


def test_short_windows_are_bound_by_500_queries():
    hour = Window(NOW - timedelta(hours=1), NOW, 60)
    assert [len(batch) for _, batch in plan_calls(queries(1200), [hour])] == [500, 500, 200]


def test_a_window_too_long_for_one_call_is_split():
    long = Window(NOW - timedelta(days=100), NOW, 60)  # 144,000 datapoints per query
    pieces = split_window(long)
    assert [p.datapoints for p in pieces] == [100_800, 43_200]
    assert pieces[0].end == pieces[1].start


@given(
    n=st.integers(1, 3000),
    minutes=st.integers(1, 200_000),
    period=st.sampled_from([60, 300, 3600]),
)
def test_every_call_respects_both_limits_and_each_query_is_asked_once(n, minutes, period):
    window = Window(NOW - timedelta(minutes=minutes), NOW, period)
    asked = queries(n)
    calls = plan_calls(asked, [window])
    for piece, batch in calls:
        assert len(batch) <= MAX_QUERIES_PER_CALL
        assert len(batch) * piece.datapoints <= MAX_DATAPOINTS_PER_CALL
    pieces = split_window(window)
    assert sum(len(b) for _, b in calls) == n * len(pieces)
    # no call wasted: the count is the minimum the two limits allow
    minimum = sum(math.ceil(n / min(500, MAX_DATAPOINTS_PER_CALL // p.datapoints)) for p in pieces)
    assert len(calls) == minimum


def test_service_queries_use_app_runner_dimensions():
    asked = service_queries("web-api", "a" * 32, tag="arn")
    assert ("RequestLatency", "p99") in {(q.metric, q.stat) for q in asked}
    assert ("Concurrency", "Maximum") in {(q.metric, q.stat) for q in asked}
    assert all(q.dimensions == DIMS and q.namespace == "AWS/AppRunner" and q.tag == "arn" for q in asked)


@pytest.fixture
def cloudwatch(session):
    return session.client("cloudwatch")


def result(query_id: str, minutes: list[int], values: list[float], status: str = "Complete") -> dict:
    return {
        "Id": query_id,
        "Timestamps": [NOW - timedelta(minutes=m) for m in minutes],
        "Values": values,
        "StatusCode": status,
    }


def test_get_metric_data_follows_next_token_and_maps_ids_back(cloudwatch):
    asked = [
        MetricQuery("Requests", "Sum", DIMS, tag="svc"),
        MetricQuery("RequestLatency", "p99", DIMS, tag="svc"),
    ]
    expected = {
        "MetricDataQueries": [asked[0].to_api("m0", 60), asked[1].to_api("m1", 60)],
        "StartTime": NOW - timedelta(minutes=3),
        "EndTime": NOW,
        "ScanBy": "TimestampAscending",
        "MaxDatapoints": MAX_DATAPOINTS_PER_CALL,
    }
    with Stubber(cloudwatch) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [result("m0", [3, 2], [10.0, 11.0], "PartialData")], "NextToken": "p2"},
            expected,
        )
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    result("m0", [1], [12.0]),
                    result("m1", [3, 2, 1], [200.0, 210.0, 250.0]),
                ]
            },
            {**expected, "NextToken": "p2"},
        )
        data = get_metric_data(cloudwatch, asked, NOW - timedelta(minutes=3), NOW, now=NOW)
        stub.assert_no_pending_responses()
    assert data.calls == 2
    assert data.issues == []  # PartialData on the first page completed on the second
    frame = data.frame
    assert list(frame.columns) == ["tag", "metric", "stat", "period_s", "timestamp", "value"]
    requests = frame[frame.metric == "Requests"]
    assert requests["value"].tolist() == [10.0, 11.0, 12.0]
    assert frame[frame.stat == "p99"]["value"].tolist() == [200.0, 210.0, 250.0]
    assert str(frame["timestamp"].dt.tz) == "UTC" and set(frame["period_s"]) == {60}


def test_queries_cloudwatch_refuses_are_reported_not_dropped(cloudwatch):
    asked = [MetricQuery("Requests", "Sum", DIMS)]
    with Stubber(cloudwatch) as stub:
        stub.add_response(
            "get_metric_data",
            {"MetricDataResults": [{**result("m0", [], []), "StatusCode": "Forbidden"}]},
            {
                "MetricDataQueries": ANY,
                "StartTime": ANY,
                "EndTime": ANY,
                "ScanBy": ANY,
                "MaxDatapoints": ANY,
            },
        )
        data = get_metric_data(cloudwatch, asked, NOW - timedelta(minutes=3), NOW, now=NOW)
    assert [(i.query.metric, i.status) for i in data.issues] == [("Requests", "Forbidden")]
    assert data.frame.empty


def test_an_empty_window_makes_no_call(cloudwatch):
    with Stubber(cloudwatch):
        data = get_metric_data(cloudwatch, queries(3), NOW, NOW, now=NOW)
    assert data.calls == 0 and data.frame.empty


def test_list_metrics_pages_and_types_dimensions(cloudwatch):
    metric = {
        "Namespace": "AWS/AppRunner",
        "MetricName": "Requests",
        "Dimensions": [{"Name": "ServiceName", "Value": "web-api"}],
    }
    with Stubber(cloudwatch) as stub:
        stub.add_response(
            "list_metrics", {"Metrics": [metric], "NextToken": "n"}, {"Namespace": "AWS/AppRunner"}
        )
        stub.add_response(
            "list_metrics", {"Metrics": [metric]}, {"Namespace": "AWS/AppRunner", "NextToken": "n"}
        )
        found = list_metrics(cloudwatch)
    assert len(found) == 2 and found[0].dimensions == (("ServiceName", "web-api"),)
