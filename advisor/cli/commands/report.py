"""`advisor report` and `advisor schedule` (thin: parse flags, call advisor.report, print where it went)."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from advisor.cli import options
from advisor.errors import InputError

if TYPE_CHECKING:
    from advisor.report.produce import ReportRequest, ReportRun
    from advisor.settings import Settings

DEFAULT_OUT = Path("reports")


def _when(flag: str, text: str | None) -> datetime | None:
    import pandas as pd

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


def _request(settings: Settings, out, period, start, end, formats, deliver, sender) -> ReportRequest:
    from advisor.lake.layout import Lake
    from advisor.report.deliver import Destination, parse_destination
    from advisor.report.produce import ReportRequest
    from advisor.report.render import parse_formats

    Lake.existing(settings.lake)
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
    from advisor.presentation.numbers import money
    from advisor.report.render import summary

    if as_json:
        data = {k: v for k, v in summary(run.report).items()}
        data["directory"] = str(run.rendered.directory)
        data["files"] = [str(f) for f in run.rendered.files]
        data["deliveries"] = [d.__dict__ for d in run.deliveries]
        print(json.dumps(data, default=str, indent=2))
        return
    r = run.report
    print(f"App Runner cost report, {r.period.label}: {money(r.total_cost_usd)}")
    charts = set(run.rendered.pngs.values())
    names = [f.name for f in run.rendered.files if f not in charts]
    if charts:
        names.append(f"{len(charts)} charts in charts/")
    print(f"  written to {run.rendered.directory} ({', '.join(names)})")
    if run.rendered.images_error:
        print(f"advisor: warning: no charts in report.md: {run.rendered.images_error}", file=sys.stderr)
    for d in run.deliveries:
        print(f"  delivered to {d.location}" if d.ok else f"  FAILED {d.destination}: {d.error}")


PERIOD_HELP = "7d, 30d (any Nd) or custom (with --start/--end)."
OUT = typer.Option(DEFAULT_OUT, "--out", help="Directory the report directories go in.")
FORMATS = typer.Option("html,md,csv,json", "--format", help="Comma-separated: html,md,csv,json.")
DELIVER = typer.Option(
    [], "--deliver", help="Also deliver to: a directory, s3://bucket/prefix/, ses:to@x, https://hook."
)
SENDER = typer.Option(None, "--sender", help="SES sender (default: $ADVISOR_REPORT_SENDER).")


def report_cmd(
    lake: Path | None = options.LAKE,
    period: str = typer.Option("7d", "--period", help=PERIOD_HELP),
    start: str | None = typer.Option(
        None, "--start", help="Start of a custom period (UTC ISO date or time)."
    ),
    end: str | None = typer.Option(
        None, "--end", help="End of the period (default: the end of the collected data)."
    ),
    out: Path = OUT,
    formats: str = FORMATS,
    deliver: list[str] = DELIVER,
    sender: str | None = SENDER,
    profile: str | None = options.PROFILE,
    endpoint_url: str | None = options.ENDPOINT,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """The cost report: fleet cost against the period before, savings, risks, actions, data gaps."""
    from advisor.report.produce import produce

    options.check_output_dir("--out", out)
    settings = options.settings(lake, (), profile, endpoint_url)
    run = produce(_request(settings, out, period, start, end, formats, deliver, sender))
    _print_run(run, as_json)
    if not run.ok:
        raise typer.Exit(1)


def schedule_cmd(
    cron: str | None = typer.Option(
        None, "--cron", help="Five-field cron expression in UTC, e.g. '0 8 * * MON' (or --once)."
    ),
    collect: bool = typer.Option(False, "--collect", help="Collect before reporting."),
    recommend: bool = typer.Option(False, "--recommend", help="Recommend before reporting."),
    report: bool = typer.Option(True, "--report/--no-report", help="Produce (and deliver) the report."),
    once: bool = typer.Option(False, "--once", help="Run the chain once now and exit (for cron/timers)."),
    region: list[str] = options.REGIONS,
    days: float = typer.Option(14, "--days", help="History a first --collect takes."),
    lake: Path | None = options.LAKE,
    period: str = typer.Option("7d", "--period", help="7d, 30d (any Nd), ending where the data ends."),
    out: Path = OUT,
    formats: str = FORMATS,
    deliver: list[str] = DELIVER,
    sender: str | None = SENDER,
    profile: str | None = options.PROFILE,
    endpoint_url: str | None = options.ENDPOINT,
) -> None:
    """Run collect → recommend → report on a cron schedule; each run logged, a failed run survived."""
    from advisor.report.schedule import Chain, build_scheduler, cron_trigger, run_log_path, run_once

    if cron is None and not once:
        raise InputError("give --cron EXPRESSION (or --once to run the chain once now)")
    from advisor.report.period import period_days

    trigger = cron_trigger(cron) if cron is not None else None
    options.check_output_dir("--out", out)
    if report:
        period_days(period)  # custom periods are not for schedules: Nd only, checked before the first run
    settings = options.settings(lake, region, profile, endpoint_url)
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
    from advisor.report.deliver import parse_destination
    from advisor.report.produce import ReportRequest
    from advisor.report.render import parse_formats

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
