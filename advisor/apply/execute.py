"""Execute a plan: re-check, make room, create, update, wait, verify, and audit every outcome.

Each step that can fail maps to one known account state, recorded in the audit row's status and message:

| what failed                         | status    | the account                                         |
|-------------------------------------|-----------|-----------------------------------------------------|
| read-only mode, a check, the lock   | refused   | untouched                                           |
| deleting a revision to make room    | failed    | service untouched; revisions deleted so far listed  |
| CreateAutoScalingConfiguration      | failed    | service untouched                                   |
| UpdateService refused               | failed    | service untouched; our new revision deleted (or how) |
| UpdateService's answer lost         | (follows) | ListOperations names the operation it started, if any |
| the operation ended FAILED          | failed    | App Runner kept the old config; new revision deleted |
| the wait timed out                  | in_progress | the operation goes on: `advisor actions --refresh` |
| anything else after the first write | unknown   | the message lists what was done and what to check   |

A timed-out or killed apply leaves its row `in_progress`; `advisor.apply.reconcile` settles it later
from ListOperations and DescribeService.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from advisor.apply import checks
from advisor.apply.audit import ActionRecord, new_action_id, record, utc_now
from advisor.apply.locks import service_lock
from advisor.apply.naming import creation_tags
from advisor.apply.plan import Plan, current_state, same_values
from advisor.apply.state import ActionStatus
from advisor.errors import InputError
from advisor.lake.layout import Lake
from advisor.platform.base import Conflict, Operation, Platform, PlatformError, Refused

DEFAULT_TIMEOUT_S = 3600.0
DELETE_COMMAND = "aws apprunner delete-auto-scaling-configuration --auto-scaling-configuration-arn"
OPERATION_PAGE = 20  # ListOperations MaxResults at most; newest first
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "ROLLBACK_SUCCEEDED", "ROLLBACK_FAILED"})


@dataclass(frozen=True)
class ProgressEvent:
    step: str  # check | delete | create | update | wait | verify | cleanup | done
    message: str


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class Waiter:
    """How long and how often to poll ListOperations. App Runner updates take minutes (a deployment);
    real UpdateService operations have run 40 minutes, hence an hour by default."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    first_delay_s: float = 2.0
    max_delay_s: float = 30.0
    factor: float = 1.6
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        problem = timeout_problem(self.timeout_s)
        if problem:
            raise InputError(problem)


def timeout_problem(seconds: float) -> str | None:
    """A wait must be able to see the operation end: a timeout of 0, below 0 or not a number would
    send UpdateService and then report at once that it did not finish."""
    if math.isfinite(seconds) and seconds > 0:
        return None
    return (
        f"--timeout {seconds:g} is invalid: allowed a number of seconds above 0 "
        f"(default {DEFAULT_TIMEOUT_S:g})"
    )


@dataclass(frozen=True)
class ApplyResult:
    """How an attempt ended; `action` is the audit row as written."""

    action: ActionRecord

    @property
    def status(self) -> ActionStatus:
        return self.action.status

    @property
    def ok(self) -> bool:
        return self.status in (ActionStatus.SUCCEEDED, ActionStatus.NOOP)

    @property
    def succeeded(self) -> bool:
        """The service now runs the target (verified); `ok` also counts a no-op."""
        return self.status == ActionStatus.SUCCEEDED

    @property
    def message(self) -> str:
        return self.action.message

    @property
    def action_id(self) -> str:
        return self.action.action_id


def execute(
    plan: Plan,
    platform: Platform,
    *,
    lake: Lake | str | Path,
    allow_apply: bool | None = None,
    waiter: Waiter | None = None,
    progress: ProgressCallback | None = None,
) -> ApplyResult:
    """Carry out a plan and audit it. `allow_apply=None` reads ADVISOR_ALLOW_APPLY; without it nothing is
    written to AWS. Expected failures come back as a result (never raised); an unexpected exception is
    audited as `unknown` and raised."""
    run = _Run(plan, platform, Lake.of(lake), waiter or Waiter(), progress or (lambda event: None))
    allowed = checks.apply_allowed() if allow_apply is None else allow_apply
    if not allowed:
        return run.finish(ActionStatus.REFUSED, checks.READ_ONLY_MESSAGE)
    with service_lock(lake, plan.service_arn) as held:
        if not held:
            return run.finish(
                ActionStatus.REFUSED,
                f"another apply or rollback of {plan.service_name} is running: wait for it, then plan again",
            )
        return run.go()


class _Run:
    """One execution: what has been done so far, so every exit can say what state the account is in."""

    def __init__(
        self, plan: Plan, platform: Platform, lake: Lake, waiter: Waiter, progress: ProgressCallback
    ):
        self.plan, self.platform, self.lake, self.waiter, self.emit = plan, platform, lake, waiter, progress
        self.started = waiter.clock()
        self.deleted: list[str] = []
        self.created: str | None = None  # a revision this run created and has not deleted again
        self.cleaned = False
        self.cleanup_error = ""
        self.action = ActionRecord(
            action_id=new_action_id(),
            created_at=utc_now(),
            actor=platform.actor(),
            service_arn=plan.service_arn,
            kind=plan.kind,
            source=plan.source,
            before=plan.before,
            after=plan.target,
            status=ActionStatus.IN_PROGRESS,
            message="started",
            rollback_of=plan.rollback_of,
        )

    # -- the sequence ---------------------------------------------------------------------------------

    def go(self) -> ApplyResult:
        try:
            problem = self._precheck()
        except PlatformError as exc:
            return self.finish(
                ActionStatus.FAILED, f"could not check the service: {exc}. Nothing was changed."
            )
        if problem:
            return self.finish(ActionStatus.REFUSED, problem)
        if self.plan.noop:
            return self.finish(ActionStatus.NOOP, f"the service already runs {self.plan.target.label()}")
        record(self.lake, self.action)  # before the first write: a killed process still leaves a trace
        try:
            return self._write_and_wait()
        except BaseException as exc:  # not one of the failures handled below: say what was done, re-raise
            self.finish(ActionStatus.UNKNOWN, f"interrupted by {type(exc).__name__}: {exc}. {self._check()}")
            raise

    def _precheck(self) -> str | None:
        """The plan's own refusals, then the live service again: it must still be RUNNING and unchanged."""
        self.emit(ProgressEvent("check", f"checking {self.plan.service_name}"))
        if self.plan.refusals:
            return "; ".join(self.plan.refusals)
        service = self.platform.describe_service(self.plan.service_arn)
        live = current_state(self.platform, service)
        return checks.service_status_problem(service) or checks.drift_problem(self.plan.before, live)

    def _write_and_wait(self) -> ApplyResult:
        try:
            target_arn = self._created_since_plan()
            if target_arn is None:
                self._make_room()
                target_arn = self._create()
        except PlatformError as exc:
            return self.finish(ActionStatus.FAILED, f"{exc}. {self._so_far()}")
        try:
            known = self._operation_ids()
        except PlatformError as exc:  # before UpdateService: nothing started, our revision is unused
            self._delete_created()
            return self.finish(ActionStatus.FAILED, f"could not list the operations: {exc}. {self._so_far()}")
        try:
            operation_id = self.platform.update_service(
                self.plan.service_arn, target_arn, self.plan.instance_change
            )
        except Refused as exc:
            return self._update_refused(exc)
        except PlatformError as exc:
            found = self._started_despite(exc, known)
            if isinstance(found, ApplyResult):
                return found
            operation_id = found
        self.action = replace(self.action, operation_id=operation_id)
        record(self.lake, self.action)
        self.emit(ProgressEvent("update", f"UpdateService started operation {operation_id}"))
        try:
            operation, last_status = self._wait(operation_id)
        except PlatformError as exc:
            return self.finish(
                ActionStatus.UNKNOWN, f"could not follow the operation: {exc}. {self._check()}"
            )
        if operation is None:
            return self._timed_out(last_status)
        if operation.status != "SUCCEEDED":
            return self._operation_failed(operation)
        return self._verify(target_arn)

    def _make_room(self) -> None:
        for rev in self.plan.deletions:
            if self.platform.services_using(rev.arn):  # it was unused at plan time; check again
                raise Conflict(
                    "apprunner:DeleteAutoScalingConfiguration failed: InUse: "
                    f"{rev.arn} is now used by a service, so there is no room: plan again"
                )
            self.emit(ProgressEvent("delete", f"deleting {rev.name} revision {rev.revision} to make room"))
            self.platform.delete_revision(rev.arn)
            self.deleted.append(rev.arn)

    def _created_since_plan(self) -> str | None:
        """A revision with the target values that appeared after the plan (another service's apply in the
        same fleet run made it): reuse it rather than spend a revision on a copy."""
        target = self.plan.target
        if target.arn is not None:
            return None
        same = same_values(self.platform, target.scaling, prefer=self.plan.config_name)
        if same is None:
            return None
        self.emit(
            ProgressEvent("create", f"reusing {same.name} revision {same.revision}, made since the plan")
        )
        self.action = replace(self.action, after=target.with_revision(same.arn, same.name, same.revision))
        return same.arn

    def _create(self) -> str:
        target = self.plan.target
        if target.arn is not None:
            return target.arn
        self.emit(
            ProgressEvent("create", f"creating a revision of {self.plan.config_name}: {target.scaling}")
        )
        tags = creation_tags(self.action.action_id)
        revision = self.platform.create_revision(self.plan.config_name, target.scaling, tags)
        self.created = revision.arn
        self.action = replace(
            self.action, after=target.with_revision(revision.arn, revision.name, revision.revision)
        )
        record(self.lake, self.action)  # the revision it will move to: a killed run still names it
        return revision.arn

    def _wait(self, operation_id: str) -> tuple[Operation | None, str]:
        """(the ended operation, its status), or (None, the last status seen) at the timeout."""
        w = self.waiter
        deadline, delay, status = w.clock() + w.timeout_s, w.first_delay_s, "NOT_LISTED"
        while True:
            operation = self.platform.operation(self.plan.service_arn, operation_id)
            status = operation.status if operation else "NOT_LISTED"
            self.emit(ProgressEvent("wait", f"operation {operation_id}: {status}"))
            if operation is not None and status in TERMINAL:
                return operation, status
            remaining = deadline - w.clock()
            if remaining <= 0:
                return None, status
            w.sleep(min(delay, remaining))
            delay = min(delay * w.factor, w.max_delay_s)

    def _verify(self, target_arn: str) -> ApplyResult:
        self.emit(ProgressEvent("verify", "checking the service runs the target"))
        service = self.platform.describe_service(self.plan.service_arn)
        live = current_state(self.platform, service)
        wanted = self.action.after
        if live.arn == target_arn and live.same_values(wanted) and service.status == "RUNNING":
            housekeeping = f" {self._so_far()}" if self.deleted else ""
            return self.finish(
                ActionStatus.SUCCEEDED, f"the service runs {live.label()} (verified).{housekeeping}"
            )
        return self.finish(
            ActionStatus.UNKNOWN,
            f"the operation SUCCEEDED but DescribeService shows {live.label()} in status "
            f"{service.status}, not {wanted.label()}. {self._check()}",
        )

    # -- failures -------------------------------------------------------------------------------------

    def _update_refused(self, exc: Refused) -> ApplyResult:
        """App Runner refused UpdateService: nothing started, so our new revision is unused."""
        self._delete_created()
        return self.finish(
            ActionStatus.FAILED,
            f"UpdateService was refused: {exc}. The service still runs {self.plan.before.label()}. "
            f"{self._so_far()}",
        )

    def _operation_ids(self) -> set[str]:
        return {op.id for op in self.platform.operations(self.plan.service_arn, limit=OPERATION_PAGE)}

    def _started_despite(self, exc: PlatformError, known: set[str]) -> str | ApplyResult:
        """UpdateService failed without a refusal (a fault, an answer lost after retries): the update
        may have started. ListOperations says: a new UPDATE_SERVICE operation is ours (follow it);
        none, with the service still on its old revision and RUNNING, means nothing started."""
        try:
            new = [
                op
                for op in self.platform.operations(self.plan.service_arn, limit=OPERATION_PAGE)
                if op.id not in known and op.type == "UPDATE_SERVICE"
            ]
            service = self.platform.describe_service(self.plan.service_arn)
        except PlatformError as again:
            return self.finish(
                ActionStatus.UNKNOWN, f"{exc}; the update may have started ({again}). {self._check()}"
            )
        if len(new) == 1:
            self.emit(ProgressEvent("update", f"UpdateService failed ({exc}) but started {new[0].id}"))
            return new[0].id
        untouched = service.scaling is not None and service.scaling.arn == self.plan.before.arn
        if not new and untouched and service.status == "RUNNING":
            self._delete_created()
            return self.finish(
                ActionStatus.FAILED,
                f"UpdateService failed: {exc}. ListOperations shows no update started and the service "
                f"still runs {self.plan.before.label()}. {self._so_far()}",
            )
        return self.finish(ActionStatus.UNKNOWN, f"{exc}; the update may have started. {self._check()}")

    def _operation_failed(self, operation: Operation) -> ApplyResult:
        service = self.platform.describe_service(self.plan.service_arn)
        live = current_state(self.platform, service)
        if live.arn == self.plan.before.arn:
            self._delete_created()
            return self.finish(
                ActionStatus.FAILED,
                f"operation {operation.id} ended {operation.status}; App Runner kept the service "
                f"on {live.label()}. The service's event log (App Runner console) says why. {self._so_far()}",
            )
        return self.finish(
            ActionStatus.UNKNOWN,
            f"operation {operation.id} ended {operation.status} and the service now runs "
            f"{live.label()}. {self._check()}",
        )

    def _timed_out(self, last_status: str) -> ApplyResult:
        """The operation goes on without us: the row stays in_progress until `actions --refresh` (or the
        next apply or rollback of the service) reads how it ended."""
        return self.finish(
            ActionStatus.IN_PROGRESS,
            f"operation {self.action.operation_id} was still {last_status} after "
            f"{self.waiter.timeout_s:g} s and goes on without the advisor. "
            f"When it ends, the service runs {self.action.after.label()} if it SUCCEEDED, or stays on "
            f"{self.plan.before.label()} if it FAILED: 'advisor actions --refresh' records which. "
            f"{self._check()}",
        )

    def _delete_created(self) -> bool:
        """Remove the revision this run created (it would hold a quota slot for nothing)."""
        if self.created is None:
            return False
        try:
            self.emit(ProgressEvent("cleanup", f"deleting the unused new revision {self.created}"))
            self.platform.delete_revision(self.created)
        except PlatformError as exc:
            self.cleanup_error = str(exc)
            return False
        self.created, self.cleaned = None, True
        return True

    # -- the record -----------------------------------------------------------------------------------

    def _so_far(self) -> str:
        done = [f"deleted revision {arn} to make room" for arn in self.deleted]
        if self.cleaned:
            done.append("the new revision was deleted again")
        if self.created:
            why = f" (deleting it failed: {self.cleanup_error})" if self.cleanup_error else ""
            command = f"{DELETE_COMMAND} {self.created}"
            done.append(
                f"created revision {self.created}, which was kept{why}; if no service uses it, "
                f"delete it with '{command}'"
            )
        return ("Done: " + "; ".join(done) + ".") if done else "Nothing was changed."

    def _check(self) -> str:
        return (
            f"Check with 'aws apprunner list-operations --service-arn {self.plan.service_arn}' and "
            f"'aws apprunner describe-service --service-arn {self.plan.service_arn}'. {self._so_far()}"
        )

    def finish(self, status: ActionStatus, message: str) -> ApplyResult:
        if self.plan.overridden and status is not ActionStatus.REFUSED:
            message += " Forced past: " + "; ".join(self.plan.overridden)
        duration = max(0.0, self.waiter.clock() - self.started)
        self.action = self.action.finished(status, message, duration_s=duration)
        record(self.lake, self.action)
        self.emit(ProgressEvent("done", f"{status}: {message}"))
        return ApplyResult(self.action)
