"""The collector heals what the lake lost and CloudWatch still holds; a damaged lake stops nobody.

Each test collects from the sandbox into a lake, damages it on disk as a person or a full disk would,
collects again, and compares the day with what the first collection landed (percentiles with the
sandbox's known tolerance, see conftest.PERCENTILE_RTOL; every key and every other value exactly).
"""

from __future__ import annotations

import shutil
import warnings
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from advisor.lake.files import LakeWarning
from advisor.lake.retention import drop_partitions, old_partitions
from advisor.lake.writer import write
from tests.collect.conftest import PERCENTILE_RTOL, cli, run_collect, start_sandbox, table_rows

KEY = ["service_arn", "metric", "stat", "period_s", "timestamp"]


@pytest.fixture(scope="module")
def box():
    yield from start_sandbox(services=2, days=1)


def day_partitions(lake: Path) -> list[Path]:
    """The metrics day partitions of the first service (by service id), oldest first."""
    service = sorted((lake / "metrics" / "region=us-east-1").iterdir())[0]
    return sorted(service.glob("date=*"))


def rows_of(lake: Path, partition: Path) -> pd.DataFrame:
    rows = table_rows(lake, "metrics")
    service_id, day = partition.parent.name.split("=")[1], partition.name.split("=")[1]
    return rows[(rows["service_id"] == service_id) & (rows["date"] == day)].reset_index(drop=True)


def assert_same_rows(healed: pd.DataFrame, landed: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(healed.drop(columns="value"), landed.drop(columns="value"))
    exact = ~landed["stat"].str.fullmatch(r"p\d+(\.\d+)?")
    pd.testing.assert_series_equal(healed["value"][exact], landed["value"][exact])
    pd.testing.assert_series_equal(healed["value"], landed["value"], rtol=PERCENTILE_RTOL)


def quiet_collect(box, lake: Path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = run_collect(box, lake)
    return summary, [str(w.message) for w in caught if issubclass(w.category, LakeWarning)]


def test_a_deleted_day_is_fetched_again(box, tmp_path):
    """Today the mark has moved past it and the day is lost for good."""
    lake = tmp_path / "lake"
    run_collect(box, lake)
    day = day_partitions(lake)[0]
    landed = rows_of(lake, day)
    assert len(landed) > 1000
    shutil.rmtree(day)
    summary, _ = quiet_collect(box, lake)
    assert summary.ok
    assert_same_rows(rows_of(lake, day), landed)
    healed = [s for s in summary.services if any("re-fetched lost metrics" in n for n in s.notes)]
    assert len(healed) == 1 and day.name.removeprefix("date=") in " ".join(healed[0].notes)


def test_a_truncated_current_day_heals_and_later_collects_work(box, tmp_path):
    """Today every later collect of that service fails with pyarrow's ArrowInvalid."""
    lake = tmp_path / "lake"
    run_collect(box, lake)
    today = day_partitions(lake)[-1]
    landed = rows_of(lake, today)
    part = today / "part-0.parquet"
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    summary, messages = quiet_collect(box, lake)
    assert summary.ok, [s.error for s in summary.failed]
    assert any(str(part) in m for m in messages)  # named, and quarantined rather than deleted
    assert len(list((lake / "_quarantine").rglob("part-0.parquet"))) == 1
    assert_same_rows(rows_of(lake, today), landed)
    again, _ = quiet_collect(box, lake)
    assert again.ok and again.total("metric_rows_added") == 0


def test_a_day_that_lost_rows_is_fetched_again(box, tmp_path):
    """A partition replaced by a smaller one (an old backup, a half copy) is short of what was landed."""
    lake = tmp_path / "lake"
    run_collect(box, lake)
    day = day_partitions(lake)[0]
    landed = rows_of(lake, day)
    kept = landed[landed["timestamp"] < landed["timestamp"].min() + pd.Timedelta(hours=1)]
    shutil.rmtree(day)
    write(lake, "metrics", kept.drop(columns=["region", "service_id", "date"]))
    summary, _ = quiet_collect(box, lake)
    assert summary.ok
    assert_same_rows(rows_of(lake, day), landed)


def test_recommend_on_a_damaged_lake_names_the_file_and_carries_on(box, tmp_path, monkeypatch, capsys):
    """Today: pyarrow's ArrowInvalid (a truncated file) or "Index contains duplicate entries" (a copy)."""
    lake = tmp_path / "lake"
    run_collect(box, lake)
    first, last = day_partitions(lake)[0], day_partitions(lake)[-1]
    (first / "part-0.parquet").write_bytes(b"")
    shutil.copy(last / "part-0.parquet", last / "part-0 (copy).parquet")
    code, _out, err = cli(["recommend", "--lake", str(lake), "--format", "json"], monkeypatch, capsys)
    assert code == 0, err
    assert "Traceback" not in err
    assert f"skipped {first / 'part-0.parquet'}: empty file (0 bytes)" in err
    assert "part-0 (copy).parquet" in err and "counted once" in err


def test_a_pruned_day_is_not_fetched_again(box, tmp_path):
    """`advisor lake prune` removes a day on purpose: healing must not undo it."""
    lake = tmp_path / "lake"
    run_collect(box, lake)
    first = day_partitions(lake)[0]
    day = date.fromisoformat(first.name.removeprefix("date="))
    drop_partitions(lake, old_partitions(lake, day + timedelta(days=1)))
    summary, _ = quiet_collect(box, lake)
    assert summary.ok and not first.exists()
    assert not [n for s in summary.services for n in s.notes if "re-fetched" in n]


def test_report_on_a_damaged_lake_names_the_file_and_carries_on(box, tmp_path, monkeypatch, capsys):
    """Today: pyarrow's ArrowInvalid from the first metrics read."""
    lake = tmp_path / "lake"
    run_collect(box, lake)
    damaged = day_partitions(lake)[0] / "part-0.parquet"
    damaged.write_text("not parquet\n")
    args = ["report", "--lake", str(lake), "--out", str(tmp_path / "out"), "--format", "csv,json"]
    code, _out, err = cli(args, monkeypatch, capsys)
    assert code == 0, err
    assert "Traceback" not in err and f"skipped {damaged}: not a Parquet file" in err
    assert list((tmp_path / "out").rglob("*.csv"))
