"""The sandbox CloudWatch store, driven by real boto3 over HTTP on both wires botocore can speak to
CloudWatch (awsJson1_0, its default, and smithy-rpc-v2-cbor), checked against pandas and numpy."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import cbor2
import numpy as np
import pandas as pd
import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).parent))
# The fixtures live beside us, not in tests/sandbox/conftest.py (which belongs to the router's tests).
import conftest_cloudwatch as fixtures

NOW, CloudWatchSandbox = fixtures.NOW, fixtures.CloudWatchSandbox
cbor_models, cw_server, cw_sandbox, cw = (
    fixtures.cbor_models,
    fixtures.cw_server,
    fixtures.cw_sandbox,
    fixtures.cw,
)

HOUR, DAY = 3600, 86_400
NS = "AWS/AppRunner"
DIMS = {"ServiceName": "web", "ServiceID": "0123456789abcdef0123456789abcdef"}


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def dims(d: dict[str, str] = DIMS) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in d.items()]


def put_values(client, metric: str, stamps, values, d: dict[str, str] = DIMS) -> None:
    datums = [
        {"MetricName": metric, "Dimensions": dims(d), "Timestamp": at(t), "Value": float(v)}
        for t, v in zip(stamps, values, strict=True)
    ]
    for i in range(0, len(datums), 1000):
        client.put_metric_data(Namespace=NS, MetricData=datums[i : i + 1000])


def query(qid: str, metric: str, period: int, stat: str, d: dict[str, str] = DIMS, **extra) -> dict:
    stat_spec = {"Metric": {"Namespace": NS, "MetricName": metric, "Dimensions": dims(d)}}
    return {"Id": qid, "MetricStat": stat_spec | {"Period": period, "Stat": stat}, **extra}


def fetch_all(client, queries: list[dict], start: float, end: float, **kwargs) -> tuple[dict, list[dict]]:
    """Follow NextToken by hand; returns {id: (epochs, values)} and the raw pages."""
    merged: dict[str, tuple[list[float], list[float]]] = {}
    pages, token = [], None
    while True:
        args = {"NextToken": token} if token else {}
        page = client.get_metric_data(
            MetricDataQueries=queries, StartTime=at(start), EndTime=at(end), **kwargs, **args
        )
        pages.append(page)
        for result in page["MetricDataResults"]:
            stamps, values = merged.setdefault(result["Id"], ([], []))
            stamps += [t.timestamp() for t in result["Timestamps"]]
            values += result["Values"]
        token = page.get("NextToken")
        if not token:
            return merged, pages


def error_code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


# ------------------------------------------------------------------------------------ values round trip


def test_put_then_get_matches_pandas_resample(cw):
    rng = np.random.default_rng(7)
    start = NOW - 6 * HOUR
    stamps = np.sort(start + rng.integers(0, 6 * HOUR, 2500)).astype(float)
    values = rng.normal(100, 30, len(stamps)).round(3)
    put_values(cw, "RequestLatency", stamps, values)

    stats = {"Sum": "sum", "Average": "mean", "Minimum": "min", "Maximum": "max", "SampleCount": "count"}
    queries = [
        query(f"q{period}_{stat.lower()}", "RequestLatency", period, stat)
        for period in (60, 300, 3600)
        for stat in stats
    ]
    got, _ = fetch_all(cw, queries, start, NOW, ScanBy="TimestampAscending")

    frame = pd.Series(values, index=pd.to_datetime(stamps, unit="s", utc=True))
    for period in (60, 300, 3600):
        expected = frame.resample(f"{period}s", origin=pd.Timestamp(start, unit="s", tz="UTC"))
        table = expected.agg(list(stats.values()))
        table = table[table["count"] > 0]
        for stat, column in stats.items():
            epochs, result = got[f"q{period}_{stat.lower()}"]
            assert epochs == [t.timestamp() for t in table.index], (period, stat)
            np.testing.assert_allclose(result, table[column].to_numpy(float), rtol=1e-12, err_msg=stat)


def test_statistic_sets_and_multiple_values_per_minute_aggregate(cw):
    minute = NOW - HOUR
    cw.put_metric_data(
        Namespace=NS,
        MetricData=[
            {"MetricName": "Requests", "Dimensions": dims(), "Timestamp": at(minute + 5), "Value": 4.0},
            {"MetricName": "Requests", "Dimensions": dims(), "Timestamp": at(minute + 50), "Value": 10.0},
            {
                "MetricName": "Requests",
                "Dimensions": dims(),
                "Timestamp": at(minute + 30),
                "StatisticValues": {"SampleCount": 3, "Sum": 9, "Minimum": 1, "Maximum": 5},
            },
        ],
    )
    stats = ("Sum", "SampleCount", "Minimum", "Maximum", "Average")
    got, _ = fetch_all(cw, [query(s.lower(), "Requests", 60, s) for s in stats], minute, minute + 60)
    assert {s: got[s.lower()][1] for s in stats} == {
        "Sum": [23.0],
        "SampleCount": [5.0],
        "Minimum": [1.0],
        "Maximum": [10.0],
        "Average": [4.6],
    }
    assert got["sum"][0] == [minute]


def test_put_series_fast_path_equals_the_api(cw_sandbox: CloudWatchSandbox, cw):
    rng = np.random.default_rng(3)
    stamps = NOW - 3 * HOUR + np.arange(0, 3 * HOUR, 20.0)
    values = rng.gamma(2.0, 50.0, len(stamps))
    put_values(cw, "ViaApi", stamps, values)
    cw_sandbox.store.put_series("us-east-1", NS, "ViaSeries", DIMS, stamps, values)
    for stat in ("Sum", "Average", "Maximum", "p90"):
        got, _ = fetch_all(
            cw, [query("a", "ViaApi", 300, stat), query("b", "ViaSeries", 300, stat)], NOW - 3 * HOUR, NOW
        )
        assert got["a"][0] == got["b"][0] and len(got["a"][0]) == 36
        np.testing.assert_allclose(got["a"][1], got["b"][1], rtol=1e-12)


def test_regions_are_separate(cw_sandbox: CloudWatchSandbox, cw):
    put_values(cw, "Requests", [NOW - 600], [1.0])
    other = cw_sandbox.client("eu-west-1")
    got, _ = fetch_all(other, [query("r", "Requests", 60, "Sum")], NOW - HOUR, NOW)
    assert got["r"] == ([], [])
    assert other.list_metrics()["Metrics"] == []


# ------------------------------------------------------------------------------------------ percentiles


def test_percentiles_from_values_and_counts_match_numpy(cw):
    rng = np.random.default_rng(11)
    start = NOW - 2 * HOUR
    datums, samples = [], {}
    for i in range(120):
        values = np.unique(rng.lognormal(4, 0.6, 25).round(1))
        counts = rng.integers(1, 40, len(values))
        datums.append(
            {
                "MetricName": "RequestLatency",
                "Dimensions": dims(),
                "Timestamp": at(start + i * 60 + 7),
                "Values": values.tolist(),
                "Counts": counts.astype(float).tolist(),
                "Unit": "Milliseconds",
            }
        )
        samples[start + i * 60] = np.repeat(values, counts)
    cw.put_metric_data(Namespace=NS, MetricData=datums)

    wanted = ["p50", "p90", "p99", "p99.9", "p0", "p100"]
    for period in (60, 600):
        queries = [query(f"p{i}", "RequestLatency", period, stat) for i, stat in enumerate(wanted)]
        got, _ = fetch_all(cw, queries, start, NOW, ScanBy="TimestampAscending")
        buckets = {
            b: np.concatenate([s for t, s in samples.items() if b <= t < b + period])
            for b in range(int(start), int(NOW), period)
        }
        for i, stat in enumerate(wanted):
            epochs, values = got[f"p{i}"]
            assert epochs == list(buckets)
            expected = [np.percentile(buckets[b], float(stat[1:])) for b in buckets]
            np.testing.assert_allclose(values, expected, rtol=1e-12, err_msg=f"{stat} at {period}")


def test_percentiles_of_single_values_match_numpy(cw_sandbox: CloudWatchSandbox, cw):
    rng = np.random.default_rng(5)
    stamps = NOW - HOUR + np.arange(0, HOUR, 2.0)
    values = rng.exponential(80, len(stamps)).round(2)
    cw_sandbox.store.put_series("us-east-1", NS, "RequestLatency", DIMS, stamps, values, unit="Milliseconds")
    got, _ = fetch_all(cw, [query("p", "RequestLatency", 900, "p99")], NOW - HOUR, NOW)
    expected = [
        np.percentile(values[(stamps >= b) & (stamps < b + 900)], 99) for b in NOW - HOUR + np.arange(4) * 900
    ]
    np.testing.assert_allclose(got["p"][1], expected[::-1], rtol=1e-12)


def test_percentiles_only_where_cloudwatch_has_the_samples(cw):
    base = NOW - HOUR
    sets = [
        {"SampleCount": 1, "Sum": 7, "Minimum": 7, "Maximum": 7},  # one value: percentiles exist
        {"SampleCount": 4, "Sum": 20, "Minimum": 5, "Maximum": 5},  # all equal: percentiles exist
        {"SampleCount": 3, "Sum": 9, "Minimum": 1, "Maximum": 5},  # a hidden distribution: none
    ]
    cw.put_metric_data(
        Namespace=NS,
        MetricData=[
            {"MetricName": "Lat", "Dimensions": dims(), "Timestamp": at(base + i * 60), "StatisticValues": s}
            for i, s in enumerate(sets)
        ]
        + [{"MetricName": "Lat", "Dimensions": dims(), "Timestamp": at(base + 180), "Values": [-1.0, 3.0]}],
    )
    got, _ = fetch_all(
        cw, [query("p", "Lat", 60, "p50"), query("n", "Lat", 60, "SampleCount")], base, base + 240
    )
    assert got["n"][0] == [base + 180, base + 120, base + 60, base]  # every minute has data
    assert got["p"] == ([base + 60, base], [5.0, 7.0])  # no percentile over hidden or negative samples


# ----------------------------------------------------------------------------------- paging and order


def _three_series(store) -> dict[str, int]:
    lengths = {"a": 500, "b": 0, "c": 1300, "d": 77}
    for name, n in lengths.items():
        if n:
            stamps = NOW - 2 * DAY + np.arange(n) * 60.0
            store.put_series("us-east-1", NS, name, DIMS, stamps, np.arange(n, dtype=float))
    return lengths


@pytest.mark.parametrize("scan", ["TimestampDescending", "TimestampAscending"])
def test_max_datapoints_pages_return_every_point_once(cw_sandbox: CloudWatchSandbox, cw, scan: str):
    lengths = _three_series(cw_sandbox.store)
    queries = [query(name, name, 60, "Sum") for name in lengths]
    whole, _ = fetch_all(cw, queries, NOW - 3 * DAY, NOW, ScanBy=scan)
    paged, pages = fetch_all(cw, queries, NOW - 3 * DAY, NOW, ScanBy=scan, MaxDatapoints=400)

    assert len(pages) == -(-sum(lengths.values()) // 400)
    for page in pages:
        assert sum(len(r["Values"]) for r in page["MetricDataResults"]) <= 400
        for result in page["MetricDataResults"][:-1]:
            assert result["StatusCode"] == "Complete"
    statuses = [r["StatusCode"] for p in pages for r in p["MetricDataResults"]]
    assert "PartialData" in statuses
    for name, n in lengths.items():
        assert len(whole[name][0]) == n
        assert paged[name] == whole[name]  # same points, same order: no gap, no duplicate
        assert len(set(paged[name][0])) == n
    assert [r["Id"] for r in pages[0]["MetricDataResults"]] == ["a"]  # 400 of a's 500, PartialData
    assert [r["Id"] for r in pages[1]["MetricDataResults"]] == ["a", "b", "c"]  # b has no data: empty


def test_paging_survives_writes_between_pages(cw_sandbox: CloudWatchSandbox, cw):
    store = cw_sandbox.store
    stamps = NOW - DAY + np.arange(300) * 60.0
    store.put_series("us-east-1", NS, "live", DIMS, stamps, np.ones(300))
    q = [query("live", "live", 60, "Sum")]
    first = cw.get_metric_data(
        MetricDataQueries=q, StartTime=at(NOW - DAY), EndTime=at(NOW), MaxDatapoints=100
    )
    store.put_series("us-east-1", NS, "live", DIMS, stamps[-1] + 60 * np.arange(1, 11), np.ones(10))
    seen = [t.timestamp() for t in first["MetricDataResults"][0]["Timestamps"]]
    token = first["NextToken"]
    while token:
        page = cw.get_metric_data(
            MetricDataQueries=q, StartTime=at(NOW - DAY), EndTime=at(NOW), MaxDatapoints=100, NextToken=token
        )
        seen += [t.timestamp() for t in page["MetricDataResults"][0]["Timestamps"]]
        token = page.get("NextToken")
    assert len(seen) == len(set(seen)) == 300
    assert seen == sorted(seen, reverse=True)


def test_botocore_paginator_works(cw_sandbox: CloudWatchSandbox, cw):
    lengths = _three_series(cw_sandbox.store)
    paginator = cw.get_paginator("get_metric_data")
    pages = list(
        paginator.paginate(
            MetricDataQueries=[query(name, name, 60, "Average") for name in lengths],
            StartTime=at(NOW - 3 * DAY),
            EndTime=at(NOW),
            PaginationConfig={"PageSize": 250},
        )
    )
    assert len(pages) == -(-sum(lengths.values()) // 250)
    counts: dict[str, int] = {}
    for page in pages:
        for result in page["MetricDataResults"]:
            counts[result["Id"]] = counts.get(result["Id"], 0) + len(result["Values"])
    assert counts == lengths


def test_scan_by_order(cw_sandbox: CloudWatchSandbox, cw):
    _three_series(cw_sandbox.store)
    q = [query("c", "c", 300, "Maximum")]
    down, _ = fetch_all(cw, q, NOW - 3 * DAY, NOW)
    up, _ = fetch_all(cw, q, NOW - 3 * DAY, NOW, ScanBy="TimestampAscending")
    assert down["c"][0] == sorted(down["c"][0], reverse=True) and len(down["c"][0]) == 1300 // 5
    assert up["c"][0] == down["c"][0][::-1] and up["c"][1] == down["c"][1][::-1]


def test_default_max_datapoints_is_100800(cw_sandbox: CloudWatchSandbox, cw):
    stamps = NOW - 14 * DAY + np.arange(14 * 1440) * 60.0
    for i in range(6):
        cw_sandbox.store.put_series("us-east-1", NS, f"m{i}", DIMS, stamps, np.full(len(stamps), float(i)))
    queries = [query(f"m{i}", f"m{i}", 60, "Sum") for i in range(6)]
    span = {"StartTime": at(NOW - 14 * DAY), "EndTime": at(NOW)}
    page = cw.get_metric_data(MetricDataQueries=queries, **span)
    assert [len(r["Values"]) for r in page["MetricDataResults"]] == [20_160] * 5  # 100,800 points
    rest = cw.get_metric_data(MetricDataQueries=queries, **span, NextToken=page["NextToken"])
    assert [(r["Id"], len(r["Values"])) for r in rest["MetricDataResults"]] == [("m5", 20_160)]
    assert "NextToken" not in rest


# ------------------------------------------------------------------------------- query validation


def test_500_queries_accepted_501_rejected(cw):
    queries = [query(f"q{i}", "Requests", 60, "Sum") for i in range(501)]
    page = cw.get_metric_data(MetricDataQueries=queries[:500], StartTime=at(NOW - HOUR), EndTime=at(NOW))
    assert len(page["MetricDataResults"]) == 500
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_data(MetricDataQueries=queries, StartTime=at(NOW - HOUR), EndTime=at(NOW))
    assert error_code(excinfo) == "ValidationError"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("bad", ["Requests", "1st", "a-b", "_x", "a b"])
def test_bad_query_ids_rejected(cw, bad: str):
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_data(
            MetricDataQueries=[query("ok", "Requests", 60, "Sum"), query(bad, "Requests", 60, "Sum")],
            StartTime=at(NOW - HOUR),
            EndTime=at(NOW),
        )
    assert error_code(excinfo) == "ValidationError"
    assert "MetricDataQueries.member.2.Id" in str(excinfo.value)


def test_duplicate_ids_unknown_stats_and_reversed_times_rejected(cw):
    def call(queries, start=NOW - HOUR, end=NOW):
        with pytest.raises(ClientError) as excinfo:
            cw.get_metric_data(MetricDataQueries=queries, StartTime=at(start), EndTime=at(end))
        return error_code(excinfo)

    assert call([query("a", "R", 60, "Sum"), query("a", "R", 60, "Sum")]) == "ValidationError"
    assert call([query("a", "R", 60, "Median")]) == "InvalidParameterValue"
    assert call([query("a", "R", 60, "Sum")], NOW, NOW - HOUR) == "InvalidParameterValue"
    with pytest.raises(cw.exceptions.InvalidNextToken):
        cw.get_metric_data(
            MetricDataQueries=[query("a", "R", 60, "Sum")],
            StartTime=at(NOW - HOUR),
            EndTime=at(NOW),
            NextToken="x",
        )


def test_expression_bare_id_works_and_math_says_it_is_unsupported(cw):
    put_values(cw, "Requests", NOW - 600 + np.arange(5) * 60.0, [1.0, 2.0, 3.0, 4.0, 5.0])
    queries = [
        query("m1", "Requests", 60, "Sum", ReturnData=False),
        {"Id": "alias", "Expression": "m1", "Label": "requests"},
        {"Id": "double", "Expression": "m1 * 2"},
    ]
    page = cw.get_metric_data(MetricDataQueries=queries, StartTime=at(NOW - HOUR), EndTime=at(NOW))
    alias, double = page["MetricDataResults"]
    assert (alias["Id"], alias["Label"], alias["Values"]) == ("alias", "requests", [5.0, 4.0, 3.0, 2.0, 1.0])
    assert double["StatusCode"] == "InternalError" and double["Values"] == []
    assert "not supported" in double["Messages"][0]["Value"]


# -------------------------------------------------------------------- time rules: periods, retention


def test_period_multiples_and_retention_by_age(cw_sandbox: CloudWatchSandbox, cw):
    store = cw_sandbox.store
    for age_days in (1, 20, 100, 500):
        stamps = NOW - age_days * DAY + np.arange(60) * 60.0  # one hour of 1-minute data
        store.put_series("us-east-1", NS, "Requests", DIMS, stamps, np.ones(60))

    def points(period: int) -> list[float]:
        got, _ = fetch_all(cw, [query("r", "Requests", period, "Sum")], NOW - 600 * DAY, NOW)
        return got["r"][0]

    assert len(points(60)) == 60  # the 20/100/500-day-old data is not kept at 1 minute
    assert len(points(300)) == 12 + 12  # 5-minute data lasts 63 days
    assert len(points(3600)) == 3  # 1-hour data lasts 455 days; the 500-day-old hour is gone
    assert points(61) == []
    page = cw.get_metric_data(
        MetricDataQueries=[query("r", "Requests", 90, "Sum")], StartTime=at(NOW - DAY), EndTime=at(NOW)
    )
    assert page["MetricDataResults"][0]["Messages"]


def test_start_rounded_down_by_age_start_inclusive_end_exclusive(cw_sandbox: CloudWatchSandbox, cw):
    store = cw_sandbox.store
    recent = NOW - DAY
    store.put_series("us-east-1", NS, "Requests", DIMS, recent + np.arange(10) * 60.0, np.arange(10.0))
    got, _ = fetch_all(
        cw, [query("r", "Requests", 60, "Sum")], recent + 37, recent + 300, ScanBy="TimestampAscending"
    )
    assert got["r"] == ([recent + i * 60 for i in range(5)], [0.0, 1.0, 2.0, 3.0, 4.0])

    old = NOW - 20 * DAY  # 15–63 days old: StartTime rounds down to 5 minutes
    store.put_series("us-east-1", NS, "Old", DIMS, old + np.arange(10) * 60.0, np.ones(10))
    got, _ = fetch_all(cw, [query("o", "Old", 300, "Sum")], old + 137, old + 600, ScanBy="TimestampAscending")
    assert got["o"] == ([old, old + 300], [5.0, 5.0])


def test_put_metric_data_accepts_two_weeks_back_and_two_hours_ahead(cw):
    put_values(cw, "Requests", [NOW - 14 * DAY + 60, NOW + HOUR], [1.0, 2.0])
    for stamp in (NOW - 15 * DAY, NOW + 3 * HOUR):
        with pytest.raises(cw.exceptions.InvalidParameterValueException):
            put_values(cw, "Requests", [stamp], [1.0])


# ------------------------------------------------------------------------------- GetMetricStatistics


def test_get_metric_statistics_values_units_and_limits(cw):
    cw.put_metric_data(
        Namespace=NS,
        MetricData=[
            {
                "MetricName": "RequestLatency",
                "Dimensions": dims(),
                "Timestamp": at(NOW - HOUR + i * 60),
                "Values": [10.0, 20.0, 30.0],
                "Counts": [1.0, 2.0, 1.0],
                "Unit": "Milliseconds",
            }
            for i in range(60)
        ],
    )
    args = {"Namespace": NS, "MetricName": "RequestLatency", "Dimensions": dims(), "EndTime": at(NOW)}
    answer = cw.get_metric_statistics(
        **args,
        StartTime=at(NOW - HOUR),
        Period=600,
        Statistics=["Sum", "SampleCount", "Average"],
        ExtendedStatistics=["p50", "p99"],
    )
    points = sorted(answer["Datapoints"], key=lambda p: p["Timestamp"])
    assert answer["Label"] == "RequestLatency" and len(points) == 6
    assert points[0] | {"Timestamp": None} == {
        "Timestamp": None,
        "Sum": 800.0,
        "SampleCount": 40.0,
        "Average": 20.0,
        "Unit": "Milliseconds",
        "ExtendedStatistics": {"p50": 20.0, "p99": 30.0},
    }
    assert (
        cw.get_metric_statistics(
            **args, StartTime=at(NOW - HOUR), Period=600, Statistics=["Sum"], Unit="Count"
        )["Datapoints"]
        == []
    )

    day = {"StartTime": at(NOW - DAY), "Period": 60}
    assert len(cw.get_metric_statistics(**args, **day, Statistics=["Sum"])["Datapoints"]) == 60  # 1,440 ok
    bad = [
        (
            {"StartTime": at(NOW - DAY - 60), "Period": 60, "Statistics": ["Sum"]},
            "InvalidParameterCombination",
        ),
        (
            day | {"Statistics": ["Sum", "Average", "Minimum", "Maximum", "SampleCount", "Sum"]},
            "InvalidParameterValue",
        ),
        (day | {"ExtendedStatistics": [f"p{i}" for i in range(11)]}, "InvalidParameterValue"),
        (day | {"Period": 90, "Statistics": ["Sum"]}, "InvalidParameterValue"),
        (day, "MissingParameter"),
    ]
    for extra, code in bad:
        with pytest.raises(ClientError) as excinfo:
            cw.get_metric_statistics(**args, **extra)
        assert error_code(excinfo) == code, extra


# ------------------------------------------------------------------------------------------ ListMetrics


def test_list_metrics_one_entry_per_series_with_paging_and_filters(cw_sandbox: CloudWatchSandbox, cw):
    put_values(
        cw, "Requests", NOW - 1000 * 60 + np.arange(1000) * 60.0, np.ones(1000)
    )  # 1,000 points, 1 series
    assert len(cw.list_metrics(Namespace=NS)["Metrics"]) == 1
    store = cw_sandbox.store
    for i in range(1100):
        d = {"ServiceName": f"svc{i}", "ServiceID": f"{i:032x}"}
        store.put_series("us-east-1", NS, "CPUUtilization", d, NOW - np.arange(3) * 60.0, np.ones(3))

    pages = list(cw.get_paginator("list_metrics").paginate(Namespace=NS))
    assert [len(p["Metrics"]) for p in pages] == [500, 500, 101]
    listed = [
        (m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"]))
        for p in pages
        for m in p["Metrics"]
    ]
    assert len(set(listed)) == 1101
    assert len(cw.list_metrics(MetricName="Requests")["Metrics"]) == 1
    only = cw.list_metrics(Dimensions=[{"Name": "ServiceName", "Value": "svc7"}])["Metrics"]
    assert [m["MetricName"] for m in only] == ["CPUUtilization"]
    assert len(cw.list_metrics(Dimensions=[{"Name": "ServiceID"}], MetricName="Requests")["Metrics"]) == 1

    cw_sandbox.clock.now = NOW + 4 * HOUR
    assert cw.list_metrics(RecentlyActive="PT3H")["Metrics"] == []
    assert len(cw.list_metrics(MetricName="Requests")["Metrics"]) == 1
    cw_sandbox.clock.now = NOW + 15 * DAY
    assert cw.list_metrics()["Metrics"] == []


# --------------------------------------------------------------------------------------------- errors


def test_put_metric_data_validation_errors(cw):
    datum = {"MetricName": "Requests", "Dimensions": dims(), "Timestamp": at(NOW - 60)}
    one = {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}
    cases = [
        ([datum | {"Value": 1.0, "StatisticValues": one}], "InvalidParameterCombination"),
        ([datum | {"Value": float("nan")}], "InvalidParameterValue"),
        ([datum | {"Values": [1.0, 2.0], "Counts": [1.0]}], "InvalidParameterValue"),
        ([datum | {"Values": [float(i) for i in range(151)]}], "InvalidParameterValue"),
        ([datum | {"Value": 1.0, "Unit": "Furlongs"}], "InvalidParameterValue"),
        ([datum], "MissingParameter"),
        ([datum | {"Value": 1.0}] * 1001, "InvalidParameterValue"),
    ]  # fmt: skip
    for data, code in cases:
        with pytest.raises(ClientError) as excinfo:
            cw.put_metric_data(Namespace=NS, MetricData=data)
        assert error_code(excinfo) == code, data[0]
    assert cw.list_metrics()["Metrics"] == []  # a rejected call writes nothing


def test_unimplemented_operation_is_a_clean_400(cw):
    with pytest.raises(ClientError) as excinfo:
        cw.describe_alarms()
    assert error_code(excinfo) == "InvalidAction"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_handle_reports_malformed_bodies(cw_sandbox: CloudWatchSandbox):
    status, headers, body = cw_sandbox.store.handle("GetMetricData", b"\xff\x00garbage", "us-east-1", "1")
    assert status == 400 and headers["smithy-protocol"] == "rpc-v2-cbor"
    assert b"SerializationException" in body


# ------------------------------------------------------------- merge correctness against brute force


def _get(store, stat: str, period: int, start: float, end: float) -> tuple[list[float], list[float]]:
    """store.handle directly (CBOR in, CBOR out), ascending, one page."""
    metric = {"Namespace": NS, "MetricName": "Mixed", "Dimensions": dims()}
    request = {
        "MetricDataQueries": [{"Id": "q", "MetricStat": {"Metric": metric, "Period": period, "Stat": stat}}],
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampAscending",
    }
    status, _, body = store.handle("GetMetricData", cbor2.dumps(request), "us-east-1", "123456789012")
    assert status == 200, body
    (result,) = cbor2.loads(body)["MetricDataResults"]
    return [t.timestamp() for t in result["Timestamps"]], result["Values"]


@pytest.mark.parametrize("seed", range(8))
def test_out_of_order_overlapping_writes_merge_exactly(cw_sandbox: CloudWatchSandbox, seed: int):
    """Single values and histograms, written in shuffled overlapping chunks with reads in between (so
    merges happen at many points), must aggregate exactly like numpy over the raw expanded sample."""
    rng = np.random.default_rng(seed)
    store, start = cw_sandbox.store, NOW - 3 * HOUR
    raw_t, raw_v = [], []
    for step in range(12):
        stamps = start + rng.integers(0, 3 * HOUR, rng.integers(1, 200)).astype(float)
        if rng.random() < 0.5:
            values = rng.integers(0, 50, len(stamps)).astype(float)  # repeats make point-mass minutes
            store.put_series("us-east-1", NS, "Mixed", DIMS, stamps, values)
            raw_t.append(stamps)
            raw_v.append(values)
        else:
            grid = rng.integers(0, 30, (len(stamps), 4)).astype(float)
            counts = rng.integers(0, 4, grid.shape).astype(float)
            store.put_series("us-east-1", NS, "Mixed", DIMS, stamps, histograms=(grid, counts))
            raw_t.append(np.repeat(np.repeat(stamps, 4), counts.ravel().astype(int)))
            raw_v.append(np.repeat(grid.ravel(), counts.ravel().astype(int)))
        if step % 3 == 0:
            _get(store, "Sum", 60, start, NOW)
    stamps, values = np.concatenate(raw_t), np.concatenate(raw_v)
    for period in (60, 300):
        bucket = (stamps - start) // period
        for stat, reduce in [
            ("Sum", np.sum),
            ("SampleCount", len),
            ("Minimum", np.min),
            ("Maximum", np.max),
            ("Average", np.mean),
            ("p50", lambda x: np.percentile(x, 50)),
            ("p90", lambda x: np.percentile(x, 90)),
        ]:
            epochs, got = _get(store, stat, period, start, NOW)
            expected = {start + b * period: reduce(values[bucket == b]) for b in np.unique(bucket)}
            assert epochs == list(expected), (stat, period)
            np.testing.assert_allclose(got, list(expected.values()), rtol=1e-12, err_msg=f"{stat} {period}")
