"""FilterLogEvents in the sandbox: filter patterns honoured, pages at the real sizes, the 5 TPS quota.

Real sizes from botocore's logs model: "Each page returned can contain up to 1 MB of log events or up
to 10,000 log events" (limit 1-10,000). moto returns every event for `?A ?B`, `-X` and regex patterns
and pages only by `limit`, so none of these hold on moto alone.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config

from advisor.aws.logs import iter_log_event_pages
from advisor.sandbox.filterpattern import PatternError, parse
from advisor.sandbox.logsearch import LogSearch
from advisor.sandbox.server import Sandbox

GROUP = "/aws/apprunner/demo-svc/0123456789abcdef0123456789abcdef/application"
LINES = [
    "INFO request_id=1 method=GET path=/api/items status=200 latency_ms=41",
    "ERROR request_id=2 status=500 database connection pool exhausted",
    "WARN request_id=3 slow request latency_ms=900",
    "error: lower-case is another word",
    "Traceback (most recent call last): ValueError",
    "INFO request_id=4 status=503 upstream timeout",
]


# ------------------------------------------------------------------------------------ the pattern itself


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", [0, 1, 2, 3, 4, 5]),
        ("ERROR", [1]),  # case-sensitive: "error:" is not "ERROR"
        ("?ERROR ?WARN", [1, 2]),
        ("INFO -status=200", [5]),
        ('"status=500"', [1]),
        ("%status=5[0-9][0-9]%", [1, 5]),
        ("?ERROR ?Traceback ?%status=5[0-9][0-9]%", [1, 4, 5]),
        ("request_id status", [0, 1, 5]),
        ('"most recent call"', [4]),
    ],
)
def test_patterns_select_the_lines_the_documentation_says(pattern, expected):
    compiled = parse(pattern)
    assert [i for i, line in enumerate(LINES) if compiled.matches(line)] == expected


@pytest.mark.parametrize("pattern", ['{ $.level = "error" }', "[ip, user, status=5*]", "%(a|b)%", '"open'])
def test_patterns_the_sandbox_cannot_evaluate_are_refused_not_matched_loosely(pattern):
    with pytest.raises(PatternError):
        parse(pattern)


# -------------------------------------------------------------------------------------- over the wire


@pytest.fixture(scope="module")
def box():
    sandbox = Sandbox([], port=0, days=1, seed=7, live=False)
    sandbox.start()
    yield sandbox
    sandbox.stop()


def logs(box: Sandbox, attempts: int = 10):
    return boto3.client(
        "logs",
        endpoint_url=box.endpoint,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(retries={"mode": "standard", "max_attempts": attempts}),
    )


def put(box: Sandbox, group: str, messages: list[str]) -> tuple[datetime, datetime]:
    client = logs(box)
    client.create_log_group(logGroupName=group)
    client.create_log_stream(logGroupName=group, logStreamName="instance/a")
    start = datetime.fromtimestamp(box.clock(), UTC).replace(microsecond=0) - timedelta(hours=1)
    first_ms = int(start.timestamp() * 1000)
    for i in range(0, len(messages), 5000):
        client.put_log_events(
            logGroupName=group,
            logStreamName="instance/a",
            logEvents=[
                {"timestamp": first_ms + i + j, "message": m} for j, m in enumerate(messages[i : i + 5000])
            ],
        )
    return start, start + timedelta(hours=1)


def test_a_pattern_is_applied_server_side(box):
    start, end = put(box, GROUP, LINES)
    page = logs(box).filter_log_events(
        logGroupName=GROUP,
        startTime=int(start.timestamp() * 1000),
        endTime=int(end.timestamp() * 1000),
        filterPattern="?ERROR ?Traceback",
    )
    assert [e["message"] for e in page["events"]] == [LINES[1], LINES[4]]


def test_a_page_holds_at_most_1_mb_and_the_token_brings_the_rest_once(box):
    group = GROUP.replace("demo-svc", "big-lines")
    messages = [f"{i:05d} " + "x" * 994 for i in range(1_100)]  # 1,000-byte lines: 1.1 MB in all
    start, end = put(box, group, messages)
    client = logs(box)
    first = client.filter_log_events(
        logGroupName=group, startTime=int(start.timestamp() * 1000), endTime=int(end.timestamp() * 1000)
    )
    assert "nextToken" in first
    assert len(first["events"]) == 1_048_576 // (1_000 + 26)  # 1,021 events fit in 1 MB
    pages = list(iter_log_event_pages(client, group, start, end))
    assert len(pages) == 2
    assert [m[:5] for page in pages for m in page["message"]] == [f"{i:05d}" for i in range(1_100)]


def test_a_page_holds_at_most_10000_events(box):
    group = GROUP.replace("demo-svc", "many-lines")
    start, end = put(box, group, [f"line {i}" for i in range(12_000)])
    pages = list(iter_log_event_pages(logs(box), group, start, end))
    assert [len(p) for p in pages] == [10_000, 2_000]


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_past_five_is_throttled_then_five_a_second_pass():
    clock = FakeClock()
    search = LogSearch("123456789012", clock=clock)
    statuses = []
    for at in (0.0,) * 6 + (0.25, 0.375):  # six at once; a token back after 0.2 s, none 0.125 s later
        clock.now = 100.0 + at
        status, _, body = search.handle(b'{"logGroupName": "/nowhere"}', "us-east-1")
        statuses.append(json.loads(body).get("__type") if status != 200 else "ok")
    missing, throttled = "ResourceNotFoundException", "ThrottlingException"
    assert statuses == [missing] * 5 + [throttled, missing, throttled]
    assert search.stats()["us-east-1"] == {"calls": 6, "throttled": 2, "max_per_second": 6}


def test_the_quota_is_per_region():
    clock = FakeClock()
    search = LogSearch("123456789012", clock=clock)
    for region in ("us-east-1", "eu-west-1"):
        for _ in range(5):
            _, _, body = search.handle(b'{"logGroupName": "/nowhere"}', region)
            assert json.loads(body)["__type"] == "ResourceNotFoundException"
