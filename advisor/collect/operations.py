"""Operations: deployments and configuration changes, from ListOperations and from the service log.

ListOperations is the authority (type, status, times), but it only goes back so far. The service log
keeps a stream per long-running operation (`deployment/<operation-id>`, `pause/<operation-id>`, ...):
operations found there and not in ListOperations are rebuilt from their stream (first and last event,
outcome from the wording) so the lake keeps the history after ListOperations has forgotten it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd

from advisor.collect.inventory import ServiceTarget
from advisor.lake.layout import Lake
from advisor.lake.reader import read_table
from advisor.lake.schema import LOGS, OPERATIONS
from advisor.lake.writer import write
from advisor.platform.base import Operation, Platform

OPERATION_STREAM = re.compile(r"(?P<kind>[a-z_-]+)/(?P<id>[0-9a-fA-F-]{16,})")
STREAM_TYPES = {
    "deployment": "START_DEPLOYMENT",
    "create": "CREATE_SERVICE",
    "pause": "PAUSE_SERVICE",
    "resume": "RESUME_SERVICE",
    "delete": "DELETE_SERVICE",
    "update": "UPDATE_SERVICE",
}


@dataclass(frozen=True)
class OperationsOutcome:
    listed: int
    from_log: int
    rows_added: int


def collect_operations(
    platform: Platform, lake: Lake | str | Path, target: ServiceTarget, service_events: pd.DataFrame
) -> OperationsOutcome:
    listed = platform.operations(target.arn)
    known = {op.id for op in listed}
    fresh = operation_ids(service_events) - known
    if fresh:  # ListOperations may have forgotten an operation an earlier run saw there: keep that row
        fresh -= _listed_before(lake, target)
    derived = operations_from_log(_stream_events(lake, target, service_events, fresh), target.arn)
    frame = pd.concat([listed_frame(listed, target.arn), derived], ignore_index=True)
    if frame.empty:
        return OperationsOutcome(0, 0, 0)
    result = write(lake, OPERATIONS.name, frame)
    return OperationsOutcome(len(listed), len(derived), result.rows_added)


def listed_frame(operations: list[Operation], service_arn: str) -> pd.DataFrame:
    rows = [
        {
            "operation_id": op.id,
            "service_arn": op.target_arn or service_arn,
            "type": op.type,
            "status": op.status,
            "started_at": op.started_at,
            "ended_at": op.ended_at,
            "updated_at": op.updated_at,
            "source": "list_operations",
        }
        for op in operations
    ]
    return pd.DataFrame(rows, columns=OPERATIONS.columns.names)


def _listed_before(lake: Lake | str | Path, target: ServiceTarget) -> set[str]:
    landed = read_table(lake, OPERATIONS.name, where={"region": target.region})
    mine = landed[(landed["service_arn"] == target.arn) & (landed["source"] == "list_operations")]
    return set(mine["operation_id"])


def operation_ids(events: pd.DataFrame) -> set[str]:
    """Operation ids named by the streams of service-log events."""
    ids = set()
    for stream in events.get("log_stream", pd.Series(dtype=str)).dropna().unique():
        match = OPERATION_STREAM.fullmatch(stream)
        if match:
            ids.add(match["id"])
    return ids


def _stream_events(
    lake: Lake | str | Path, target: ServiceTarget, events: pd.DataFrame, ids: set[str]
) -> pd.DataFrame:
    """Every event of those operations' streams, including parts an earlier run already landed."""
    if not ids:
        return events.iloc[0:0]
    earliest = pd.Timestamp(events["timestamp"].min()) - timedelta(days=1)
    landed = read_table(
        lake, LOGS.name, where={"region": target.region, "service_id": target.service_id}, start=earliest
    )
    both = pd.concat([landed[events.columns.intersection(landed.columns)], events], ignore_index=True)
    wanted = both["log_stream"].map(lambda s: _stream_id(s) in ids)
    return both[wanted].drop_duplicates(["log_group", "event_id"])


def _stream_id(stream: str) -> str | None:
    match = OPERATION_STREAM.fullmatch(str(stream))
    return match["id"] if match else None


def operations_from_log(events: pd.DataFrame, service_arn: str) -> pd.DataFrame:
    """One `operations` row per operation stream: first and last event, outcome from the last lines."""
    rows = []
    for stream, group in events.groupby("log_stream", sort=True):
        match = OPERATION_STREAM.fullmatch(str(stream))
        if not match:
            continue
        text = " ".join(group.sort_values("timestamp")["message"]).lower()
        status = "FAILED" if "failed" in text else "SUCCEEDED" if "completed" in text else "IN_PROGRESS"
        rows.append(
            {
                "operation_id": match["id"],
                "service_arn": service_arn,
                "type": STREAM_TYPES.get(match["kind"], match["kind"].upper()),
                "status": status,
                "started_at": group["timestamp"].min(),
                "ended_at": group["timestamp"].max() if status != "IN_PROGRESS" else None,
                "updated_at": group["timestamp"].max(),
                "source": "service_log",
            }
        )
    return pd.DataFrame(rows, columns=OPERATIONS.columns.names)
