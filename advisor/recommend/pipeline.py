"""`advisor recommend` on the lake: every collected service through the engine, one row each back in the lake.

For each service of the latest inventory snapshot (or the named ones) this reads its wide metrics frame,
calls the engine's `recommend` with the service's current configuration, instance size and region, and
writes one `recommendations` row per service. The row's `generated_at` is the newest metric minute the
recommendation saw, so running it again on the same data replaces the row instead of adding one.

A paused service, or one with too little data, gets a row that says why and recommends nothing; a
service whose recommendation fails is reported and the others still land.

The engine's model check compares its bill with Cost Explorer's (`costs`, collected where the account
allows it) and replays the current configuration only over the minutes since it took effect:
the same configuration timeline the cost report bills by (inventory snapshots and the advisor's own
actions, report/timeline.py) says when that was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from advisor.apply.audit import read_actions
from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.explain import Recommendation
from advisor.engine.recommender import RecommendSettings, recommend, refusal, summarize_data
from advisor.errors import InputError, LakeError
from advisor.lake.layout import Lake
from advisor.lake.reader import read_table, wide_metrics
from advisor.lake.recommendations import Row, lake_row
from advisor.lake.views import ServiceRecord, daily_costs, services
from advisor.lake.writer import write
from advisor.report.timeline import config_timeline

# Called after each service: (its name, services done, services in all); the CLI draws a progress bar.
Progress = Callable[[str, int, int], None]

PAUSED = "paused"
SKIPPED_STATUSES = ("DELETED",)  # still in old snapshots, but nothing left to size


@dataclass(frozen=True)
class ServiceRecommendation:
    """One service's pass through the engine: its recommendation, or the error that stopped it."""

    service_name: str
    service_arn: str
    region: str
    generated_at: datetime | None = None
    recommendation: Recommendation | None = None
    error: str | None = None  # the recommendation failed: nothing was written for this service

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class FleetRecommendation:
    lake: Path
    outcomes: list[ServiceRecommendation] = field(default_factory=list)
    rows_written: int = 0
    not_stored: str | None = None  # why the rows could not be written (a read-only lake)

    @property
    def failed(self) -> list[ServiceRecommendation]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        return not self.failed


def inventory(lake: Lake | str | Path) -> pd.DataFrame:
    """The latest snapshot row of every service, by region then name (rows, not yet `ServiceRecord`s: a
    row that does not parse fails its own service, not the fleet)."""
    frame = services(lake)
    return frame.sort_values(["region", "service_name"]).reset_index(drop=True) if len(frame) else frame


def select(services: pd.DataFrame, names: tuple[str, ...], lake: Path) -> pd.DataFrame:
    """The named services (by name or ARN), or every one that is not deleted; unknown names are bad input."""
    if services.empty:
        raise InputError(f"no services in the lake at {lake}: run 'advisor collect' first")
    if not names:
        return services[~services["status"].isin(SKIPPED_STATUSES)]
    known = set(services["service_name"]) | set(services["service_arn"])
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(
            f"--service {', '.join(unknown)}: not in the lake's inventory "
            f"(known: {', '.join(sorted(services['service_name']))})"
        )
    wanted = set(names)
    return services[services["service_name"].isin(wanted) | services["service_arn"].isin(wanted)]


def paused(
    frame: pd.DataFrame,
    current: ScalingConfig,
    instance: InstanceSize,
    region: str,
    settings: RecommendSettings,
) -> Recommendation:
    rule = (
        "No recommendation: the service is paused, so it serves no traffic and bills nothing; "
        "resume it to get one."
    )
    return refusal(PAUSED, rule, summarize_data(frame), current, instance, region, settings)


def generated_at(frame: pd.DataFrame, now: datetime) -> datetime:
    """The newest metric minute of the service (so a re-run on the same data is the same row), else now."""
    present = frame.dropna(how="all") if not frame.empty else frame
    if present.empty:
        return pd.Timestamp(now).floor("min").to_pydatetime()
    return pd.Timestamp(present.index[-1]).tz_convert(UTC).to_pydatetime()


def config_since(lake: Lake | str | Path, service: ServiceRecord) -> pd.Timestamp | None:
    """When the service's current configuration took effect, as far as the lake knows; None when nothing
    says it ran another one (the whole history is then taken to be under it)."""
    arn = service.service_arn
    snapshots = read_table(lake, "services")
    timeline = config_timeline(snapshots[snapshots["service_arn"] == arn], read_actions(lake, arn))
    now = (service.scaling, service.instance)
    if timeline is None or not timeline.configs or timeline.configs[-1] != now:
        return None
    since = None
    for time, config in zip(reversed(timeline.times), reversed(timeline.configs), strict=True):
        if config != now:
            break
        since = time
    return None if since == timeline.times[0] and timeline.initial == now else since


def recommend_record(
    lake: Lake | str | Path, service: ServiceRecord, frame: pd.DataFrame, settings: RecommendSettings
) -> Recommendation:
    """The engine's recommendation for one service of the lake, from its wide metrics `frame`: what
    `advisor recommend` stores, and what `advisor migrate-whatif` starts from when nothing stored is fresh."""
    current, instance, region = service.scaling, service.instance, service.region
    if service.status.upper() == "PAUSED":
        return paused(frame, current, instance, region, settings)
    since = config_since(lake, service)
    bill = daily_costs(lake, service.service_arn)  # Cost Explorer's, for the model check
    return recommend(frame, current, instance, region, settings, observed_daily_cost=bill, config_since=since)


def recommend_service(
    lake: Lake | str | Path, row: Row, settings: RecommendSettings, now: datetime
) -> ServiceRecommendation:
    name, arn, region = str(row["service_name"]), str(row["service_arn"]), str(row["region"])
    try:
        service = ServiceRecord.from_row(row)
        frame = wide_metrics(lake, arn)
        rec = recommend_record(lake, service, frame, settings)
        return ServiceRecommendation(name, arn, region, generated_at(frame, now), rec)
    except Exception as exc:  # one broken service must not stop the fleet
        return ServiceRecommendation(name, arn, region, error=f"{type(exc).__name__}: {exc}")


def recommend_lake(
    lake: Lake | str | Path,
    services: tuple[str, ...] = (),
    settings: RecommendSettings = RecommendSettings(),
    now: datetime | None = None,
    progress: Progress | None = None,
) -> FleetRecommendation:
    """Recommend for every selected service and write one `recommendations` row per service.

    `progress` hears of each service as it is done (a fleet of eight takes about a minute)."""
    root = Lake.existing(lake).root
    now = now or datetime.now(UTC)
    chosen = select(inventory(lake), tuple(services), root)
    rows_in = chosen.to_dict("records")
    outcomes = []
    for done, row in enumerate(rows_in, start=1):
        outcomes.append(recommend_service(lake, row, settings, now))
        if progress is not None:
            progress(str(row["service_name"]), done, len(rows_in))
    rows = [
        lake_row(o.recommendation, o.service_arn, o.service_name, o.generated_at)
        for o in outcomes
        if o.recommendation is not None
    ]
    try:
        written = write(lake, "recommendations", pd.DataFrame(rows)).rows_in if rows else 0
    except LakeError as exc:  # the answer stands; only keeping it failed
        return FleetRecommendation(root, outcomes, 0, str(exc))
    return FleetRecommendation(root, outcomes, written)
