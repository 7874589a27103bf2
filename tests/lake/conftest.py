from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from advisor.lake.layout import Lake

ARN = "arn:aws:apprunner:us-east-1:123456789012:service/web-api/" + "a" * 32
OTHER_ARN = "arn:aws:apprunner:eu-west-1:123456789012:service/worker/" + "b" * 32
T0 = datetime(2026, 11, 27, 23, 50, tzinfo=UTC)


@pytest.fixture
def lake(tmp_path) -> Lake:
    return Lake(tmp_path / "lake")


def metric_rows(
    start: datetime = T0,
    minutes: int = 20,
    metric: str = "Requests",
    stat: str = "Sum",
    arn: str = ARN,
    value_offset: float = 0.0,
    period_s: int = 60,
) -> pd.DataFrame:
    timestamps = pd.date_range(start, periods=minutes, freq=f"{period_s}s")
    return pd.DataFrame(
        {
            "service_arn": arn,
            "metric": metric,
            "stat": stat,
            "period_s": period_s,
            "timestamp": timestamps,
            "value": [float(i) + value_offset for i in range(minutes)],
            "unit": "Count",
        }
    )
