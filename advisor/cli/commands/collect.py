"""`advisor collect` (thin: parse flags, call advisor.collect, render)."""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import typer

from advisor.aws.session import AwsSession
from advisor.cli.formats import collect as render_collect
from advisor.cli.formats.common import print_table
from advisor.collect.progress import RichProgress
from advisor.collect.run import CollectRequest, collect
from advisor.settings import load_settings


class Format(StrEnum):
    table = "table"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `advisor` app."""

    @app.command("collect")
    def collect_cmd(
        region: list[str] = typer.Option(
            [],
            "--region",
            help="Region to collect (repeatable), or 'all'. Default: settings or the profile's.",
        ),
        profile: str | None = typer.Option(
            None, "--profile", help="AWS profile (standard credential chain)."
        ),
        endpoint_url: str | None = typer.Option(
            None, "--endpoint-url", help="One endpoint for every AWS service (the sandbox)."
        ),
        days: float = typer.Option(14, "--days", help="History to take on a service's first collection."),
        lake: Path | None = typer.Option(None, "--lake", help="Lake directory (default: settings)."),
        service: list[str] = typer.Option([], "--service", help="Only this service name (repeatable)."),
        workers: int = typer.Option(8, "--workers", help="Services collected in parallel."),
        progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr."),
        fmt: Format = typer.Option(Format.table, "--format", help="Output format of the summary."),
    ) -> None:
        """Pull App Runner inventory, CloudWatch metrics, logs and operations into the lake (incremental)."""
        settings = load_settings()
        settings = replace(
            settings,
            lake=lake or settings.lake,
            regions=tuple(region) or settings.regions,
            profile=profile or settings.profile,
            endpoint_url=endpoint_url or settings.endpoint_url,
        )
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
