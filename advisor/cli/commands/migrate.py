"""`advisor migrate-whatif`: parse flags, call the migration pipeline, render. No logic here.

The lake's services (--service, --all) or one offline file (--from-trace, --from-metrics, described by
the same flags as `advisor recommend`'s), replayed on App Runner, ECS Express and Fargate.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from advisor.cli import options
from advisor.cli.commands.recommend import (
    OFFLINE_ONLY,
    PROGRESS,
    TRACE_ONLY,
    advice_settings,
    parse_current,
    recommend_settings,
    with_slo,
)
from advisor.cli.options import Format, format_option
from advisor.domain import DEFAULT_SCALING, InstanceSize
from advisor.engine.profiles import DEFAULT_PROFILE
from advisor.errors import InputError

if TYPE_CHECKING:
    from advisor.engine.migrate import MigrateSettings
    from advisor.migrate.pipeline import FleetMigration


# The MigrateSettings fields that are flags here, so that a bad value names the flag the user typed.
SETTING_FLAGS = {
    "task_start_s": "--task-start-s",
    "public_ip_per_task": "--public-ip",
    "deployments_per_month": "--deployments-per-month",
    "logs_gb_per_month": "--logs-gb-per-month",
    "data_out_gb_per_month": "--data-out-gb-per-month",
    "architecture": "--architecture",
}


def migrate_settings(given: dict[str, Any]) -> MigrateSettings:
    """The engine's defaults with the flags a user gave laid over them (a bad value names its flag)."""
    from advisor.engine.migrate import MigrateSettings

    try:
        return replace(MigrateSettings(), **{k: v for k, v in given.items() if v is not None})
    except InputError as exc:
        message = str(exc)
        for key, flag in SETTING_FLAGS.items():
            if message.startswith(f"{key}="):
                message = f"{flag} {message.removeprefix(f'{key}=')}"
        raise InputError(message) from None


def migrate_whatif_cmd(
    ctx: typer.Context,
    service: list[str] = typer.Option(
        [], "--service", help="This service of the lake, by name or ARN (repeatable)."
    ),
    all_services: bool = typer.Option(False, "--all", help="Every service of the lake, with fleet totals."),
    from_trace: Path | None = typer.Option(
        None, "--from-trace", help="Offline: a request trace (CSV or Parquet: timestamp, requests)."
    ),
    from_metrics: Path | None = typer.Option(
        None,
        "--from-metrics",
        help="Offline: one service's own 1-minute CloudWatch metrics (CSV or Parquet, docs/from-metrics.md).",
    ),
    current: str = typer.Option(
        str(DEFAULT_SCALING),
        "--current",
        help="Offline: the configuration the service runs, MaxConcurrency/MinSize/MaxSize.",
    ),
    cpu: str = typer.Option("1", help="Offline: instance vCPU: 0.25, 0.5, 1, 2, 4."),
    memory: str = typer.Option("2", help="Offline: instance memory in GB: 0.5 to 12."),
    region: str = typer.Option("us-east-1", help="Offline: the region whose prices apply."),
    knee: float = typer.Option(
        options.PROTOCOL_KNEE, help="--from-trace: the simulated service's latency knee (concurrency)."
    ),
    latency_s: float = typer.Option(
        options.PROTOCOL_LATENCY_S, "--latency-s", help="--from-trace: the unloaded latency (s)."
    ),
    seed: int = typer.Option(0, min=0, help="--from-trace: seed of the simulated metrics' noise."),
    lake: Path | None = options.LAKE,
    plan: Path | None = typer.Option(
        None,
        "--plan",
        help="Write each service's migration plan here: DIR/REGION/SERVICE/ with the "
        "CreateExpressGatewayService request (JSON), a CloudFormation template and the steps (Markdown).",
    ),
    alb_services: int | None = typer.Option(
        None,
        "--alb-services",
        help="Services sharing each ALB (1 to 25). Default: the services moved together per region and VPC.",
    ),
    task_start_s: int | None = typer.Option(
        None, "--task-start-s", help="Seconds a new task takes to serve (image pull, health checks)."
    ),
    public_ip: bool | None = typer.Option(
        None, "--public-ip/--no-public-ip", help="Each task gets a public IPv4 address (billed hourly)."
    ),
    deployments_per_month: float | None = typer.Option(
        None, "--deployments-per-month", help="Deployments a month (each canary runs extra tasks)."
    ),
    logs_gb_per_month: float | None = typer.Option(
        None, "--logs-gb-per-month", help="CloudWatch Logs ingested a month (GB)."
    ),
    data_out_gb_per_month: float | None = typer.Option(
        None, "--data-out-gb-per-month", help="Data transfer out to the internet a month (GB)."
    ),
    architecture: str | None = typer.Option(None, "--architecture", help="Fargate tasks: X86_64 or ARM64."),
    progress: bool = PROGRESS,
    fmt: Format = format_option(Format.table, Format.json, Format.csv),
) -> None:
    """What each service would cost on ECS Express and on Fargate, beside App Runner, and whether it holds.

    The same demand replayed on the three, with the same capacity model and SLO: monthly cost line by
    line, breach minutes, the traffic at which they cost the same, and a recommendation in plain words.
    --plan writes what would move it (the advisor never creates ECS resources).
    """
    settings = migrate_settings(
        {
            "task_start_s": task_start_s,
            "public_ip_per_task": public_ip,
            "deployments_per_month": deployments_per_month,
            "logs_gb_per_month": logs_gb_per_month,
            "data_out_gb_per_month": data_out_gb_per_month,
            "architecture": architecture,
        }
    )
    if alb_services is not None and not 1 <= alb_services <= 25:
        raise InputError(f"--alb-services {alb_services} is invalid: allowed 1 to 25 services per ALB")
    if plan is not None:
        options.check_output_dir("--plan", plan)
    recommend = recommend_settings(DEFAULT_PROFILE, 0.001, 7.0, True, advice_settings(None, None, None))
    source = from_metrics if from_metrics is not None else from_trace
    if source is None:
        options.refuse_unused(ctx, TRACE_ONLY, "to --from-trace only (the lake has each service's metrics)")
        why = "to --from-trace and --from-metrics only (the lake has each service's own config, size, region)"
        options.refuse_unused(ctx, OFFLINE_ONLY, why)
        if all_services and service:
            raise InputError("--all and --service: give one (--all is every service of the lake)")
        if not all_services and not service:
            raise InputError(
                "which services? give --service NAME (repeatable), --all, --from-trace or --from-metrics"
            )
        fleet = _from_lake(lake, tuple(service), settings, alb_services, recommend, progress)
        _render(fleet, fmt, plan, totals=all_services)
        return
    offline = "--from-trace" if from_metrics is None else "--from-metrics"
    if from_trace is not None and from_metrics is not None:
        raise InputError("--from-trace and --from-metrics: give one (a trace is simulated, metrics are read)")
    if lake is not None or service or all_services:
        raise InputError(f"--lake, --service and --all read the lake; they do not go with {offline}")
    if from_metrics is not None:
        options.refuse_unused(
            ctx, TRACE_ONLY, "to --from-trace only (the file has the service's own metrics)"
        )
    if alb_services is not None:
        settings = replace(settings, alb_services=alb_services)
    fleet = _offline(
        source, offline, current, cpu, memory, region, knee, latency_s, seed, settings, recommend
    )
    _render(fleet, fmt, plan, totals=False)


def _from_lake(
    lake: Path | None,
    names: tuple[str, ...],
    settings: MigrateSettings,
    alb_services: int | None,
    recommend: Any,
    progress: bool,
) -> FleetMigration:
    from advisor.cli.formats.progress import ServiceBar
    from advisor.migrate.pipeline import migrate_lake

    found = options.settings(lake)
    with ServiceBar("migrate-whatif", enabled=progress) as bar:
        return migrate_lake(
            found.lake,
            names,
            settings,
            alb_services=alb_services,
            recommend=with_slo(recommend, found.slo),
            progress=bar.advance,
        )


def _offline(
    source: Path,
    flag: str,
    current: str,
    cpu: str,
    memory: str,
    region: str,
    knee: float,
    latency_s: float,
    seed: int,
    settings: MigrateSettings,
    recommend: Any,
) -> FleetMigration:
    from advisor.migrate.pipeline import offline_fleet

    scaling = parse_current(current)
    instance = InstanceSize.parse(cpu, memory)
    if flag == "--from-metrics":
        from advisor.workload.metrics_file import read_metrics_file

        frame = read_metrics_file(source).frame
    else:
        from advisor.engine.offline import metrics_from_trace
        from advisor.engine.telemetry import ServiceBehavior
        from advisor.workload.traces import read_trace

        behavior = ServiceBehavior(
            knee=options.check_positive("--knee", knee),
            latency_s=options.check_positive("--latency-s", latency_s),
        )
        requests = read_trace(source)
        if not requests.sum() > 0:
            raise InputError(f"trace {source}: has no requests (every minute is 0): nothing to replay")
        frame = metrics_from_trace(requests, behavior, scaling, instance, region, seed)
    return offline_fleet(str(source), frame, scaling, instance, region, settings, recommend)


def _render(fleet: FleetMigration, fmt: Format, plan: Path | None, totals: bool) -> None:
    from advisor.cli.formats import migrate as render_migrate

    if plan is not None:
        from advisor.migrate.pipeline import write_plans

        written = write_plans(fleet, plan)
        print(f"advisor: wrote {len(written)} plan files under {plan}", file=sys.stderr)
    if fmt is Format.json:
        print(render_migrate.fleet_json(fleet))
    elif fmt is Format.csv:
        print(render_migrate.fleet_csv(fleet), end="")
    else:
        render_migrate.print_fleet(fleet, totals)
    if not fleet.ok:
        for failed in fleet.failed:
            print(f"advisor: error: {failed.service_name}: {failed.error}", file=sys.stderr)
        raise typer.Exit(1)
