"""Rollback: back to the configuration a service ran before an action, through the same plan, checks,
execution and audit as any apply (a rollback is an apply whose target comes from the audit log).

The exact revision is restored when it is still ACTIVE; if it was deleted since, a revision with the
same values is created under the advisor's name (App Runner cannot revive a deleted revision).
"""

from __future__ import annotations

from pathlib import Path

from advisor.apply.audit import find_action, last_succeeded
from advisor.apply.plan import Plan, build_plan, current_state
from advisor.apply.reconcile import reconcile
from advisor.apply.state import ROLLBACKABLE, ActionStatus
from advisor.errors import InputError
from advisor.lake.layout import Lake
from advisor.platform.base import Platform


def plan_rollback(
    platform: Platform,
    service: str,
    *,
    lake: Lake | str | Path,
    action_id: str | None = None,
    force: bool = False,
) -> Plan:
    """The plan that undoes an action (default: the service's last successful one)."""
    described = platform.find_service(service)
    arn = described.arn
    reconcile(lake, lambda _region: platform, arn)  # an interrupted apply is settled before it is chosen
    action = find_action(lake, action_id) if action_id else last_succeeded(lake, arn)
    if action.service_arn != arn:
        raise InputError(f"--action {action.action_id} changed {action.service_arn}, not {arn}")
    if action.status is ActionStatus.IN_PROGRESS:
        raise InputError(
            f"--action {action.action_id} is still in progress (its operation has not ended): wait for it, "
            "then 'advisor actions --refresh' and roll back"
        )
    if action.status not in ROLLBACKABLE:
        raise InputError(
            f"--action {action.action_id} ended {action.status}: it did not change the service, "
            "so there is nothing to roll back"
        )
    live = current_state(platform, described)
    forceable = []
    if action.after.arn is not None and live.arn != action.after.arn and live.arn != action.before.arn:
        forceable.append(
            f"the service changed after action {action.action_id} (it set {action.after.label()}, the "
            f"service now runs {live.label()}): rolling back would also undo that later change; "
            "pass --force to do it"
        )
    return build_plan(
        platform,
        described,
        live,
        action.before,
        kind="rollback",
        source=f"rollback of action {action.action_id}",
        forceable=forceable,
        force=force,
        rollback_of=action.action_id,
    )
