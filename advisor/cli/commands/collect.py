"""`advisor collect` (thin: parse flags, call advisor.collect, render)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import typer

from advisor.cli import options
from advisor.cli.options import Format, check_format, format_option


def collect_cmd(
    region: list[str] = options.REGIONS,
    profile: str | None = options.PROFILE,
    endpoint_url: str | None = options.ENDPOINT,
    days: float = typer.Option(14, "--days", help="History to take on a service's first collection."),
    lake: Path | None = options.LAKE,
    service: list[str] = typer.Option([], "--service", help="Only this service name (repeatable)."),
    workers: int = typer.Option(8, "--workers", help="Services collected in parallel."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr."),
    app_logs: str | None = typer.Option(
        None,
        "--app-logs",
        help="Application logs: errors (lines matching --log-pattern; the default), all, or none. "
        "The service log group is always read whole.",
    ),
    log_pattern: str | None = typer.Option(
        None,
        "--log-pattern",
        help="CloudWatch Logs filter pattern for --app-logs errors (default: errors, 5xx).",
    ),
    log_requests: int | None = typer.Option(
        None, "--log-requests", help="FilterLogEvents requests this run may spend on application logs (1000)."
    ),
    costs: bool = typer.Option(
        True,
        "--costs/--no-costs",
        help="Read each service's daily cost from Cost Explorer (ce:GetCostAndUsageWithResources; "
        "AWS bills each request).",
    ),
    fmt: Format = format_option(Format.table, Format.json),
) -> None:
    """Pull App Runner inventory, CloudWatch metrics, logs, operations and daily costs into the lake
    (incremental)."""
    from advisor.aws.session import AwsSession
    from advisor.cli.formats import collect as render_collect
    from advisor.cli.formats.common import print_table
    from advisor.collect.progress import RichProgress
    from advisor.collect.run import CollectRequest, collect

    check_format(fmt, Format.table, Format.json)
    settings = options.settings(lake, region, profile, endpoint_url)
    logs = replace(
        settings.logs,
        app_logs=settings.logs.app_logs if app_logs is None else app_logs,
        pattern=settings.logs.pattern if log_pattern is None else log_pattern,
        max_requests=settings.logs.max_requests if log_requests is None else log_requests,
    )
    request = CollectRequest(
        lake=settings.lake,
        regions=settings.regions,
        services=tuple(service),
        days=days,
        workers=workers,
        logs=logs,
        costs=costs,
    )
    session = AwsSession.open(settings.profile, settings.endpoint_url)
    summary = collect(session, request, RichProgress() if progress else None)
    if fmt is Format.json:
        print(render_collect.summary_json(summary))
    else:
        print_table(render_collect.services_table(summary))
        print_table(render_collect.totals_table(summary))
    if not summary.ok:
        failed = [s.name for s in summary.failed] + list(summary.region_errors)
        print(f"advisor: error: collection failed for {', '.join(failed)}", file=sys.stderr)
        raise typer.Exit(1)
