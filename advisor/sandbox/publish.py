"""Putting the sandbox's metrics and logs where the advisor will find them.

Logs always go through the real CloudWatch Logs API (moto). Metrics go through PutMetricData for the
minutes produced while the sandbox runs; the initial history (about 1.5 million datums for the default
fleet) is loaded into the metrics store directly, with the same per-minute statistics and histograms
PutMetricData would carry, because encoding it as 1,500 API calls would take a minute by itself.
"""

from __future__ import annotations

import contextlib
import functools
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import boto3
import numpy as np
import pandas as pd
from botocore.config import Config

from advisor.domain import APP_RUNNER_METRICS, METRICS_NAMESPACE
from advisor.sandbox.logs import LogEvent

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.literals import StandardUnitType
    from mypy_boto3_cloudwatch.type_defs import DimensionTypeDef, MetricDatumTypeDef
    from mypy_boto3_logs import CloudWatchLogsClient

    from advisor.sandbox.cloudwatch import MetricsStore
    from advisor.sandbox.physics import Minutes
    from advisor.sandbox.world import LiveService

COUNTS = tuple(spec for spec in APP_RUNNER_METRICS if spec.kind == "count")
GAUGES = tuple(spec for spec in APP_RUNNER_METRICS if spec.kind == "gauge")
(LATENCY,) = (spec for spec in APP_RUNNER_METRICS if spec.kind == "latency")
SAMPLES_PER_MINUTE = 60  # gauges are sampled every second within the minute


def _client_options(endpoint: str, region: str) -> dict[str, Any]:
    return {
        "endpoint_url": endpoint,
        "region_name": region,
        "aws_access_key_id": "sandbox",
        "aws_secret_access_key": "sandbox",
        "config": Config(retries={"mode": "standard", "max_attempts": 10}),
    }


@functools.cache
def cloudwatch_client(endpoint: str, region: str = "us-east-1") -> CloudWatchClient:
    """A CloudWatch client of the sandbox endpoint in one region (cached: clients are slow to make)."""
    return boto3.client("cloudwatch", **_client_options(endpoint, region))


@functools.cache
def logs_client(endpoint: str, region: str = "us-east-1") -> CloudWatchLogsClient:
    """A CloudWatch Logs client of the sandbox endpoint in one region (cached)."""
    return boto3.client("logs", **_client_options(endpoint, region))


def dimensions(name: str, service_id: str) -> dict[str, str]:
    return {"ServiceName": name, "ServiceID": service_id}


def gauge_stats(metrics: pd.DataFrame, metric: str) -> dict[str, np.ndarray]:
    """SampleCount/Sum/Minimum/Maximum of a gauge from its average and maximum over the minute."""
    average = metrics[f"{metric}_Average"].to_numpy()
    maximum = metrics[f"{metric}_Maximum"].to_numpy()
    return {
        "SampleCount": np.full(len(average), float(SAMPLES_PER_MINUTE)),
        "Sum": average * SAMPLES_PER_MINUTE,
        "Minimum": np.maximum(0.0, 2 * average - maximum),
        "Maximum": np.maximum(maximum, average),
    }


class BulkMetricsSink:
    """Straight into the metrics store: the statistics PutMetricData would carry, in arrays."""

    def __init__(self, store: MetricsStore):
        self.store = store

    def publish(self, service: LiveService, region: str, minutes: Minutes) -> int:
        metrics = minutes.metrics
        dims = dimensions(service.spec.name, service.service_id)
        stamps = cast(pd.DatetimeIndex, metrics.index).asi8 / 1e9
        points = 0
        for spec in COUNTS:
            values = metrics[f"{spec.name}_Sum"].to_numpy()
            self.store.put_series(region, METRICS_NAMESPACE, spec.name, dims, stamps, values, unit=spec.unit)
            points += len(values)
        for spec in GAUGES:
            stats = gauge_stats(metrics, spec.name)
            self.store.put_series(
                region, METRICS_NAMESPACE, spec.name, dims, stamps, unit=spec.unit, stats=stats
            )
            points += len(stamps)
        keep = minutes.latency_counts.sum(axis=1) > 0
        self.store.put_series(
            region,
            METRICS_NAMESPACE,
            LATENCY.name,
            dims,
            stamps[keep],
            unit=LATENCY.unit,
            histograms=(minutes.latency_values[keep], minutes.latency_counts[keep]),
        )
        return points + int(keep.sum())


class ApiMetricsSink:
    """Through PutMetricData over HTTP, 1,000 datums a call (the API's limit)."""

    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def publish(self, service: LiveService, region: str, minutes: Minutes) -> int:
        dims: list[DimensionTypeDef] = [
            {"Name": k, "Value": v} for k, v in dimensions(service.spec.name, service.service_id).items()
        ]
        datums = list(self._datums(minutes, dims))
        client = cloudwatch_client(self.endpoint, region)
        for i in range(0, len(datums), 1000):
            client.put_metric_data(Namespace=METRICS_NAMESPACE, MetricData=datums[i : i + 1000])
        return len(datums)

    def publish_counts(
        self, service: LiveService, region: str, metric: str, minute: pd.Timestamp, value: float
    ) -> None:
        """One more count for a minute (PutMetricData adds it to what the minute already holds)."""
        dims: list[DimensionTypeDef] = [
            {"Name": k, "Value": v} for k, v in dimensions(service.spec.name, service.service_id).items()
        ]
        unit = next(spec.unit for spec in COUNTS if spec.name == metric)
        datum: MetricDatumTypeDef = {
            "MetricName": metric,
            "Dimensions": dims,
            "Timestamp": minute.to_pydatetime(),
            "Value": float(value),
            "Unit": cast("StandardUnitType", unit),
        }
        client = cloudwatch_client(self.endpoint, region)
        client.put_metric_data(Namespace=METRICS_NAMESPACE, MetricData=[datum])

    @staticmethod
    def _datums(minutes: Minutes, dims: list[DimensionTypeDef]) -> Iterator[MetricDatumTypeDef]:
        metrics = minutes.metrics
        stamps = [ts.to_pydatetime() for ts in metrics.index]
        for spec in COUNTS:
            for ts, value in zip(stamps, metrics[f"{spec.name}_Sum"].to_numpy(), strict=True):
                yield {
                    "MetricName": spec.name,
                    "Dimensions": dims,
                    "Timestamp": ts,
                    "Value": float(value),
                    "Unit": cast("StandardUnitType", spec.unit),
                }
        for spec in GAUGES:
            stats = gauge_stats(metrics, spec.name)
            for i, ts in enumerate(stamps):
                yield {
                    "MetricName": spec.name,
                    "Dimensions": dims,
                    "Timestamp": ts,
                    "Unit": cast("StandardUnitType", spec.unit),
                    "StatisticValues": {
                        "SampleCount": float(stats["SampleCount"][i]),
                        "Sum": float(stats["Sum"][i]),
                        "Minimum": float(stats["Minimum"][i]),
                        "Maximum": float(stats["Maximum"][i]),
                    },
                }
        values, counts = minutes.latency_values, minutes.latency_counts
        for i, ts in enumerate(stamps):
            if counts[i].sum() > 0:
                yield {
                    "MetricName": LATENCY.name,
                    "Dimensions": dims,
                    "Timestamp": ts,
                    "Unit": cast("StandardUnitType", LATENCY.unit),
                    "Values": values[i].tolist(),
                    "Counts": counts[i].tolist(),
                }


class ApiLogSink:
    """PutLogEvents through moto: groups and streams created on first use, batches within the API's limits."""

    MAX_EVENTS, MAX_BYTES, MAX_SPAN_MS = 10_000, 1_000_000, 24 * 3600 * 1000

    def __init__(self, endpoint: str):
        self.endpoint = endpoint
        self._known: set[tuple[str, str, str]] = set()

    def publish(self, region: str, events: list[LogEvent]) -> int:
        by_stream: dict[tuple[str, str], list[LogEvent]] = defaultdict(list)
        for event in events:
            by_stream[(event.group, event.stream)].append(event)
        client = logs_client(self.endpoint, region)
        for (group, stream), items in by_stream.items():
            self._ensure(client, region, group, stream)
            items.sort(key=lambda e: e.timestamp_ms)
            for batch in self._batches(items):
                client.put_log_events(
                    logGroupName=group,
                    logStreamName=stream,
                    logEvents=[{"timestamp": e.timestamp_ms, "message": e.message} for e in batch],
                )
        return len(events)

    def _ensure(self, client: CloudWatchLogsClient, region: str, group: str, stream: str) -> None:
        if (region, group, "") not in self._known:
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_group(logGroupName=group)
            self._known.add((region, group, ""))
        if (region, group, stream) not in self._known:
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_stream(logGroupName=group, logStreamName=stream)
            self._known.add((region, group, stream))

    @classmethod
    def _batches(cls, items: list[LogEvent]) -> Iterator[list[LogEvent]]:
        """PutLogEvents' limits: 10,000 events, 1 MB (26 bytes of overhead each), a 24-hour span."""
        batch: list[LogEvent] = []
        size = 0
        for event in items:
            event_size = len(event.message.encode()) + 26  # the API counts 26 bytes per event
            if batch and (
                len(batch) >= cls.MAX_EVENTS
                or size + event_size > cls.MAX_BYTES
                or event.timestamp_ms - batch[0].timestamp_ms >= cls.MAX_SPAN_MS
            ):
                yield batch
                batch, size = [], 0
            batch.append(event)
            size += event_size
        if batch:
            yield batch


class BulkLogSink:
    """Straight into moto's in-process Logs backend, in the same batches PutLogEvents would carry.

    The initial history is tens of thousands of events per service; through HTTP and botocore's
    serializer that was half of the start-up time. moto stores them exactly as its PutLogEvents does
    (same event ids, ingestion times, 14-day acceptance window), so readers see no difference.
    """

    def __init__(self, account_id: str):
        self.account_id = account_id
        self._known: set[tuple[str, str, str]] = set()

    def publish(self, region: str, events: list[LogEvent]) -> int:
        from moto.logs.models import logs_backends

        backend = logs_backends[self.account_id][region]
        by_stream: dict[tuple[str, str], list[LogEvent]] = defaultdict(list)
        for event in events:
            by_stream[(event.group, event.stream)].append(event)
        for (group, stream), items in by_stream.items():
            if group not in backend.groups:
                backend.create_log_group(group, tags={})
            if stream not in backend.groups[group].streams:
                backend.create_log_stream(group, stream)
            items.sort(key=lambda e: e.timestamp_ms)
            for batch in ApiLogSink._batches(items):
                backend.put_log_events(
                    group, stream, [{"timestamp": e.timestamp_ms, "message": e.message} for e in batch]
                )
        return len(events)
