"""The audit log: one `actions` row per attempt, in the lake, written before the first write and again
at the end (same action_id: the lake keeps the last), so even a killed process leaves a row that says
`in_progress` and names the operation to check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from advisor.apply.state import ActionStatus, ConfigState
from advisor.errors import InputError
from advisor.lake import reader, writer
from advisor.lake.layout import Lake


@dataclass(frozen=True)
class ActionRecord:
    """One attempt to change a service: who, when, from what, to what, and how it ended."""

    action_id: str
    created_at: datetime
    actor: str
    service_arn: str
    kind: str  # apply | rollback
    source: str
    before: ConfigState
    after: ConfigState
    status: ActionStatus
    message: str
    operation_id: str | None = None
    rollback_of: str | None = None
    duration_s: float = 0.0

    def finished(self, status: ActionStatus, message: str, **changes: object) -> ActionRecord:
        return replace(self, status=status, message=message, **changes)  # type: ignore[arg-type]

    def to_row(self) -> dict[str, object]:
        return {
            "action_id": self.action_id,
            "created_at": self.created_at,
            "actor": self.actor,
            "service_arn": self.service_arn,
            "before": self.before.to_json(),
            "after": self.after.to_json(),
            "operation_id": self.operation_id,
            "status": str(self.status),
            "rollback_of": self.rollback_of,
            "message": self.message,
            "kind": self.kind,
            "source": self.source,
            "duration_s": float(self.duration_s),
        }

    @classmethod
    def from_row(cls, row: pd.Series) -> ActionRecord:
        return cls(
            action_id=row["action_id"],
            created_at=pd.Timestamp(row["created_at"]).to_pydatetime(),
            actor=row["actor"],
            service_arn=row["service_arn"],
            kind=row["kind"] or "apply",
            source=row["source"] or "",
            before=ConfigState.from_json(row["before"]),
            after=ConfigState.from_json(row["after"]),
            status=ActionStatus(row["status"]),
            message=row["message"] or "",
            operation_id=_optional(row["operation_id"]),
            rollback_of=_optional(row["rollback_of"]),
            duration_s=float(row["duration_s"]) if pd.notna(row["duration_s"]) else 0.0,
        )


def _optional(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def new_action_id() -> str:
    return uuid.uuid4().hex[:16]


def utc_now() -> datetime:
    return datetime.now(UTC)


def record(lake: Lake | str | Path, action: ActionRecord) -> None:
    """Write (or overwrite, by action_id) the action's row; atomic, so a reader never sees half of it."""
    writer.write(lake, "actions", pd.DataFrame([action.to_row()]))


def read_actions(lake: Lake | str | Path, service_arn: str | None = None) -> pd.DataFrame:
    """The audit log, newest first; optionally one service's."""
    frame = reader.read_table(lake, "actions")
    for column in ("operation_id", "rollback_of", "message", "kind", "source"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    if service_arn is not None:
        frame = frame[frame["service_arn"] == service_arn]
    return frame.sort_values("created_at", ascending=False, ignore_index=True)


def find_action(lake: Lake | str | Path, action_id: str) -> ActionRecord:
    frame = read_actions(lake)
    rows = frame[frame["action_id"] == action_id]
    if rows.empty:
        raise InputError(f"--action {action_id!r}: no such action in the audit log (see 'advisor actions')")
    return ActionRecord.from_row(rows.iloc[0])


def last_succeeded(lake: Lake | str | Path, service_arn: str) -> ActionRecord:
    """The newest action that verifiably changed the service: what a rollback undoes by default."""
    frame = read_actions(lake, service_arn)
    frame = frame[frame["status"] == str(ActionStatus.SUCCEEDED)]
    if frame.empty:
        raise InputError(
            "nothing to roll back: the audit log has no successful apply for this service "
            "(see 'advisor actions'; pass --action ID to roll back a specific one)"
        )
    return ActionRecord.from_row(frame.iloc[0])
