"""`advisor collect` (thin: parse flags, call advisor.collect, render)."""

from __future__ import annotations

import sys
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
    fmt: Format = format_option(Format.table, Format.json),
) -> None:
    """Pull App Runner inventory, CloudWatch metrics, logs and operations into the lake (incremental)."""
    from advisor.aws.session import AwsSession
    from advisor.cli.formats import collect as render_collect
    from advisor.cli.formats.common import print_table
    from advisor.collect.progress import RichProgress
    from advisor.collect.run import CollectRequest, collect

    check_format(fmt, Format.table, Format.json)
    settings = options.settings(lake, region, profile, endpoint_url)
    request = CollectRequest(
        lake=settings.lake, regions=settings.regions, services=tuple(service), days=days, workers=workers
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
