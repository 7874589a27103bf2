from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from botocore.stub import Stubber

from advisor.aws.logs import (
    LOG_COLUMNS,
    TokenBucket,
    describe_log_streams,
    filter_limiter,
    iter_log_event_pages,
    service_log_groups,
    to_epoch_ms,
)

START = datetime(2026, 11, 27, tzinfo=UTC)
END = START + timedelta(hours=1)
GROUP = "/aws/apprunner/web-api/" + "a" * 32 + "/application"


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_bucket_spaces_calls_at_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(5, clock=clock, sleep=clock.sleep)
    for _ in range(11):
        bucket.acquire()
    assert clock.now == pytest_approx(2.0)  # the first is free, the next ten 0.2 s apart


def pytest_approx(x):
    import pytest

    return pytest.approx(x, abs=1e-9)


def test_an_idle_bucket_does_not_bank_more_than_its_capacity():
    clock = FakeClock()
    bucket = TokenBucket(5, clock=clock, sleep=clock.sleep)
    clock.now = 100.0
    waits = [bucket.acquire() for _ in range(3)]
    assert waits[0] == 0 and waits[1] > 0


def test_threads_sharing_a_bucket_share_the_rate():
    bucket = TokenBucket(50)
    started = time.monotonic()
    threads = [threading.Thread(target=bucket.acquire) for _ in range(11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - started >= 0.19  # 10 intervals of 20 ms


def test_one_limiter_per_account_and_region():
    assert filter_limiter("123456789012", "us-east-1") is filter_limiter("123456789012", "us-east-1")
    assert filter_limiter("123456789012", "us-east-1") is not filter_limiter("123456789012", "eu-west-1")


def event(i: int, stream: str = "instance/abc") -> dict:
    return {
        "logStreamName": stream,
        "timestamp": to_epoch_ms(START) + i * 1000,
        "message": f"line {i}",
        "ingestionTime": to_epoch_ms(START) + i * 1000 + 50,
        "eventId": f"{i:056d}",
    }


def test_log_event_pages_use_epoch_ms_and_follow_empty_pages_without_yielding_them(session):
    logs = session.client("logs")
    expected = {
        "logGroupName": GROUP,
        "startTime": 1_795_737_600_000,
        "endTime": 1_795_741_199_999,  # inclusive in the API, so one ms before our exclusive end
        "limit": 10_000,
    }
    calls = []
    limiter = TokenBucket(1000)
    limiter.acquire = lambda: calls.append(1) or 0.0  # type: ignore[method-assign]
    with Stubber(logs) as stub:
        stub.add_response("filter_log_events", {"events": [event(2), event(1)], "nextToken": "a"}, expected)
        stub.add_response(
            "filter_log_events", {"events": [], "nextToken": "b"}, {**expected, "nextToken": "a"}
        )
        stub.add_response("filter_log_events", {"events": [event(3)]}, {**expected, "nextToken": "b"})
        pages = list(iter_log_event_pages(logs, GROUP, START, END, limiter=limiter))
        stub.assert_no_pending_responses()
    assert len(calls) == 3  # the limiter is asked before every page
    assert [page["message"].tolist() for page in pages] == [["line 2", "line 1"], ["line 3"]]
    assert all(list(page.columns) == LOG_COLUMNS for page in pages)
    assert pages[0]["timestamp"].iloc[1] == START + timedelta(seconds=1)
    assert pages[0]["ingestion_time"].iloc[1] == START + timedelta(seconds=1, milliseconds=50)
    assert {group for page in pages for group in page["log_group"]} == {GROUP}


def test_no_events_is_no_pages(session):
    logs = session.client("logs")
    with Stubber(logs) as stub:
        stub.add_response("filter_log_events", {"events": []})
        assert list(iter_log_event_pages(logs, GROUP, START, END)) == []


def test_describe_log_streams_pages_with_lowercase_tokens(session):
    logs = session.client("logs")
    stream = {
        "logStreamName": "instance/abc",
        "firstEventTimestamp": to_epoch_ms(START),
        "lastEventTimestamp": to_epoch_ms(END),
    }
    with Stubber(logs) as stub:
        stub.add_response(
            "describe_log_streams",
            {"logStreams": [stream], "nextToken": "n"},
            {"logGroupName": GROUP, "limit": 50},
        )
        stub.add_response(
            "describe_log_streams", {"logStreams": []}, {"logGroupName": GROUP, "limit": 50, "nextToken": "n"}
        )
        streams = describe_log_streams(logs, GROUP)
    assert [(s.name, s.first_event_at, s.last_event_at) for s in streams] == [("instance/abc", START, END)]


def test_log_group_names_follow_app_runner():
    groups = service_log_groups("web-api", "a" * 32)
    assert groups == {"application": GROUP, "service": GROUP.replace("/application", "/service")}
