from __future__ import annotations

import numpy as np
import pandas as pd

from advisor.lake.reader import read_table, wide_metrics
from advisor.lake.writer import write

from .conftest import ARN, OTHER_ARN, T0, metric_rows


def test_an_empty_lake_reads_as_empty_typed_frames(lake):
    for name in ("services", "metrics", "logs", "operations", "recommendations", "actions"):
        frame = read_table(lake, name)
        assert frame.empty and len(frame.columns) > 3
    assert str(read_table(lake, "metrics")["timestamp"].dtype) == "datetime64[us, UTC]"
    wide = wide_metrics(lake, ARN)
    assert wide.empty and isinstance(wide.index, pd.DatetimeIndex)


def test_read_filters_by_time_range_across_date_partitions(lake):
    write(lake, "metrics", metric_rows(T0, 20))  # 23:50 .. 00:09
    rows = read_table(lake, "metrics", start=T0 + pd.Timedelta(minutes=5), end=T0 + pd.Timedelta(minutes=15))
    assert len(rows) == 10 and set(rows["date"]) == {"2026-11-27", "2026-11-28"}


def test_the_wide_frame_has_one_column_per_metric_and_stat(lake):
    write(
        lake,
        "metrics",
        pd.concat(
            [
                metric_rows(metric="Requests", stat="Sum"),
                metric_rows(metric="Concurrency", stat="Maximum"),
                metric_rows(metric="RequestLatency", stat="p99"),
                metric_rows(metric="CPUUtilization", stat="Average"),
                metric_rows(arn=OTHER_ARN),  # another service: not in this frame
                metric_rows(period_s=300, minutes=4, stat="Average"),  # another period: not either
            ]
        ),
    )
    wide = wide_metrics(lake, ARN)
    assert list(wide.columns) == [
        "CPUUtilization_Average",
        "Concurrency_Maximum",
        "RequestLatency_p99",
        "Requests_Sum",
    ]
    assert wide.index.name == "timestamp" and str(wide.index.tz) == "UTC"
    assert len(wide) == 20 and wide.index[0] == T0
    assert (wide.index.to_series().diff().dropna() == pd.Timedelta(minutes=1)).all()
    assert wide["Requests_Sum"].tolist() == [float(i) for i in range(20)]


def test_gaps_are_nan_rows_on_a_regular_grid(lake):
    rows = metric_rows(minutes=10)
    write(lake, "metrics", rows.drop(index=[3, 4]))
    wide = wide_metrics(lake, ARN)
    assert len(wide) == 10
    assert np.isnan(wide["Requests_Sum"].iloc[3]) and np.isnan(wide["Requests_Sum"].iloc[4])


def test_start_and_end_bound_the_grid_even_past_the_data(lake):
    write(lake, "metrics", metric_rows(minutes=10))
    wide = wide_metrics(lake, ARN, start=T0 - pd.Timedelta(minutes=2), end=T0 + pd.Timedelta(minutes=5))
    assert len(wide) == 7 and wide.index[0] == T0 - pd.Timedelta(minutes=2)
    assert wide["Requests_Sum"].isna().sum() == 2


def test_five_minute_history_reads_at_its_own_period(lake):
    write(lake, "metrics", metric_rows(minutes=4, period_s=300))
    wide = wide_metrics(lake, ARN, period_s=300)
    assert len(wide) == 4 and wide.index[1] - wide.index[0] == pd.Timedelta(minutes=5)
