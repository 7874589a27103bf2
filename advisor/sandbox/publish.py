"""Putting the sandbox's synthesized metrics and logs where the advisor will find them.

Logs always go through the real CloudWatch Logs API (moto). Metrics go through PutMetricData for the
minutes produced while the sandbox runs; the initial history (about 1.5 million datums for the default
fleet) is loaded into the metrics store directly, with the same per-minute statistics and histograms
PutMetricData would carry, because encoding it as 1,500 API calls would take a minute by itself.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict

import boto3
import numpy as np
import pandas as pd
from botocore.config import Config
from scipy.stats import norm

from advisor.engine.telemetry import UNITS
from advisor.sandbox.logs import LogEvent

NAMESPACE = "AWS/AppRunner"
COUNTERS = ("Requests", "2xxStatusResponses", "4xxStatusResponses", "5xxStatusResponses")
GAUGES = ("Concurrency", "ActiveInstances", "CPUUtilization", "MemoryUtilization")
SAMPLES_PER_MINUTE = 60  # gauges are sampled every second within the minute

# Latency histogram: quantile bins, finer in the tail so p90 and p99 stay accurate.
_EDGES = np.unique(
    np.concatenate([np.linspace(0, 0.9, 46), np.linspace(0.9, 0.99, 19), np.linspace(0.99, 1, 11)])
)
_WEIGHTS = np.diff(_EDGES)
_Z = norm.ppf((_EDGES[:-1] + _EDGES[1:]) / 2)


def make_client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(retries={"mode": "standard", "max_attempts": 10}),
    )


def dimensions(name: str, service_id: str) -> dict[str, str]:
    return {"ServiceName": name, "ServiceID": service_id}


def latency_histograms(metrics: pd.DataFrame, served: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values, counts), one row per minute: the lognormal latency distribution the telemetry implies."""
    median = metrics["RequestLatency_p50"].to_numpy()
    p99 = metrics["RequestLatency_p99"].to_numpy()
    sigma = np.log(np.maximum(p99 / median, 1.0 + 1e-9)) / norm.ppf(0.99)
    values = median[:, None] * np.exp(sigma[:, None] * _Z[None, :])
    counts = served[:, None] * _WEIGHTS[None, :]
    return values, counts


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


def served_requests(metrics: pd.DataFrame) -> np.ndarray:
    """Requests the application answered with a measured latency (429s never reach it)."""
    return metrics["2xxStatusResponses_Sum"].to_numpy() + metrics["5xxStatusResponses_Sum"].to_numpy()


class BulkMetricsSink:
    """Straight into the metrics store: the statistics PutMetricData would carry, in arrays."""

    def __init__(self, store):
        self.store = store

    def publish(self, service, region: str, metrics: pd.DataFrame) -> int:
        dims = dimensions(service.spec.name, service.service_id)
        stamps = metrics.index.asi8 / 1e9
        points = 0
        for metric in COUNTERS:
            values = metrics[f"{metric}_Sum"].to_numpy()
            self.store.put_series(region, NAMESPACE, metric, dims, stamps, values, unit=UNITS[metric])
            points += len(values)
        for metric in GAUGES:
            stats = gauge_stats(metrics, metric)
            self.store.put_series(region, NAMESPACE, metric, dims, stamps, unit=UNITS[metric], stats=stats)
            points += len(stamps)
        served = served_requests(metrics)
        keep = served > 0
        values, counts = latency_histograms(metrics[keep], served[keep])
        self.store.put_series(
            region,
            NAMESPACE,
            "RequestLatency",
            dims,
            stamps[keep],
            unit="Milliseconds",
            histograms=(values, counts),
        )
        return points + int(keep.sum())


class ApiMetricsSink:
    """Through PutMetricData over HTTP, 1,000 datums a call (the API's limit)."""

    def __init__(self, client):
        self.client = client

    def publish(self, service, region: str, metrics: pd.DataFrame) -> int:
        dims = [{"Name": k, "Value": v} for k, v in dimensions(service.spec.name, service.service_id).items()]
        datums = list(self._datums(metrics, dims))
        for i in range(0, len(datums), 1000):
            self._client(region).put_metric_data(Namespace=NAMESPACE, MetricData=datums[i : i + 1000])
        return len(datums)

    def _client(self, region: str):
        if self.client.meta.region_name == region:
            return self.client
        return make_client_like(self.client, region)

    @staticmethod
    def _datums(metrics: pd.DataFrame, dims: list[dict]):
        stamps = [ts.to_pydatetime() for ts in metrics.index]
        for metric in COUNTERS:
            for ts, value in zip(stamps, metrics[f"{metric}_Sum"].to_numpy(), strict=True):
                yield {
                    "MetricName": metric,
                    "Dimensions": dims,
                    "Timestamp": ts,
                    "Value": float(value),
                    "Unit": UNITS[metric],
                }
        for metric in GAUGES:
            stats = gauge_stats(metrics, metric)
            for i, ts in enumerate(stamps):
                yield {
                    "MetricName": metric,
                    "Dimensions": dims,
                    "Timestamp": ts,
                    "Unit": UNITS[metric],
                    "StatisticValues": {k: float(v[i]) for k, v in stats.items()},
                }
        served = served_requests(metrics)
        values, counts = latency_histograms(metrics, served)
        for i, ts in enumerate(stamps):
            if served[i] > 0:
                yield {
                    "MetricName": "RequestLatency",
                    "Dimensions": dims,
                    "Timestamp": ts,
                    "Unit": "Milliseconds",
                    "Values": values[i].tolist(),
                    "Counts": counts[i].tolist(),
                }


_CLIENTS: dict[tuple[str, str, str], object] = {}


def make_client_like(client, region: str):
    """A client of the same service and endpoint in another region (cached)."""
    key = (client.meta.service_model.service_name, client.meta.endpoint_url, region)
    if key not in _CLIENTS:
        _CLIENTS[key] = boto3.client(
            key[0],
            endpoint_url=key[1],
            region_name=region,
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
            config=Config(retries={"mode": "standard", "max_attempts": 10}),
        )
    return _CLIENTS[key]


class ApiLogSink:
    """PutLogEvents through moto: groups and streams created on first use, batches within the API's limits."""

    MAX_EVENTS, MAX_BYTES, MAX_SPAN_MS = 10_000, 1_000_000, 24 * 3600 * 1000

    def __init__(self, client):
        self.client = client
        self._known: set[tuple[str, str, str]] = set()

    def publish(self, region: str, events: list[LogEvent]) -> int:
        by_stream: dict[tuple[str, str], list[LogEvent]] = defaultdict(list)
        for event in events:
            by_stream[(event.group, event.stream)].append(event)
        client = (
            self.client if self.client.meta.region_name == region else make_client_like(self.client, region)
        )
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

    def _ensure(self, client, region: str, group: str, stream: str) -> None:
        if (region, group, "") not in self._known:
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_group(logGroupName=group)
            self._known.add((region, group, ""))
        if (region, group, stream) not in self._known:
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_stream(logGroupName=group, logStreamName=stream)
            self._known.add((region, group, stream))

    def _batches(self, items: list[LogEvent]):
        batch: list[LogEvent] = []
        size = 0
        for event in items:
            event_size = len(event.message.encode()) + 26  # the API counts 26 bytes per event
            if batch and (
                len(batch) >= self.MAX_EVENTS
                or size + event_size > self.MAX_BYTES
                or event.timestamp_ms - batch[0].timestamp_ms >= self.MAX_SPAN_MS
            ):
                yield batch
                batch, size = [], 0
            batch.append(event)
            size += event_size
        if batch:
            yield batch
