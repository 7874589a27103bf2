"""Settle audit rows that an apply could not finish: it timed out, was killed, or lost track.

Such a row says `in_progress` (or `timed_out` / `unknown`, as older versions and crashes wrote it) while
App Runner has long since finished. ListOperations says how the operation ended; DescribeService says
which revision the service runs now. Together they settle the row, so that the audit log tells the truth
and a rollback finds the action it must undo. `advisor actions --refresh` runs this for every unsettled
row; `plan_apply` and `plan_rollback` run it for their service first.

A row is only settled while no apply of its service is running (the service lock): a live apply owns
its row until it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from advisor.apply.audit import ActionRecord, read_actions, record
from advisor.apply.locks import service_lock
from advisor.apply.state import ActionStatus
from advisor.lake.layout import Lake
from advisor.platform.base import Operation, Platform, PlatformError, Service

UNSETTLED = frozenset({ActionStatus.IN_PROGRESS, ActionStatus.TIMED_OUT, ActionStatus.UNKNOWN})
RUNNING_OPERATION = frozenset({"PENDING", "IN_PROGRESS", "ROLLBACK_IN_PROGRESS"})


@dataclass(frozen=True)
class Settled:
    """What a refresh found for one unsettled row: its status before and after (the same: still open)."""

    action_id: str
    service_arn: str
    was: ActionStatus
    now: ActionStatus
    message: str

    @property
    def changed(self) -> bool:
        return self.was != self.now


def unsettled(lake: Lake | str | Path, service_arn: str | None = None) -> list[ActionRecord]:
    """Audit rows whose outcome App Runner knows and the audit log does not yet, oldest first."""
    frame = read_actions(lake, service_arn)
    frame = frame[frame["status"].isin([str(s) for s in UNSETTLED])]
    return [ActionRecord.from_row(row) for _, row in frame.iloc[::-1].iterrows()]


def reconcile(
    lake: Lake | str | Path,
    platform_for: Callable[[str], Platform],
    service_arn: str | None = None,
) -> list[Settled]:
    """Settle every unsettled row (of one service, or all); `platform_for(region)` reaches its region."""
    found = []
    for action in unsettled(lake, service_arn):
        region = action.service_arn.split(":")[3]
        with service_lock(lake, action.service_arn) as held:
            if not held:
                continue
            try:
                outcome = settle(action, platform_for(region))
            except PlatformError as exc:
                found.append(
                    Settled(action.action_id, action.service_arn, action.status, action.status, str(exc))
                )
                continue
        if outcome.changed:
            record(lake, action.finished(outcome.now, outcome.message))
        found.append(outcome)
    return found


def settle(action: ActionRecord, platform: Platform) -> Settled:
    """How the action ended, from its operation (when the row names one) and the service as it is now."""
    operation = platform.operation(action.service_arn, action.operation_id) if action.operation_id else None
    service = platform.describe_service(action.service_arn)
    live_arn = service.scaling.arn if service.scaling else None
    on_before = live_arn == action.before.arn
    on_target = live_arn is not None and not on_before and _runs_target(platform, action, live_arn, service)

    def outcome(status: ActionStatus, why: str) -> Settled:
        return Settled(
            action.action_id, action.service_arn, action.status, status, f"{why} (settled by refresh)"
        )

    if operation is not None and operation.status in RUNNING_OPERATION:
        return Settled(
            action.action_id,
            action.service_arn,
            action.status,
            action.status,
            f"operation {operation.id} is still {operation.status}",
        )
    if service.status == "OPERATION_IN_PROGRESS" and operation is None:
        return Settled(
            action.action_id, action.service_arn, action.status, action.status, "an operation is in progress"
        )
    if on_target:
        return outcome(ActionStatus.SUCCEEDED, f"{_ended(operation)}the service runs {action.after.label()}")
    if on_before:
        return outcome(
            ActionStatus.FAILED,
            f"{_ended(operation)}the service still runs {action.before.label()}: "
            "the action did not change it",
        )
    return outcome(
        ActionStatus.UNKNOWN,
        f"{_ended(operation)}the service runs {live_arn}, neither the action's before nor its after",
    )


def _runs_target(platform: Platform, action: ActionRecord, live_arn: str, service: Service) -> bool:
    """The service is on the action's revision, or (a row written before its revision existed) on one
    with the action's values."""
    if action.after.arn is not None:
        return live_arn == action.after.arn
    live = platform.describe_revision(live_arn)
    return live.settings == action.after.scaling and service.instance == action.after.instance


def _ended(operation: Operation | None) -> str:
    return f"operation {operation.id} ended {operation.status}; " if operation else ""
