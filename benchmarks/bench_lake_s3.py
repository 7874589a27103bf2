"""The S3 lake's collect time against the local lake's, for the same sandbox fleet (printed, not asserted).

    .venv/bin/python benchmarks/bench_lake_s3.py [--services 8] [--days 3]

Both collections read the same sandbox (in this process, as bench_collect.py's) and differ only in where
the lake is: a temporary folder, or `s3://advisor-lake/bench-...` in the sandbox's own S3 (moto, over
HTTP). Local first, S3 second, then a re-collection of each (nothing new: the cost of looking), so the
ratio is the lake's share of a run, not CloudWatch's. moto keeps objects in memory: real S3 adds ~20-50 ms
a request, which this does not show.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
import uuid
from pathlib import Path

import boto3

from advisor.aws.session import AwsSession
from advisor.collect.run import CollectRequest, collect
from advisor.lake.reader import read_table
from advisor.lake.storage import configure_s3, lake_location
from advisor.sandbox.fleet import default_fleet
from advisor.sandbox.server import Sandbox


def timed_collect(session: AwsSession, lake: Path, days: float) -> tuple[float, int]:
    started = time.perf_counter()
    summary = collect(session, CollectRequest(lake=lake, regions=("all",), days=days))
    if not summary.ok:
        raise SystemExit(f"collection into {lake} failed: {summary.to_dict()}")
    return time.perf_counter() - started, len(read_table(lake, "metrics", columns=["value"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=8)
    parser.add_argument("--days", type=float, default=3)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = "sandbox"  # pyarrow's S3 client takes the standard chain, as boto3 does
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    box = Sandbox(default_fleet(args.services), port=0, days=args.days, seed=7, live=False)
    box.start()
    try:
        credentials = boto3.session.Session(
            aws_access_key_id="sandbox", aws_secret_access_key="sandbox", region_name="us-east-1"
        )
        session = AwsSession(endpoint_url=box.endpoint, boto_session=credentials)
        configure_s3(box.endpoint)
        with tempfile.TemporaryDirectory() as folder:
            local = Path(folder)
            s3 = lake_location(f"s3://advisor-lake/bench-{uuid.uuid4().hex[:8]}")
            figures = {}
            for name, lake in (("local", local), ("s3", s3)):
                first, rows = timed_collect(session, lake, args.days)
                again, _ = timed_collect(session, lake, args.days)
                figures[name] = (first, again, rows)
    finally:
        box.stop()
    print(f"lake on S3 vs local: {args.services} services, {args.days:g} days")
    for name, (first, again, rows) in figures.items():
        print(f"  {name:<5} collect {first:6.1f} s ({rows:,} metric rows), re-collect {again:5.1f} s")
    (local_first, local_again, _), (s3_first, s3_again, _) = figures["local"], figures["s3"]
    print(
        f"  ratio s3/local: collect {s3_first / local_first:.2f}x, re-collect {s3_again / local_again:.2f}x"
    )


if __name__ == "__main__":
    main()
