"""Timings of the sandbox CloudWatch store (printed, not asserted): is it fast enough for a fleet?

    .venv/bin/python benchmarks/bench_cloudwatch.py [--services 100] [--wire json|cbor|both]

- PutMetricData through boto3 over HTTP (1,000 datums a call): datapoints/s, single values and histograms.
- put_series: the bulk seeding path, 14 days of 1-minute data per series.
- GetMetricData for 14 days at 60 s: one series (store only, and boto3 end to end), and N series through
  every MaxDatapoints page (the store alone, and boto3 end to end, where botocore's parsing dominates).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import boto3
import botocore.loaders
import botocore.session
import cbor2
import numpy as np
from botocore.config import Config
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from advisor.sandbox.cloudwatch import MetricsStore

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC).timestamp()
DAY = 86_400
SPAN = 14 * DAY
NS = "AWS/AppRunner"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/monitoring/aws4_request")


SERVER_SECONDS = [0.0]  # time spent inside store.handle, to split the server's share from botocore's


@contextmanager
def serve(store: MetricsStore) -> Iterator[str]:
    """The same minimal router as the tests: operation from X-Amz-Target (JSON) or the URL path (CBOR)."""

    def app(environ, start_response):
        request = Request(environ)
        scope = _SCOPE.search(request.headers.get("Authorization", ""))
        operation = request.headers.get("X-Amz-Target") or request.path.rsplit("/", 1)[-1]
        region = scope.group(1) if scope else "us-east-1"
        start = time.perf_counter()
        status, headers, body = store.handle(operation, request.get_data(), region, "123456789012")
        SERVER_SECONDS[0] += time.perf_counter() - start
        return Response(body, status=status, headers=headers)(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def client(endpoint: str, wire: str, tmp: str):
    core = botocore.session.get_session()
    if wire == "cbor":  # botocore prefers JSON for CloudWatch; a model copy listing only CBOR forces it
        model = botocore.loaders.Loader().load_service_model("cloudwatch", "service-2", "2010-08-01")
        model["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
        path = Path(tmp, "cloudwatch", "2010-08-01")
        path.mkdir(parents=True, exist_ok=True)
        (path / "service-2.json").write_text(json.dumps(model))
        core.get_component("data_loader").search_paths.insert(0, tmp)
    return boto3.Session(botocore_session=core).client(
        "cloudwatch",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(read_timeout=300),
    )


def dims(i: int) -> list[dict[str, str]]:
    return [{"Name": "ServiceName", "Value": f"svc{i}"}, {"Name": "ServiceID", "Value": f"{i:032x}"}]


def bench_put_metric_data(cw, calls: int = 30) -> None:
    rng = np.random.default_rng(0)
    for kind in ("Value", "Values+Counts"):
        batches = []
        for c in range(calls):
            stamps = NOW - 2 * DAY + (c * 1000 + np.arange(1000)) * 5.0
            if kind == "Value":
                extra = [{"Value": float(v)} for v in rng.gamma(2, 40, 1000)]
                points = 1000
            else:
                extra = [
                    {
                        "Values": [5.0, 10, 25, 50, 100, 250, 500, 1000],
                        "Counts": rng.integers(1, 9, 8).tolist(),
                    }
                ] * 1000
                points = 8000
            batches.append(
                [
                    {
                        "MetricName": f"Put{kind}",
                        "Dimensions": dims(0),
                        "Timestamp": datetime.fromtimestamp(t, UTC),
                    }
                    | e
                    for t, e in zip(stamps, extra, strict=True)
                ]
            )
        start, SERVER_SECONDS[0] = time.perf_counter(), 0.0
        for batch in batches:
            cw.put_metric_data(Namespace=NS, MetricData=batch)
        elapsed = time.perf_counter() - start
        inside = SERVER_SECONDS[0]
        print(
            f"  PutMetricData {kind:13s}: {calls} calls x 1,000 datums in {elapsed:.2f} s = "
            f"{calls * points / elapsed:,.0f} datapoints/s through boto3; the store's share "
            f"{inside / calls * 1e3:.1f} ms a call = {calls * points / inside:,.0f} datapoints/s"
        )


def seed(store: MetricsStore, services: int, metrics: int) -> None:
    stamps = NOW - SPAN + np.arange(SPAN // 60) * 60.0
    rng = np.random.default_rng(1)
    values = rng.poisson(120, len(stamps)).astype(float)
    start = time.perf_counter()
    for i in range(services):
        d = {"ServiceName": f"svc{i}", "ServiceID": f"{i:032x}"}
        for m in range(metrics):
            store.put_series("us-east-1", NS, f"Metric{m}", d, stamps, values)
    elapsed = time.perf_counter() - start
    series = services * metrics
    print(
        f"  put_series: {series:,} series x {len(stamps):,} points in {elapsed:.2f} s "
        f"({elapsed / series * 1e3:.2f} ms a series, {series * len(stamps) / elapsed:,.0f} points/s)"
    )
    hist_v = np.tile(np.array([5.0, 10, 25, 50, 100, 250, 500, 1000]), (len(stamps), 1))
    hist_c = rng.integers(0, 40, hist_v.shape).astype(float)
    start = time.perf_counter()
    store.put_series(
        "us-east-1", NS, "RequestLatency", {"ServiceName": "svc0"}, stamps, histograms=(hist_v, hist_c)
    )
    print(
        f"  put_series histograms (8 buckets x 20,160 minutes): {(time.perf_counter() - start) * 1e3:.1f} ms"
    )


def queries(services: int, stat: str = "Average", metric: str = "Metric0") -> list[dict]:
    return [
        {
            "Id": f"q{i}",
            "MetricStat": {
                "Metric": {"Namespace": NS, "MetricName": metric, "Dimensions": dims(i)},
                "Period": 60,
                "Stat": stat,
            },
        }
        for i in range(services)
    ]


def store_pages(store: MetricsStore, qs: list[dict], wire: str) -> tuple[int, int, float]:
    """Every page of one GetMetricData through store.handle alone (decode, compute, encode)."""
    token, points, pages, inside = None, 0, 0, 0.0
    dumps, loads = (json.dumps, json.loads) if wire == "json" else (cbor2.dumps, cbor2.loads)
    while True:
        request = {"MetricDataQueries": qs, "StartTime": NOW - SPAN, "EndTime": NOW}
        body = dumps(request | ({"NextToken": token} if token else {}))
        body = body.encode() if isinstance(body, str) else body
        start = time.perf_counter()
        status, _, answer = store.handle("GetMetricData", body, "us-east-1", "123456789012")
        inside += time.perf_counter() - start
        assert status == 200, answer
        page = loads(answer)
        pages += 1
        points += sum(len(r["Values"]) for r in page["MetricDataResults"])
        token = page.get("NextToken")
        if not token:
            return points, pages, inside


def boto_pages(cw, qs: list[dict]) -> tuple[int, int, float]:
    start = time.perf_counter()
    points = pages = 0
    for page in cw.get_paginator("get_metric_data").paginate(
        MetricDataQueries=qs,
        StartTime=datetime.fromtimestamp(NOW - SPAN, UTC),
        EndTime=datetime.fromtimestamp(NOW, UTC),
    ):
        pages += 1
        points += sum(len(r["Values"]) for r in page["MetricDataResults"])
    return points, pages, time.perf_counter() - start


def latency_query() -> list[dict]:
    metric = {
        "Namespace": NS,
        "MetricName": "RequestLatency",
        "Dimensions": [{"Name": "ServiceName", "Value": "svc0"}],
    }
    return [{"Id": "p", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "p99"}}]


def bench_boto_reads(cw, services: int) -> None:
    runs = [boto_pages(cw, queries(1))[2] for _ in range(5)]
    print(
        f"  GetMetricData 1 series, 14 d at 60 s (20,160 points), boto3 end to end: {min(runs) * 1e3:.0f} ms"
    )
    SERVER_SECONDS[0] = 0.0
    points, pages, elapsed = boto_pages(cw, queries(services))
    print(
        f"  GetMetricData {services} series, 14 d at 60 s: {points:,} points in {pages} pages, "
        f"boto3 end to end {elapsed:.2f} s, of which the store {SERVER_SECONDS[0]:.2f} s"
    )


def bench_store_reads(store: MetricsStore, services: int, wire: str) -> None:
    cases = [
        ("1 series Average", queries(1)),
        ("1 series p99 from histograms", latency_query()),
        (f"{services} series Average, all pages", queries(services)),
    ]
    for label, qs in cases:
        store_pages(store, qs, wire)  # the first read merges pending writes; time the steady state
        points, pages, inside = min((store_pages(store, qs, wire) for _ in range(3)), key=lambda r: r[2])
        print(f"  {wire}: GetMetricData {label}: {points:,} points, {pages} page(s): {inside * 1e3:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--metrics", type=int, default=16, help="series per service")
    parser.add_argument("--wire", choices=["json", "cbor", "both"], default="both")
    args = parser.parse_args()
    wires = ["json", "cbor"] if args.wire == "both" else [args.wire]
    store = MetricsStore(clock=lambda: NOW)
    with serve(store) as endpoint, tempfile.TemporaryDirectory() as tmp:
        print(f"Seeding {args.services} services x {args.metrics} series, 14 days at 1 minute:")
        seed(store, args.services, args.metrics)
        print("\nThe store alone (store.handle: decode, compute, encode; no HTTP, no botocore):")
        for wire in wires:
            bench_store_reads(store, args.services, wire)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak resident memory of this process: {peak:,.0f} MB")
        for wire in wires:
            cw = client(endpoint, wire, tmp)
            print(f"\nboto3 over HTTP, wire={wire}:")
            bench_put_metric_data(cw)
            bench_boto_reads(cw, args.services)


if __name__ == "__main__":
    main()
