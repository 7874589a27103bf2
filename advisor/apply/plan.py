"""The plan: the exact change, computed with read calls only, shown to a person before anything is done.

A plan names the configuration the service runs now, the one it will run, and every write call that
will be made, in order. It also carries the checks that failed (`refusals`): `execute` refuses a plan
with any, so the dashboard can show the diff and the reason side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from advisor.apply import checks
from advisor.apply.audit import utc_now
from advisor.apply.naming import config_name_for
from advisor.apply.quota import make_room
from advisor.apply.recommendations import latest_metrics_time, load_recommendation
from advisor.apply.reconcile import reconcile
from advisor.apply.state import ConfigState
from advisor.domain import InstanceSize, ScalingConfig
from advisor.errors import InputError
from advisor.lake.layout import Lake
from advisor.platform.base import NotFound, Platform, Revision, RevisionSummary, Service


@dataclass(frozen=True)
class Step:
    """One AWS call the plan will make: the IAM action, what it acts on, and why."""

    action: str
    target: str
    why: str


@dataclass(frozen=True)
class DiffRow:
    field: str
    current: str
    target: str

    @property
    def changed(self) -> bool:
        return self.current != self.target


@dataclass(frozen=True)
class Plan:
    """The exact change to one service. Build with `plan_apply` or `plan_rollback`; run with `execute`."""

    service_arn: str
    service_name: str
    region: str
    service_status: str
    before: ConfigState
    target: ConfigState  # arn set: point at that existing revision; None: create it under config_name
    config_name: str
    kind: str  # apply | rollback
    source: str
    noop: bool
    deletions: tuple[RevisionSummary, ...] = ()
    refusals: tuple[str, ...] = ()
    overridden: tuple[str, ...] = ()  # problems --force let through, kept for the audit log
    notes: tuple[str, ...] = ()  # what a person should know that blocks nothing (quotas not readable)
    rollback_of: str | None = None
    planned_at: datetime = field(default_factory=utc_now)

    @property
    def ok(self) -> bool:
        return not self.refusals

    @property
    def creates(self) -> bool:
        return not self.noop and self.target.arn is None

    @property
    def instance_change(self) -> InstanceSize | None:
        return None if self.target.instance == self.before.instance else self.target.instance

    @property
    def steps(self) -> tuple[Step, ...]:
        if self.noop:
            return ()
        steps = [
            Step(
                "apprunner:DeleteAutoScalingConfiguration",
                rev.arn,
                f"make room under the quota: {rev.name} revision {rev.revision} is the advisor's own and "
                "no service uses it",
            )
            for rev in self.deletions
        ]
        if self.creates:
            steps.append(
                Step(
                    "apprunner:CreateAutoScalingConfiguration",
                    self.config_name,
                    f"a new revision of {self.config_name} with {self.target.scaling}",
                )
            )
        where = (
            f"{self.target.name} revision {self.target.revision}" if self.target.arn else "the new revision"
        )
        size = f" and {self.instance_change}" if self.instance_change else ""
        steps += [
            Step("apprunner:UpdateService", self.service_arn, f"point {self.service_name} at {where}{size}"),
            Step("apprunner:ListOperations", self.service_arn, "wait until the update operation ends"),
            Step("apprunner:DescribeService", self.service_arn, "verify the service runs the target"),
        ]
        return tuple(steps)

    def diff(self) -> list[DiffRow]:
        b, t = self.before, self.target
        config = f"{t.name} rev {t.revision}" if t.arn else f"{self.config_name} (new revision)"
        if self.noop:
            config = f"{b.name} rev {b.revision}"
        return [
            DiffRow("MaxConcurrency", str(b.scaling.max_concurrency), str(t.scaling.max_concurrency)),
            DiffRow("MinSize", str(b.scaling.min_size), str(t.scaling.min_size)),
            DiffRow("MaxSize", str(b.scaling.max_size), str(t.scaling.max_size)),
            DiffRow("Instance", str(b.instance), str(t.instance)),
            DiffRow("Configuration", f"{b.name} rev {b.revision}", config),
        ]


def current_state(platform: Platform, service: Service) -> ConfigState:
    """The configuration a service runs: the service names the revision, the revision gives its numbers."""
    ref = service.scaling
    if ref is None:
        raise InputError(f"{service.name}: DescribeService shows no auto scaling configuration")
    revision = platform.describe_revision(ref.arn)
    return ConfigState(ref.arn, ref.name, ref.revision, revision.settings, service.instance)


def plan_apply(
    platform: Platform,
    service: str,
    *,
    lake: Lake | str | Path,
    recommendation: str | None = None,
    values: ScalingConfig | None = None,
    instance: InstanceSize | None = None,
    force: bool = False,
) -> Plan:
    """The change to a service: a stored recommendation ("latest" or an id) or explicit values."""
    if (recommendation is None) == (values is None):
        raise InputError("give either a recommendation (latest or an id) or explicit values, not both")
    described = platform.find_service(service)
    reconcile(lake, lambda _region: platform, described.arn)  # settle an interrupted earlier apply
    live = current_state(platform, described)
    forceable: list[str] = []
    if recommendation is not None:
        rec = load_recommendation(lake, described.arn, recommendation)
        assert rec.recommended is not None  # load_recommendation refuses one that proposes nothing
        scaling, size, source = rec.recommended, rec.recommended_instance, f"recommendation {rec.id}"
        forceable += checks.recommendation_problems(rec, live, latest_metrics_time(lake, described.arn))
    else:
        assert values is not None
        scaling, size, source = values, instance or live.instance, "explicit values"
    quota = checks.quota_value_problem(scaling, platform.quotas())
    forceable += [quota] if quota else []
    wanted = ConfigState(None, None, None, scaling, size)
    return build_plan(
        platform, described, live, wanted, kind="apply", source=source, forceable=forceable, force=force
    )


def build_plan(
    platform: Platform,
    service: Service,
    live: ConfigState,
    wanted: ConfigState,
    *,
    kind: str,
    source: str,
    forceable: list[str],
    force: bool,
    rollback_of: str | None = None,
) -> Plan:
    """Where the target lives (an existing revision, or a new one and the room it needs), plus checks."""
    hard = [p for p in (checks.service_status_problem(service),) if p]
    name = config_name_for(wanted.scaling)
    noop = live.arn == wanted.arn if wanted.arn else live.same_values(wanted)
    target: ConfigState = wanted
    deletions: tuple[RevisionSummary, ...] = ()
    if not noop:
        target, deletions, room_problem = _place(platform, name, wanted)
        hard += [room_problem] if room_problem else []
    return Plan(
        service_arn=service.arn,
        service_name=service.name,
        region=platform.region,
        service_status=service.status,
        before=live,
        target=live if noop else target,
        config_name=target.name if not noop and target.arn is None and target.name else name,
        kind=kind,
        source=source,
        noop=noop,
        deletions=deletions,
        refusals=tuple(hard + ([] if force else forceable)),
        overridden=tuple(forceable if force else []),
        rollback_of=rollback_of,
        notes=_creation_notes(platform, name, target) if not noop and target.arn is None else (),
    )


def _creation_notes(platform: Platform, name: str, target: ConfigState) -> tuple[str, ...]:
    quotas = platform.quotas()
    notes = [quotas.note] if quotas.note else []
    if target.name and target.name != name:
        notes.append(
            f"every configuration name of {platform.region} is taken ({quotas.config_names}): the new "
            f"values go in as a revision of the advisor's {target.name} (a service is bound to a revision, "
            f"so its other services keep theirs), not under a name of their own, {name}"
        )
    return tuple(notes)


def _place(
    platform: Platform, name: str, wanted: ConfigState
) -> tuple[ConfigState, tuple[RevisionSummary, ...], str | None]:
    """The exact revision asked for if still ACTIVE; else any ACTIVE revision in the region with the same
    values, whoever made it (sharing costs no quota); else a new revision named for the values, with the
    deletions that make room."""
    if wanted.arn is not None:
        active = _active_revision(platform, wanted.arn)
        if active is not None and active.settings == wanted.scaling:
            return wanted, (), None
        wanted = ConfigState(None, None, None, wanted.scaling, wanted.instance)  # gone: recreate its values
    same = same_values(platform, wanted.scaling, prefer=name)
    if same is not None:
        return wanted.with_revision(same.arn, same.name, same.revision), (), None
    room = make_room(platform, name, platform.revisions(name))
    if room.spill is not None:  # every name taken: a revision under a name of the advisor's with room
        return ConfigState(None, room.spill, None, wanted.scaling, wanted.instance), (), None
    return ConfigState(None, name, None, wanted.scaling, wanted.instance), room.deletions, room.problem


def same_values(platform: Platform, scaling: ScalingConfig, *, prefer: str) -> RevisionSummary | None:
    """An ACTIVE revision with exactly these values: the one named `prefer` first, then the others by
    name, newest revision first (a person's or Terraform's is as good as ours: configurations are shared
    by value and a service is bound to a revision, so a later revision of that name does not move it)."""
    revisions = platform.revisions()
    order = sorted(revisions, key=lambda r: (r.name != prefer, r.name, -r.revision))
    for rev in order:
        if rev.status in (None, "ACTIVE") and platform.describe_revision(rev.arn).settings == scaling:
            return rev
    return None


def _active_revision(platform: Platform, arn: str) -> Revision | None:
    try:
        revision = platform.describe_revision(arn)
    except NotFound:
        return None
    return revision if revision.status == "ACTIVE" else None
