"""Time to collect the sandbox's default fleet into an empty lake (printed, not asserted).

    .venv/bin/python benchmarks/bench_collect.py [--services 8] [--days 14]

The sandbox runs in this process (its HTTP server shares the GIL with the collector, so the figures are
a floor for a remote endpoint's throughput, not a ceiling). Prints the wall time, datapoints and log
events written per second, and GetMetricData calls against the fewest the limits allow: per region, as
many of its services' queries per call as 500 queries and 100,800 datapoints permit.
"""

from __future__ import annotations

import argparse
import logging
import math
import tempfile
import time
from collections import Counter
from pathlib import Path

import boto3

from advisor.aws.cloudwatch import MAX_DATAPOINTS_PER_CALL, MAX_QUERIES_PER_CALL
from advisor.aws.session import AwsSession
from advisor.collect.run import CollectRequest, collect
from advisor.domain import APP_RUNNER_METRICS
from advisor.sandbox.fleet import default_fleet
from advisor.sandbox.server import Sandbox

QUERIES_PER_SERVICE = sum(len(m.stats) for m in APP_RUNNER_METRICS)


def fewest_metric_calls(services_per_region: Counter[str], minutes: int) -> int:
    per_call = min(MAX_QUERIES_PER_CALL, MAX_DATAPOINTS_PER_CALL // minutes)
    return sum(math.ceil(QUERIES_PER_SERVICE * n / per_call) for n in services_per_region.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=8)
    parser.add_argument("--days", type=float, default=14)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    started = time.perf_counter()
    box = Sandbox(default_fleet(args.services), port=0, days=args.days, seed=7, live=False)
    box.start()
    ready = time.perf_counter() - started
    print(f"sandbox: {args.services} services, {args.days:g} days, ready in {ready:.1f} s")
    try:
        credentials = boto3.session.Session(
            aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name="us-east-1"
        )
        session = AwsSession(endpoint_url=box.endpoint, boto_session=credentials)
        with tempfile.TemporaryDirectory() as lake:
            request = CollectRequest(lake=Path(lake), regions=("all",), days=args.days)
            started = time.perf_counter()
            summary = collect(session, request)
            elapsed = time.perf_counter() - started
    finally:
        box.stop()

    datapoints, events = summary.total("metric_rows_added"), summary.total("log_rows_added")
    regions = Counter(s.region for s in summary.services)
    fewest = fewest_metric_calls(regions, int(args.days * 1440))
    made = summary.calls.get("cloudwatch:GetMetricData", 0)
    print(f"collect: {elapsed:.1f} s wall, ok={summary.ok}")
    print(f"  datapoints written: {datapoints:,} ({datapoints / elapsed:,.0f}/s)")
    print(f"  log events written: {events:,} ({events / elapsed:,.0f}/s)")
    print(f"  GetMetricData calls: {made} (fewest the limits allow: {fewest}, ratio {made / fewest:.2f})")
    print(
        f"  API calls: {sum(summary.calls.values())} "
        + ", ".join(f"{k} {v}" for k, v in summary.calls.items())
    )


if __name__ == "__main__":
    main()
