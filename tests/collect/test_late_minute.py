"""A minute whose value arrives after a collect has read it is healed by the next collect.

CloudWatch publishes App Runner's minutes late and sometimes partially; the collector re-reads a
15-minute overlap before its mark so that the lake ends with the minute's final value. The sandbox
publishes the late part through PutMetricData (`Sandbox.publish_late`), which adds to the minute's Sum.
"""

from __future__ import annotations

import pandas as pd
import pytest

from advisor.lake.reader import read_table
from tests.collect.conftest import run_collect, start_sandbox

LATE = 1000.0


@pytest.fixture
def box():
    yield from start_sandbox(1, days=0.1)  # orders-api, us-east-1


def requests_at(lake, minute: pd.Timestamp) -> list[float]:
    rows = read_table(lake, "metrics")
    rows = rows[(rows["metric"] == "Requests") & (rows["stat"] == "Sum")]
    return rows.loc[pd.to_datetime(rows["timestamp"], utc=True) == minute, "value"].tolist()


def test_a_minute_that_grows_after_a_collect_read_it_is_healed_by_the_next_collect(box, tmp_path):
    lake = tmp_path / "lake"
    first = run_collect(box, lake)
    assert first.ok, first.to_dict()
    minute = box.world.produced_until - pd.Timedelta(minutes=5)
    assert minute < pd.Timestamp(first.until)  # the first collect has read it
    (before,) = requests_at(lake, minute)

    box.publish_late("orders-api", minute, "Requests", LATE)
    box.advance(0.2)  # twelve more minutes: the late minute now sits 17 minutes before the clock
    second = run_collect(box, lake)
    assert second.ok, second.to_dict()

    assert requests_at(lake, minute) == [before + LATE]


def test_the_late_datapoint_control_adds_to_the_minute_cloudwatch_serves(box):
    import json
    import urllib.request

    from tests.collect.conftest import aws_client

    (summary,) = aws_client(box, "apprunner", "us-east-1").list_services()["ServiceSummaryList"]
    minute = box.world.produced_until - pd.Timedelta(minutes=3)

    def served() -> float:
        result = aws_client(box, "cloudwatch", "us-east-1").get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "m0",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/AppRunner",
                            "MetricName": "5xxStatusResponses",
                            "Dimensions": [
                                {"Name": "ServiceName", "Value": "orders-api"},
                                {"Name": "ServiceID", "Value": summary["ServiceId"]},
                            ],
                        },
                        "Period": 60,
                        "Stat": "Sum",
                    },
                }
            ],
            StartTime=minute.to_pydatetime(),
            EndTime=(minute + pd.Timedelta(minutes=1)).to_pydatetime(),
        )
        values = result["MetricDataResults"][0]["Values"]
        return values[0] if values else 0.0

    before = served()
    body = json.dumps({"service": "orders-api", "minutes_ago": 3, "metric": "5xxStatusResponses", "value": 7})
    request = urllib.request.Request(
        f"{box.endpoint}/_sandbox/late-datapoint",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read())["metric"] == "5xxStatusResponses"
    assert served() == before + 7
