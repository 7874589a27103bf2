"""The sandbox answers AWS calls only when its account is whole (issue 13, item 12).

Each test holds the seeding after its first service (through the `progress` hook of `Sandbox.start`),
calls the public endpoint meanwhile, then lets the seeding finish.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from advisor.sandbox.fleet import default_fleet
from advisor.sandbox.server import Sandbox

DAYS = 1


@dataclass
class Seeding:
    """A sandbox whose seeding waits in its progress hook until `release` is set."""

    box: Sandbox
    held: threading.Event
    release: threading.Event
    thread: threading.Thread


@pytest.fixture
def seeding() -> Iterator[Seeding]:
    box = Sandbox(default_fleet(2), port=0, days=DAYS, seed=7, live=False)
    held, release = threading.Event(), threading.Event()

    def progress(done: int, total: int) -> None:
        held.set()
        release.wait(60)

    thread = threading.Thread(target=box.start, kwargs={"progress": progress}, daemon=True)
    thread.start()
    if not held.wait(30):
        thread.join(120)
        box.stop()
        pytest.fail("Sandbox.start never reported its seeding progress")
    yield Seeding(box, held, release, thread)
    release.set()
    thread.join(120)
    box.stop()


def client(box: Sandbox, service: str, attempts: int, region: str = "us-east-1"):
    return boto3.client(
        service,
        endpoint_url=box.endpoint,
        region_name=region,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(retries={"mode": "standard", "max_attempts": attempts}),
    )


def health(box: Sandbox) -> dict:
    with urllib.request.urlopen(f"{box.endpoint}/_sandbox/health", timeout=10) as response:
        return json.loads(response.read())


def test_an_aws_call_while_seeding_gets_503_service_unavailable(seeding):
    with pytest.raises(ClientError) as refused:
        client(seeding.box, "apprunner", attempts=1).list_services()
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert refused.value.response["Error"]["Code"] == "ServiceUnavailableException"


def test_logs_and_metrics_calls_are_refused_too_while_seeding(seeding):
    for service in ("logs", "cloudwatch"):
        with pytest.raises(ClientError) as refused:
            if service == "logs":
                client(seeding.box, service, attempts=1).describe_log_groups()
            else:
                client(seeding.box, service, attempts=1).list_metrics(Namespace="AWS/AppRunner")
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503


def test_a_call_made_while_seeding_is_retried_by_botocore_and_sees_the_whole_history(seeding):
    """orders-api's Requests over its whole history: 1,440 minutes a day, none missing."""
    answers: dict[str, object] = {}

    def read() -> None:
        apprunner = client(seeding.box, "apprunner", attempts=10)
        (summary,) = apprunner.list_services()["ServiceSummaryList"]  # orders-api, the one in us-east-1
        end = dt.datetime.fromtimestamp(seeding.box.world.history_start.timestamp(), dt.UTC)
        end += dt.timedelta(days=DAYS)
        result = client(seeding.box, "cloudwatch", attempts=10).get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "m0",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/AppRunner",
                            "MetricName": "Requests",
                            "Dimensions": [
                                {"Name": "ServiceName", "Value": summary["ServiceName"]},
                                {"Name": "ServiceID", "Value": summary["ServiceId"]},
                            ],
                        },
                        "Period": 60,
                        "Stat": "Sum",
                    },
                }
            ],
            StartTime=end - dt.timedelta(days=DAYS),
            EndTime=end,
        )
        answers["points"] = len(result["MetricDataResults"][0]["Values"])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(1.0)
    assert reader.is_alive(), "the call was answered while the account was still being seeded"
    seeding.release.set()
    reader.join(120)
    assert answers["points"] == DAYS * 1440


def test_health_says_starting_while_seeding_then_ok_with_iso_times(seeding):
    assert health(seeding.box)["status"] == "starting"
    seeding.release.set()
    seeding.thread.join(120)
    status = health(seeding.box)
    assert status["status"] == "ok"
    now = dt.datetime.fromisoformat(status["now"])
    produced = dt.datetime.fromisoformat(status["produced_until"])
    assert now.utcoffset() == dt.timedelta(0) and produced.utcoffset() == dt.timedelta(0)
    assert dt.timedelta(0) <= now - produced < dt.timedelta(minutes=2)
