"""The collector's small decisions, without a sandbox: server time, windows, packing, skips, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from advisor.aws.session import response_date
from advisor.collect.inventory import ServiceTarget, list_region
from advisor.collect.metrics import plan_batches
from advisor.collect.operations import operations_from_log
from advisor.collect.run import CollectRequest
from advisor.collect.windows import METRICS_OVERLAP, window_for
from advisor.errors import InputError
from advisor.lake.state import StateStore
from advisor.platform.base import ListedService
from tests.collect.conftest import cli

NOW = datetime(2026, 3, 2, 12, 7, 41, tzinfo=UTC)
ARN = "arn:aws:apprunner:us-east-1:123456789012:service/orders-api/" + "a" * 32


def summary(
    name: str, status: str = "RUNNING", sid: str = "a" * 32, region: str = "us-east-1"
) -> ListedService:
    arn = f"arn:aws:apprunner:{region}:123456789012:service/{name}/{sid}"
    return ListedService(arn, name, sid, region, "123456789012", status, None, None, None)


def test_server_time_is_the_last_date_header_when_a_front_server_added_its_own():
    headers = {"date": "Mon, 02 Mar 2026 12:00:00 GMT, Thu, 05 Mar 2026 09:30:15 GMT"}
    assert response_date({"ResponseMetadata": {"HTTPHeaders": headers}}) == datetime(
        2026, 3, 5, 9, 30, 15, tzinfo=UTC
    )
    assert response_date({"ResponseMetadata": {"HTTPHeaders": {}}}) is None


def test_first_window_takes_days_back_and_later_ones_restart_before_the_mark(tmp_path):
    state = StateStore(tmp_path)
    first = window_for(state, "metrics", ARN, NOW, 14, METRICS_OVERLAP)
    assert first.end == datetime(2026, 3, 2, 12, 7, tzinfo=UTC)  # whole minutes only
    assert first.start == first.end - timedelta(days=14)
    state.set_high_water_mark("metrics", ARN, first.end)
    later = window_for(state, "metrics", ARN, NOW + timedelta(hours=1), 14, METRICS_OVERLAP)
    assert later.start == first.end - METRICS_OVERLAP


def test_services_of_a_region_sharing_a_window_share_calls(tmp_path):
    targets = [
        ServiceTarget("123456789012", "us-east-1", summary(f"svc-{i}", sid=f"{i:032x}")) for i in range(3)
    ]
    targets.append(
        ServiceTarget("123456789012", "eu-west-1", summary("other", sid="f" * 32, region="eu-west-1"))
    )
    batches = plan_batches(tmp_path, targets, NOW, 14)
    assert sorted((b.region, len(b.targets)) for b in batches) == [("eu-west-1", 1), ("us-east-1", 3)]


def test_deleted_services_are_skipped_with_a_note(monkeypatch):
    listed = [summary("orders-api"), summary("old-api", status="DELETED", sid="b" * 32)]

    class Region:
        region = "us-east-1"

        def list_services(self) -> list[ListedService]:
            return listed

    listing = list_region(Region(), "123456789012")  # type: ignore[arg-type]
    assert [t.name for t in listing.targets] == ["orders-api"]
    assert [(s.name, "DELETED" in note) for s, note in listing.skipped] == [("old-api", True)]


def test_operations_are_rebuilt_from_their_service_log_stream():
    at = pd.Timestamp("2026-03-02 10:00", tz="UTC")
    events = pd.DataFrame(
        {
            "log_stream": ["deployment/4f1c2b3a-1111-2222-3333-444455556666"] * 2 + ["events"],
            "timestamp": [at, at + pd.Timedelta(minutes=3), at],
            "message": [
                "[AppRunner] Deployment started.",
                "[AppRunner] Deployment failed. Rolling back.",
                "x",
            ],
        }
    )
    rows = operations_from_log(events, ARN)
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["operation_id"], row["status"], row["source"]) == (
        "4f1c2b3a-1111-2222-3333-444455556666",
        "FAILED",
        "service_log",
    )
    assert row["ended_at"] - row["started_at"] == pd.Timedelta(minutes=3)


@pytest.mark.parametrize("days", [0, -1, 456])
def test_days_out_of_cloudwatch_retention_is_bad_input(tmp_path, days):
    with pytest.raises(InputError, match="--days"):
        CollectRequest(lake=tmp_path, days=days)


@pytest.mark.parametrize(
    "args",
    [
        ["--days", "0"],
        ["--days", "many"],
        ["--region", "mars-north-1"],
        ["--lake", "FILE"],
        ["--workers", "0"],
    ],
)
def test_bad_input_exits_2_with_one_line(args, tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("not a lake")
    args = [str(tmp_path / "file") if a == "FILE" else a for a in args]
    code, _, err = cli(["collect", "--lake", str(tmp_path / "lake"), *args], monkeypatch, capsys)
    assert code == 2
    assert err.startswith("advisor: error:") and err.strip().count("\n") == 0
    assert not (tmp_path / "lake").exists()
