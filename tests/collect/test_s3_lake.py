"""The lake on S3 (the sandbox's moto S3, over HTTP with real pyarrow and boto3): what a collection
lands there reads back as a local lake's rows, and a write killed at any point, then rerun, leaves
each key once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from advisor.errors import InputError
from advisor.lake import duck
from advisor.lake.layout import is_hidden
from advisor.lake.reader import read_table
from advisor.lake.schema import TABLES
from advisor.lake.storage import S3Path, configure_s3, lake_location, s3_filesystem
from tests.collect.conftest import SANDBOX_ENV, assert_same_lake, aws_client, cli, run_collect, start_sandbox

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def box():
    yield from start_sandbox(services=2, days=1)


@pytest.fixture
def s3_lake(box) -> S3Path:
    """A fresh prefix of the sandbox's `advisor-lake` bucket (the sandbox creates the bucket)."""
    configure_s3(box.endpoint)
    yield lake_location(f"s3://advisor-lake/test-{uuid.uuid4().hex[:8]}")
    configure_s3(None)


def bucket_keys(box, lake: S3Path) -> list[str]:
    """The objects under the lake's prefix, as S3 lists them (not through the code under test)."""
    s3 = aws_client(box, "s3", "us-east-1")
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=lake.bucket, Prefix=lake.key.partition("/")[2]
    )
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def visible_data_keys(box, lake: S3Path) -> list[str]:
    prefix = lake.key.partition("/")[2] + "/"
    return [
        k
        for k in bucket_keys(box, lake)
        if k.endswith(".parquet") and not any(is_hidden(p) for p in k[len(prefix) :].split("/"))
    ]


def test_a_collection_into_s3_reads_back_as_the_local_lakes_rows(box, s3_lake, tmp_path, monkeypatch, capsys):
    local = tmp_path / "local"
    assert run_collect(box, local).ok
    monkeypatch.chdir(tmp_path)  # an s3:// taken for a folder would show up here
    args = [
        "collect",
        "--endpoint-url",
        box.endpoint,
        "--region",
        "all",
        "--lake",
        str(s3_lake),
        "--days",
        "3",
    ]
    code, _, err = cli([*args, "--no-progress"], monkeypatch, capsys)
    assert code == 0, err
    assert not (tmp_path / "s3:").exists()
    keys = visible_data_keys(box, s3_lake)
    local_files = sorted(
        p.relative_to(local).as_posix() for p in local.rglob("*.parquet") if "_" not in p.name
    )
    assert [k.split("/", 1)[1] for k in keys] == local_files  # the same hive layout, object for file
    assert any(
        k.startswith(f"{s3_lake.key.split('/', 1)[1]}/metrics/region=us-east-1/service_id=") for k in keys
    )
    assert_same_lake(local, s3_lake)
    here, there = duck.connect(local), duck.connect(s3_lake)
    for name in TABLES:
        query = f"SELECT count(*) FROM {name}"
        assert here.execute(query).fetchone() == there.execute(query).fetchone(), name
    query = "SELECT service_id, count(*), sum(value) FROM metrics WHERE stat = 'Sum' GROUP BY 1 ORDER BY 1"
    assert here.execute(query).fetchall() == there.execute(query).fetchall()


def test_an_s3_lake_is_never_a_local_folder(box, s3_lake):
    assert str(s3_lake / "metrics") == f"{s3_lake}/metrics" and str(s3_lake).startswith("s3://advisor-lake/")
    with pytest.raises(TypeError, match="not a local file"):
        open(s3_lake / "x.parquet", "wb")  # noqa: SIM115 - the refusal is the point
    with pytest.raises(InputError, match="s3://BUCKET/PREFIX"):
        lake_location("s3:///no-bucket")


KILLED_S3_WRITER = """
import os, signal, sys
import numpy as np
import pandas as pd
import advisor.lake.writer as writer
from advisor.lake.storage import S3Path, configure_s3

lake, point, endpoint = sys.argv[1], sys.argv[2], sys.argv[3]
configure_s3(endpoint)
arn = "arn:aws:apprunner:us-east-1:123456789012:service/web-api/" + "a" * 32


def rows(write):  # two days (two partitions), random values: ~160 KB a day, written in pieces
    ts = pd.date_range("2026-11-27T12:00", periods=2 * 20_000, freq="2s", tz="UTC")
    values = np.random.default_rng(write).random(len(ts))
    return pd.DataFrame({"service_arn": arn, "metric": "Requests", "stat": "Sum", "period_s": 1,
                         "timestamp": ts, "value": values, "unit": f"write-{write}"})


def die(*args):
    os.kill(os.getpid(), signal.SIGKILL)


class Torn:
    def __init__(self, f, limit):
        self.f, self.written, self.limit = f, 0, limit

    def write(self, data):
        data = bytes(data)
        if self.limit is not None and self.written + len(data) > self.limit:
            die()
        self.written += len(data)
        return self.f.write(data)

    def close(self):
        self.f.close()
        if point in ("after-upload", "between-partitions"):
            die()

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


if sys.argv[4] == "1":
    writer.write(lake, "metrics", rows(1))
    sys.exit(0)
opened = []
plain_open = S3Path.open


def torn_open(self, mode="r", *args, **kwargs):
    f = plain_open(self, mode, *args, **kwargs)
    if "w" not in mode:
        return f
    opened.append(self)
    if point == "between-partitions" and len(opened) == 1:
        return f  # the first day lands whole; the kill comes after the second day's upload
    return Torn(f, 4096 if point == "mid-upload" else None)


S3Path.open = torn_open
writer.write(lake, "metrics", rows(2))
"""


def run_writer(box, lake: S3Path, point: str, first: bool) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ADVISOR_"))}
    env.update(SANDBOX_ENV, PYTHONPATH=str(ROOT))
    args = [sys.executable, "-c", KILLED_S3_WRITER, str(lake), point, box.endpoint, "1" if first else "2"]
    return subprocess.run(args, env=env, check=False, timeout=120).returncode


@pytest.mark.parametrize(
    ("point", "survivors"),
    [
        ("mid-upload", ["write-1", "write-1"]),  # 4 KiB into the stream: no object yet
        ("after-upload", ["write-2", "write-1"]),  # the first day's object replaced whole, then killed
        ("between-partitions", ["write-2", "write-2"]),  # both days landed, killed before returning
    ],
)
def test_a_write_killed_at_each_point_then_rerun_leaves_each_key_once(box, s3_lake, point, survivors):
    """The writer kills itself at a chosen point of its second write: every object S3 lists reads
    whole with one write's rows; the rerun gives one object per partition and each key once."""
    assert run_writer(box, s3_lake, point, first=True) == 0
    assert run_writer(box, s3_lake, point, first=False) == -signal.SIGKILL
    keys = visible_data_keys(box, s3_lake)
    assert len(keys) == 2
    units = [
        set(pq.read_table(f"{s3_lake.bucket}/{k}", filesystem=s3_filesystem())["unit"].to_pylist())
        for k in keys
    ]
    assert units == [{s} for s in survivors]
    assert run_writer(box, s3_lake, "none", first=False) == 0  # the rerun, not killed
    assert len(visible_data_keys(box, s3_lake)) == 2
    rows = read_table(s3_lake, "metrics")
    assert len(rows) == 40_000 and not rows.duplicated(list(TABLES["metrics"].key)).any()
    assert set(rows["unit"]) == {"write-2"}
    counted = (
        duck.connect(s3_lake).execute("SELECT count(*), count(DISTINCT timestamp) FROM metrics").fetchone()
    )
    assert counted == (40_000, 40_000)


def test_a_collection_into_s3_killed_then_rerun_gives_the_uninterrupted_lake(box, s3_lake, tmp_path):
    """`advisor collect --lake s3://...` SIGKILLed twice at chosen fractions of its run, then rerun:
    every object reads whole, and the lake has the rows an uninterrupted run lands, each key once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ADVISOR_"))}
    env.update(SANDBOX_ENV, PYTHONPATH=str(ROOT), ADVISOR_CONFIG=str(tmp_path / "none.toml"))
    reference = tmp_path / "reference"
    assert run_collect(box, reference).ok

    def command(lake: Path) -> list[str]:
        return [
            sys.executable, "-m", "advisor.cli", "collect", "--endpoint-url", box.endpoint,
            "--region", "all", "--lake", str(lake), "--days", "3", "--no-progress",
        ]  # fmt: skip

    started = time.monotonic()
    subprocess.run(command(tmp_path / "timed"), env=env, capture_output=True, check=True, timeout=120)
    duration = time.monotonic() - started
    for fraction in (0.6, 0.85):
        process = subprocess.Popen(command(s3_lake), env=env, stdout=subprocess.DEVNULL)
        time.sleep(fraction * duration)
        process.send_signal(signal.SIGKILL)
        process.wait()
        for key in visible_data_keys(box, s3_lake):
            pq.read_table(f"{s3_lake.bucket}/{key}", filesystem=s3_filesystem())
    finished = subprocess.run(command(s3_lake), env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert_same_lake(reference, s3_lake)
    for name, spec in TABLES.items():
        assert not read_table(s3_lake, name).duplicated(list(spec.key)).any(), name
