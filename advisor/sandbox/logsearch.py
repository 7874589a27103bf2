"""FilterLogEvents as CloudWatch Logs answers it, over the events moto stores.

moto keeps the log groups, streams and events (PutLogEvents, DescribeLogStreams, ...); this module
answers the one read the advisor depends on, with what moto leaves out:

- filter patterns evaluated (advisor.sandbox.filterpattern), not "everything matches";
- pages at the real sizes: botocore's logs model says "Each page returned can contain up to 1 MB of
  log events or up to 10,000 log events" (`limit` 1-10,000, default 10,000), with a nextToken that is
  a cursor past the last event sent, bound to the request that made it;
- the quota: 5 requests per second per account and Region, not raisable (reference/apprunner.md §4,
  [KC-LOGS]). AWS does not say how it counts; the sandbox uses the usual AWS model, a token bucket of
  5 refilled at 5 a second (a burst of five, then five a second), refuses a request that finds it
  empty with ThrottlingException, and counts every call so a test can show a client stayed under it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from advisor.sandbox.filterpattern import PatternError, parse
from advisor.sandbox.wire import BadToken, decode_token, encode_token, fingerprint

MAX_EVENTS = 10_000
MAX_PAGE_BYTES = 1_048_576
EVENT_OVERHEAD_BYTES = 26  # what CloudWatch Logs counts per event on top of its message (PutLogEvents)
QUOTA_TPS = 5
CONTENT_TYPE = "application/x-amz-json-1.1"


class LogsError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class LogSearch:
    """FilterLogEvents for one account, reading moto's Logs backend; counts calls per Region."""

    def __init__(
        self,
        account_id: str,
        *,
        quota_tps: int = QUOTA_TPS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.account_id = account_id
        self.quota_tps = quota_tps
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # region -> (tokens, when)
        self.calls: dict[str, list[float]] = {}  # region -> monotonic times of the answered calls
        self.throttled: dict[str, int] = {}

    def handle(self, body: bytes, region: str) -> tuple[int, dict[str, str], bytes]:
        try:
            self._admit(region)
            request = json.loads(body or b"{}")
            if not isinstance(request, dict):
                raise LogsError("SerializationException", "The request body must be a JSON object.")
            response = self.filter_log_events(request, region)
        except LogsError as exc:
            payload = {"__type": exc.code, "message": exc.message}
            return exc.status, _headers(), json.dumps(payload).encode()
        except ValueError as exc:
            payload = {"__type": "SerializationException", "message": str(exc)}
            return 400, _headers(), json.dumps(payload).encode()
        return 200, _headers(), json.dumps(response, separators=(",", ":")).encode()

    def stats(self) -> dict[str, dict[str, int]]:
        """Per Region: calls answered, calls throttled, and the most answered in any one second."""
        with self._lock:
            return {
                region: {
                    "calls": len(times),
                    "throttled": self.throttled.get(region, 0),
                    "max_per_second": _max_in_window(times, 1.0),
                }
                for region, times in self.calls.items()
            }

    def _admit(self, region: str) -> None:
        """The account's 5 TPS: one token per request from a bucket of 5 refilled at 5 a second."""
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(region, (float(self.quota_tps), now))
            tokens = min(float(self.quota_tps), tokens + (now - then) * self.quota_tps)
            if tokens < 1.0:
                self._buckets[region] = (tokens, now)
                self.throttled[region] = self.throttled.get(region, 0) + 1
                raise LogsError("ThrottlingException", "Rate exceeded")
            self._buckets[region] = (tokens - 1.0, now)
            self.calls.setdefault(region, []).append(now)

    def filter_log_events(self, request: dict[str, Any], region: str) -> dict[str, Any]:
        group = self._group(request, region)
        limit = request.get("limit", MAX_EVENTS)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_EVENTS:
            raise _invalid(f"limit must be between 1 and {MAX_EVENTS}")
        try:
            pattern = parse(request.get("filterPattern"))
        except PatternError as exc:
            raise _invalid(str(exc)) from None
        paging = {k: v for k, v in request.items() if k not in ("nextToken", "limit")}
        bound_to = fingerprint("FilterLogEvents", region, paging)
        after = self._cursor(request.get("nextToken"), bound_to)
        matching = [
            e for e in self._events(group, request, after) if pattern.matches(e["message"])
        ]  # fmt: skip
        page: list[dict[str, Any]] = []
        size = 0
        for event in matching:
            cost = len(event["message"].encode()) + EVENT_OVERHEAD_BYTES
            if len(page) >= limit or (page and size + cost > MAX_PAGE_BYTES):
                break
            page.append(event)
            size += cost
        response: dict[str, Any] = {"events": page, "searchedLogStreams": []}
        if len(page) < len(matching):
            last = page[-1]
            response["nextToken"] = encode_token([last["timestamp"], int(last["eventId"])], bound_to)
        return response

    def _group(self, request: dict[str, Any], region: str):
        from moto.logs.models import logs_backends

        name, identifier = request.get("logGroupName"), request.get("logGroupIdentifier")
        if bool(name) == bool(identifier):
            raise _invalid("Exactly one of logGroupName and logGroupIdentifier must be given")
        if identifier:
            name = str(identifier).split(":log-group:")[-1].removesuffix(":*")
        if request.get("logStreamNames") and request.get("logStreamNamePrefix"):
            raise _invalid("logStreamNames and logStreamNamePrefix cannot both be given")
        if len(request.get("logStreamNames") or []) > 100:
            raise _invalid("logStreamNames may name at most 100 streams")
        group = logs_backends[self.account_id][region].groups.get(str(name))
        if group is None:
            raise LogsError("ResourceNotFoundException", "The specified log group does not exist.")
        return group

    @staticmethod
    def _cursor(token: str | None, bound_to: str) -> tuple[int, int] | None:
        if not token:
            return None
        try:
            timestamp, event_id = decode_token(token, bound_to)
            return int(timestamp), int(event_id)
        except (BadToken, TypeError, ValueError):
            raise _invalid("The specified nextToken is invalid.") from None

    @staticmethod
    def _events(group, request: dict[str, Any], after: tuple[int, int] | None) -> list[dict[str, Any]]:
        """The group's events in the time range past the cursor, oldest first (interleaved)."""
        start, end = request.get("startTime"), request.get("endTime")
        names = set(request.get("logStreamNames") or [])
        prefix = request.get("logStreamNamePrefix") or ""
        found = []
        for stream_name, stream in list(group.streams.items()):
            if (names and stream_name not in names) or not stream_name.startswith(prefix):
                continue
            for event in list(stream.events):
                if start is not None and event.timestamp < start:
                    continue
                if end is not None and event.timestamp > end:  # endTime is inclusive
                    continue
                key = (event.timestamp, event.event_id)
                if after is not None and key <= after:
                    continue
                found.append((key, stream_name, event))
        found.sort(key=lambda item: item[0])
        return [
            {
                "logStreamName": stream_name,
                "timestamp": event.timestamp,
                "message": event.message,
                "ingestionTime": event.ingestion_time,
                "eventId": str(event.event_id),
            }
            for _, stream_name, event in found
        ]


def _invalid(message: str) -> LogsError:
    return LogsError("InvalidParameterException", message)


def _headers() -> dict[str, str]:
    return {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": str(uuid.uuid4())}


def _max_in_window(times: list[float], seconds: float) -> int:
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= seconds:
            lo += 1
        best = max(best, hi - lo + 1)
    return best
