"""`advisor report` and `advisor schedule` (thin: parse flags, call advisor.report, print where it went)."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pandas as pd
import typer

from advisor.errors import InputError
from advisor.report.deliver import Destination, parse_destination
from advisor.report.produce import ReportRequest, ReportRun, produce
from advisor.report.render import money, parse_formats, summary
from advisor.report.schedule import Chain, build_scheduler, cron_trigger, run_log_path, run_once
from advisor.settings import Settings, load_settings

DEFAULT_OUT = Path("reports")


def _when(flag: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        stamp = pd.Timestamp(text)
    except ValueError:
        raise InputError(
            f"{flag} {text!r} is invalid: allowed an ISO date or time, e.g. 2026-03-01"
        ) from None
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()


def _session_opener(settings: Settings):
    def open_session():
        from advisor.aws.session import AwsSession

        return AwsSession.open(settings.profile, settings.endpoint_url)

    return open_session


def _settings(lake: Path | None, profile: str | None, endpoint_url: str | None) -> Settings:
    settings = load_settings()
    return replace(
        settings,
        lake=lake or settings.lake,
        profile=profile or settings.profile,
        endpoint_url=endpoint_url or settings.endpoint_url,
    )


def _request(settings: Settings, out, period, start, end, formats, deliver, sender) -> ReportRequest:
    if not settings.lake.is_dir():
        raise InputError(f"--lake {settings.lake}: no such directory (run 'advisor collect' first)")
    opener = _session_opener(settings)
    destinations: tuple[Destination, ...] = tuple(parse_destination(d, opener, sender) for d in deliver)
    return ReportRequest(
        lake=settings.lake,
        out=out,
        period=period,
        start=_when("--start", start),
        end=_when("--end", end),
        formats=parse_formats(formats),
        destinations=destinations,
        slo=settings.slo,
    )


def _print_run(run: ReportRun, as_json: bool) -> None:
    if as_json:
        data = {k: v for k, v in summary(run.report).items()}
        data["directory"] = str(run.rendered.directory)
        data["files"] = [str(f) for f in run.rendered.files]
        data["deliveries"] = [d.__dict__ for d in run.deliveries]
        print(json.dumps(data, default=str, indent=2))
        return
    r = run.report
    print(f"App Runner cost report, {r.period.label}: {money(r.total_cost_usd)}")
    print(f"  written to {run.rendered.directory} ({', '.join(f.name for f in run.rendered.files[:8])})")
    for d in run.deliveries:
        print(f"  delivered to {d.location}" if d.ok else f"  FAILED {d.destination}: {d.error}")


def _report_options():
    """The report flags `report` and `schedule` share (typer options are declared per command)."""
    return {
        "lake": typer.Option(None, "--lake", help="Lake directory (default: settings)."),
        "period": typer.Option("7d", "--period", help="7d, 30d (any Nd) or custom (with --start/--end)."),
        "start": typer.Option(None, "--start", help="Start of a custom period (UTC ISO date or time)."),
        "end": typer.Option(
            None, "--end", help="End of the period (default: the end of the collected data)."
        ),
        "out": typer.Option(DEFAULT_OUT, "--out", help="Directory the report directories go in."),
        "formats": typer.Option("html,md,csv,json", "--format", help="Comma-separated: html,md,csv,json."),
        "deliver": typer.Option(
            [], "--deliver", help="Also deliver to: a directory, s3://bucket/prefix/, ses:to@x, https://hook."
        ),
        "sender": typer.Option(None, "--sender", help="SES sender (default: $ADVISOR_REPORT_SENDER)."),
        "profile": typer.Option(None, "--profile", help="AWS profile for S3/SES (and --collect)."),
        "endpoint_url": typer.Option(None, "--endpoint-url", help="One endpoint for every AWS service."),
    }


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `advisor` app."""
    o = _report_options()

    @app.command("report")
    def report_cmd(
        lake: Path | None = o["lake"],
        period: str = o["period"],
        start: str | None = o["start"],
        end: str | None = o["end"],
        out: Path = o["out"],
        formats: str = o["formats"],
        deliver: list[str] = o["deliver"],
        sender: str | None = o["sender"],
        profile: str | None = o["profile"],
        endpoint_url: str | None = o["endpoint_url"],
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    ) -> None:
        """The cost report: fleet cost against the period before, savings, risks, actions, data gaps."""
        settings = _settings(lake, profile, endpoint_url)
        run = produce(_request(settings, out, period, start, end, formats, deliver, sender))
        _print_run(run, as_json)
        if not run.ok:
            raise typer.Exit(1)

    @app.command("schedule")
    def schedule_cmd(
        cron: str | None = typer.Option(
            None, "--cron", help="Five-field cron expression in UTC, e.g. '0 8 * * MON' (or --once)."
        ),
        collect: bool = typer.Option(False, "--collect", help="Collect before reporting."),
        recommend: bool = typer.Option(False, "--recommend", help="Recommend before reporting."),
        report: bool = typer.Option(True, "--report/--no-report", help="Produce (and deliver) the report."),
        once: bool = typer.Option(False, "--once", help="Run the chain once now and exit (for cron/timers)."),
        region: list[str] = typer.Option([], "--region", help="Regions for --collect (repeatable) or 'all'."),
        days: float = typer.Option(14, "--days", help="History a first --collect takes."),
        lake: Path | None = o["lake"],
        period: str = typer.Option("7d", "--period", help="7d, 30d (any Nd), ending where the data ends."),
        out: Path = o["out"],
        formats: str = o["formats"],
        deliver: list[str] = o["deliver"],
        sender: str | None = o["sender"],
        profile: str | None = o["profile"],
        endpoint_url: str | None = o["endpoint_url"],
    ) -> None:
        """Run collect → recommend → report on a cron schedule; each run logged, a failed run survived."""
        if cron is None and not once:
            raise InputError("give --cron EXPRESSION (or --once to run the chain once now)")
        trigger = cron_trigger(cron) if cron is not None else None
        settings = _settings(lake, profile, endpoint_url)
        if region:
            settings = replace(settings, regions=tuple(region))
        chain = Chain(
            collect=_collect_step(settings, days) if collect else None,
            recommend=_recommend_step(settings) if recommend else None,
            report=_schedule_request(settings, out, period, formats, deliver, sender) if report else None,
        )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        run_log = run_log_path(chain, out)
        if once or trigger is None:
            record = run_once(chain, run_log)
            raise typer.Exit(0 if record.status == "ok" else 1)
        scheduler = build_scheduler(chain, trigger, run_log)
        upcoming = trigger.get_next_fire_time(None, datetime.now(trigger.timezone))
        print(f"advisor schedule: '{cron}' UTC, next {upcoming:%F %R}; log {run_log}", file=sys.stderr)
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.start()


def _schedule_request(settings, out, period, formats, deliver, sender) -> ReportRequest:
    """Like `advisor report`'s request, except the lake may not exist yet (the first --collect makes it)."""
    opener = _session_opener(settings)
    return ReportRequest(
        lake=settings.lake,
        out=out,
        period=period,
        formats=parse_formats(formats),
        destinations=tuple(parse_destination(d, opener, sender) for d in deliver),
        slo=settings.slo,
    )


def _collect_step(settings: Settings, days: float):
    from advisor.collect.run import CollectRequest

    request = CollectRequest(lake=settings.lake, regions=settings.regions, days=days)

    def step():
        from advisor.aws.session import AwsSession
        from advisor.collect.run import collect

        return collect(AwsSession.open(settings.profile, settings.endpoint_url), request)

    return step


def _recommend_step(settings: Settings):
    def step():
        from advisor.engine.recommender import RecommendSettings
        from advisor.recommend.pipeline import recommend_lake

        base = RecommendSettings()
        slo = settings.slo
        capacity = replace(base.capacity, slo_factor=slo.latency_factor, cpu_limit_pct=slo.max_cpu_percent)
        return recommend_lake(settings.lake, (), replace(base, capacity=capacity))

    return step
