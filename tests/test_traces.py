import numpy as np
import pandas as pd
import pytest

from advisor.errors import TraceError
from advisor.workload.traces import per_minute, read_trace


def frame(stamps, counts):
    return pd.DataFrame({"timestamp": pd.to_datetime(stamps, utc=True), "requests": counts})


def test_one_minute_trace_is_kept_as_is():
    out = per_minute(frame(["2026-01-01 00:00", "2026-01-01 00:01"], [5, 7]))
    assert out.tolist() == [5, 7]
    assert str(out.index.tz) == "UTC"


def test_finer_intervals_are_summed_into_minutes():
    stamps = pd.date_range("2026-01-01", periods=180, freq="1s")
    out = per_minute(frame(stamps, np.ones(180, dtype=int)))
    assert out.tolist() == [60, 60, 60]


def test_coarser_interval_is_spread_evenly_over_its_minutes():
    out = per_minute(frame(["2026-01-01 00:00", "2026-01-01 00:05"], [10, 20]))
    assert out.tolist() == [2] * 5 + [4] * 5
    assert out.index[-1] == pd.Timestamp("2026-01-01 00:09", tz="UTC")


def test_missing_intervals_count_as_zero():
    stamps = ["2026-01-01 00:00", "2026-01-01 00:01", "2026-01-01 00:02", "2026-01-01 00:05"]
    out = per_minute(frame(stamps, [1, 2, 3, 4]))
    assert out.tolist() == [1, 2, 3, 0, 0, 4]


def test_missing_coarse_intervals_count_as_zero():
    stamps = ["2026-01-01 00:00", "2026-01-01 01:00", "2026-01-01 02:00", "2026-01-01 04:00"]
    out = per_minute(frame(stamps, [60, 120, 60, 60]))
    assert len(out) == 300
    assert out.iloc[180:240].sum() == 0
    assert out.sum() == 300


def test_naive_timestamps_are_read_as_utc(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("timestamp,requests\n2026-01-01 00:00,3\n2026-01-01 00:01,4\n")
    out = read_trace(path)
    assert out.index[0] == pd.Timestamp("2026-01-01 00:00", tz="UTC")
    assert out.tolist() == [3, 4]


def test_epoch_seconds_are_accepted(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("timestamp,requests\n1767225600,3\n1767225660,4\n")
    assert read_trace(path).index[0] == pd.Timestamp("2026-01-01", tz="UTC")


def test_parquet_and_csv_read_the_same(tmp_path):
    data = frame(pd.date_range("2026-01-01", periods=10, freq="1min"), np.arange(10))
    data.to_parquet(tmp_path / "t.parquet")
    data.to_csv(tmp_path / "t.csv", index=False)
    pd.testing.assert_series_equal(read_trace(tmp_path / "t.parquet"), read_trace(tmp_path / "t.csv"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("time,requests\n2026-01-01,1\n", "missing column 'timestamp'"),
        ("timestamp,count\n2026-01-01,1\n", "missing column 'requests'"),
        ("timestamp,requests\n", "no rows"),
        ("timestamp,requests\n2026-01-01 00:01,1\n2026-01-01 00:00,1\n", "not sorted: row 1"),
        ("timestamp,requests\n2026-01-01 00:00,1\n2026-01-01 00:00,2\n", "duplicate timestamps"),
        ("timestamp,requests\n2026-01-01 00:00,1\n2026-01-01 00:01,-4\n", "negative, first at row 1"),
        ("timestamp,requests\n2026-01-01 00:00,1\n2026-01-01 00:01,many\n", "not numbers"),
        ("timestamp,requests\n2026-01-01 00:00,1\n2026-01-01 00:01,\n", "missing or not numbers"),
        ("timestamp,requests\nyesterday-ish,1\n2026-01-01 00:01,1\n", "cannot be read as dates"),
        ("timestamp,requests\n2026-01-01 00:00,1\n", "one row"),
        (
            "timestamp,requests\n2026-01-01 00:00:00,1\n2026-01-01 00:01:30,1\n2026-01-01 00:03:00,1\n",
            "not a whole number of minutes",
        ),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(TraceError, match=message) as caught:
        read_trace(path)
    assert str(path) in str(caught.value)


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(TraceError, match="no such file"):
        read_trace(tmp_path / "nope.csv")
    (tmp_path / "t.xlsx").write_text("x")
    with pytest.raises(TraceError, match=r"use \.csv or \.parquet"):
        read_trace(tmp_path / "t.xlsx")


def test_corrupt_parquet_is_a_trace_error(tmp_path):
    (tmp_path / "t.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(TraceError, match="cannot be read"):
        read_trace(tmp_path / "t.parquet")


@pytest.mark.parametrize(
    "name",
    [
        "nasa_ksc_http_1995-07_1min",
        "nasa_ksc_http_1995-07_1s",
        "worldcup98_preseason_1min",
        "appserver_cluster_2015-2020_1h",
        "proxy_twitter_mentions_aapl_2015_5min",
    ],
)
def test_real_traces_resample_like_the_reference_scorer(shared_traces, reference_scorer, name):
    path = shared_traces / f"{name}.parquet"
    ours = read_trace(path)
    theirs = reference_scorer.per_minute(pd.read_parquet(path))
    assert len(ours) == len(theirs)
    assert (ours.index == theirs.index).all()
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy())
    assert ours.sum() == pytest.approx(pd.read_parquet(path)["requests"].sum())
