"""Lakes for the report's tests (the sandbox lake is tests/conftest.py's `sandbox_lake`), and small
lakes written by hand for the edge cases (empty, one day, a service deleted mid-period, an action)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from advisor.apply.audit import ActionRecord, record
from advisor.apply.state import ActionStatus, ConfigState
from advisor.domain import (
    DEFAULT_INSTANCE,
    METRIC_STATS,
    METRIC_UNITS,
    InstanceSize,
    ScalingConfig,
    ServiceRef,
)
from advisor.engine.offline import metrics_from_trace
from advisor.engine.telemetry import column
from advisor.lake.writer import write
from advisor.workload.traces import per_minute
from advisor.workload.traffic import generate

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def ref(name: str, n: int, region: str = "us-east-1") -> ServiceRef:
    return ServiceRef("123456789012", region, name, f"{n:032x}")


def traffic(start: datetime, days: float, seed: int, mean_rpm: float = 6000) -> pd.Series:
    """Requests per minute with a daily cycle, starting at `start`."""
    requests = per_minute(generate("diurnal", days=days, seed=seed))
    requests = requests * (mean_rpm / requests.mean())
    requests.index = pd.date_range(start, periods=len(requests), freq="1min", tz="UTC", name="timestamp")
    return requests


def metric_rows(service: ServiceRef, requests: pd.Series, config: ScalingConfig) -> pd.DataFrame:
    """The `metrics` rows the collector would store for this traffic under `config`."""
    wide = metrics_from_trace(requests, current=config)
    frames = [
        pd.DataFrame(
            {
                "service_arn": service.arn,
                "metric": metric,
                "stat": stat,
                "period_s": 60,
                "timestamp": wide[column(metric, stat)].dropna().index,
                "value": wide[column(metric, stat)].dropna().to_numpy(),
                "unit": METRIC_UNITS[metric],
            }
        )
        for metric, stat in METRIC_STATS
    ]
    return pd.concat(frames, ignore_index=True)


def add_service(
    lake: Path,
    service: ServiceRef,
    requests: pd.Series,
    *,
    config: ScalingConfig = ScalingConfig(100, 1, 25),
    status: str = "RUNNING",
    snapshot: datetime | None = None,
    instance: InstanceSize = DEFAULT_INSTANCE,
) -> None:
    """One service's inventory snapshot and its metrics, as a collection would have written them."""
    if len(requests):
        write(lake, "metrics", metric_rows(service, requests, config))
    row = {
        "snapshot_time": snapshot or (requests.index[-1] if len(requests) else START),
        "account_id": service.account_id,
        "region": service.region,
        "service_arn": service.arn,
        "service_name": service.service_name,
        "service_id": service.service_id,
        "status": status,
        "cpu_vcpu": instance.cpu_vcpu,
        "memory_gb": instance.memory_gb,
        "max_concurrency": config.max_concurrency,
        "min_size": config.min_size,
        "max_size": config.max_size,
    }
    write(lake, "services", pd.DataFrame([row]))


def add_action(
    lake: Path, service: ServiceRef, at: datetime, before: ScalingConfig, after: ScalingConfig
) -> ActionRecord:
    """A successful apply in the audit log, as `advisor apply` writes it."""
    action = ActionRecord(
        action_id=f"test{int(at.timestamp())}",
        created_at=at,
        actor="test",
        service_arn=service.arn,
        kind="apply",
        source="explicit values",
        before=ConfigState(None, None, None, before, DEFAULT_INSTANCE),
        after=ConfigState(None, None, None, after, DEFAULT_INSTANCE),
        status=ActionStatus.SUCCEEDED,
        message="test",
    )
    record(lake, action)
    return action


@pytest.fixture
def one_day_lake(tmp_path) -> Path:
    """Two services with one day of data each."""
    add_service(tmp_path, ref("orders-api", 1), traffic(START, 1, seed=1))
    add_service(tmp_path, ref("shop-web", 2, "eu-west-1"), traffic(START, 1, seed=2, mean_rpm=2000))
    return tmp_path


DELETED_AT = START + timedelta(days=1, hours=12)


@pytest.fixture
def deleted_lake(tmp_path) -> Path:
    """Three days; `legacy-api` was deleted 36 hours in (its metrics stop, its last snapshot says so)."""
    add_service(tmp_path, ref("orders-api", 1), traffic(START, 3, seed=1))
    legacy = traffic(START, 3, seed=3)
    legacy = legacy[legacy.index < DELETED_AT]
    add_service(tmp_path, ref("legacy-api", 3), legacy, status="DELETED", snapshot=START + timedelta(days=3))
    return tmp_path
