"""`advisor migrate-whatif` on the lake: each service's demand replayed on App Runner, ECS Express and
Fargate (engine/migrate.py), with the plan that would move it (migrate/plan.py), one row per service.

A what-if starts from the service's recommendation (its capacity model, calibration and the configuration
the advisor recommends). The stored one is reused when it was made from the lake's current data (its
`generated_at` is the service's newest metric minute, recommend/pipeline.py); otherwise the engine
recommends again, as `advisor recommend` would, without writing anything.

Services moved together share an Application Load Balancer: one per region and VPC, up to 25 services
on each (reference/ecs-express.md), so the ALB's hourly charge is split between them unless the caller
fixes the share. One service's failure is its own row, not the fleet's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine import recommender
from advisor.engine.explain import INSUFFICIENT_DATA, NO_TRAFFIC, Recommendation
from advisor.engine.migrate import TARGETS, MigrateSettings, MigrationWhatIf, migrate_whatif
from advisor.engine.recommender import RecommendSettings
from advisor.errors import InputError
from advisor.lake import recommendations as stored
from advisor.lake.layout import Lake
from advisor.lake.reader import wide_metrics
from advisor.lake.views import ServiceRecord, services
from advisor.migrate.plan import ExpressPlan, ServiceInventory, express_plan
from advisor.recommend.pipeline import generated_at, inventory, recommend_record, select

MAX_SERVICES_PER_ALB = 25  # an ALB's rules and target groups (reference/ecs-express.md §ALB)

PAUSED = "paused: it serves no traffic and bills nothing, so there is no move to price; resume it first"

# Called after each service: (its name, services done, services in all); the CLI draws a progress bar.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ServiceMigration:
    """One service's what-if and plan, or the error that stopped it."""

    service_name: str
    service_arn: str
    region: str
    whatif: MigrationWhatIf | None = None
    plan: ExpressPlan | None = None
    error: str | None = None
    reused: bool = False  # started from the stored recommendation (not recommended again)
    skipped: str | None = None  # why there is nothing to compare (a paused service): not a failure

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class FleetMigration:
    lake: Path | None  # None: an offline file's service
    outcomes: list[ServiceMigration] = field(default_factory=list)

    @property
    def failed(self) -> list[ServiceMigration]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    def totals(self) -> dict[str, float]:
        """Monthly USD per target over the services that have a what-if (a failed one adds nothing)."""
        done = [o.whatif for o in self.outcomes if o.whatif is not None]
        return {t: sum(w.targets[t].monthly_cost_usd for w in done) for t in TARGETS}


def stored_recommendation(
    lake: Lake | str | Path, service: ServiceRecord, frame: pd.DataFrame, now: datetime, *, fresh: bool = True
) -> Recommendation | None:
    """The service's stored recommendation for the configuration it runs; with `fresh`, only when it
    was made from exactly this data (its newest metric minute); else None."""
    rec = stored.find(lake, service.service_arn, stored.LATEST, evidence=True)
    if rec is None or rec.evidence_json is None:
        return None
    if fresh and pd.Timestamp(rec.generated_at) != pd.Timestamp(generated_at(frame, now)):
        return None
    evidence = rec.evidence
    same = evidence.current == service.scaling and evidence.instance == service.instance
    return evidence if same else None


def migrate_service(
    lake: Lake | str | Path,
    service: ServiceRecord,
    settings: MigrateSettings = MigrateSettings(),
    *,
    recommend: RecommendSettings = RecommendSettings(),
    details: ServiceInventory | None = None,
    stored_only: bool = False,
    now: datetime | None = None,
) -> ServiceMigration:
    """One service of the lake through the migration what-if and the Express plan.

    `stored_only` (the report's way): start from the latest stored recommendation even when newer
    data came in since, and recommend nothing anew (a service without one says so)."""
    name, arn, region = service.service_name, service.service_arn, service.region
    if service.status.upper() == "PAUSED":
        return ServiceMigration(name, arn, region, skipped=PAUSED)
    try:
        frame = wide_metrics(lake, arn)
        rec = stored_recommendation(lake, service, frame, now or datetime.now(UTC), fresh=not stored_only)
        reused = rec is not None
        if rec is None and stored_only:
            raise InputError("no stored recommendation for its configuration: run 'advisor recommend'")
        if rec is None:
            rec = recommend_record(lake, service, frame, recommend)
        whatif = migrate_whatif(  # a refused recommendation: the engine replays the current config, noted
            frame, service.scaling, service.instance, region, recommendation=rec, settings=settings
        )
    except Exception as exc:  # one broken service must not stop the fleet
        return ServiceMigration(name, arn, region, error=_why(exc))
    try:
        plan = express_plan(details or _inventory(lake, arn), whatif)
    except Exception as exc:  # the what-if stands; only the plan failed
        return ServiceMigration(name, arn, region, whatif, error=f"plan: {_why(exc)}")
    return ServiceMigration(name, arn, region, whatif, plan, reused=reused)


def _why(exc: Exception) -> str:
    """An error as its row says it: bad input in its own words, anything else with its kind."""
    return str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"


def _inventory(lake: Lake | str | Path, arn: str) -> ServiceInventory:
    """The service's setup as its latest inventory snapshot recorded it."""
    latest = services(lake)
    return ServiceInventory.from_row(latest[latest["service_arn"] == arn].iloc[-1].to_dict())


def alb_groups(inventories: list[ServiceInventory]) -> dict[str, int]:
    """Each service's ALB share (by ARN): the services moved together in its region and VPC, in runs of
    at most 25 per load balancer (a 26th service in a VPC starts a second one)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for inv in inventories:
        groups.setdefault((inv.region, inv.vpc_key), []).append(inv.arn)
    shares = {}
    for arns in groups.values():
        for start in range(0, len(arns), MAX_SERVICES_PER_ALB):
            run = arns[start : start + MAX_SERVICES_PER_ALB]
            shares.update(dict.fromkeys(run, len(run)))
    return shares


def migrate_lake(
    lake: Lake | str | Path,
    names: tuple[str, ...] = (),
    settings: MigrateSettings = MigrateSettings(),
    *,
    alb_services: int | None = None,
    recommend: RecommendSettings = RecommendSettings(),
    stored_only: bool = False,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> FleetMigration:
    """Every selected service (by name or ARN; all but deleted ones by default) through the what-if.

    `alb_services` fixes how many services share each ALB; None shares it between the services moved
    together (these) per region and VPC. `stored_only`: as `migrate_service`'s."""
    root = Lake.existing(lake).root
    now = now or datetime.now(UTC)
    chosen = select(inventory(lake), tuple(names), root)
    rows = chosen.to_dict("records")
    moving = [ServiceInventory.from_row(row) for row in rows if str(row["status"]).upper() != "PAUSED"]
    shares = alb_groups(moving)
    details = {inv.arn: inv for inv in moving}
    outcomes = []
    for done, row in enumerate(rows, start=1):
        record = ServiceRecord.from_row(row)
        share = alb_services or shares.get(record.service_arn, 1)
        outcome = migrate_service(
            lake,
            record,
            replace(settings, alb_services=share),
            recommend=recommend,
            details=details.get(record.service_arn),
            stored_only=stored_only,
            now=now,
        )
        outcomes.append(outcome)
        if progress is not None:
            progress(record.service_name, done, len(rows))
    return FleetMigration(root, outcomes)


def migrate_offline(
    frame: pd.DataFrame,
    current: ScalingConfig,
    instance: InstanceSize,
    region: str,
    settings: MigrateSettings = MigrateSettings(),
    recommend: RecommendSettings = RecommendSettings(),
) -> MigrationWhatIf:
    """A file's service (a trace's synthesized metrics, or exported CloudWatch metrics) through the
    what-if. A file too short or without traffic is bad input (export a longer span); one too light
    to measure its capacity is replayed under its current configuration, as a lake's is, and noted."""
    rec = recommender.recommend(frame, current, instance, region, recommend)
    too_short = rec.status == INSUFFICIENT_DATA and rec.data.days < recommend.min_days
    if too_short or rec.status == NO_TRAFFIC:
        raise InputError(f"no what-if: {rec.data_rule}")
    return migrate_whatif(frame, current, instance, region, recommendation=rec, settings=settings)


def offline_fleet(
    source: str,
    frame: pd.DataFrame,
    current: ScalingConfig,
    instance: InstanceSize,
    region: str,
    settings: MigrateSettings = MigrateSettings(),
    recommend: RecommendSettings = RecommendSettings(),
) -> FleetMigration:
    """The file's one service as a fleet of one (named for the file), so it renders as the lake's do;
    its plan knows nothing of the service's setup, and says what it had to assume."""
    whatif = migrate_offline(frame, current, instance, region, settings, recommend)
    unknown = ServiceInventory(
        name=Path(source).stem, arn="", region=region, instance=instance, setup_known=False
    )
    return FleetMigration(None, [ServiceMigration(source, "", region, whatif, express_plan(unknown, whatif))])


def write_plans(fleet: FleetMigration, directory: Path) -> list[Path]:
    """Each planned service's request, template and steps under DIR/REGION/SERVICE/ (names repeat
    across regions); the files written."""
    written = []
    for o in fleet.outcomes:
        if o.plan is None:
            continue
        folder = directory / o.plan.region / o.plan.service_name
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in o.plan.files().items():
            (folder / name).write_text(text)
            written.append(folder / name)
    return written
