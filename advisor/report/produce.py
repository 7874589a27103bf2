"""One report run, as `advisor report` and each scheduled run do it: build, render, deliver.

Reports land in `<out>/apprunner-cost-<days>d-<period end, UTC>/`: a directory listing reads as a history
of the periods covered, and a report built again for the same period (after a late collect) replaces
the earlier one instead of sitting beside it under another wall-clock name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from advisor.lake.layout import Lake
from advisor.report.build import Report, build_report
from advisor.report.deliver import Delivered, Destination, deliver_all
from advisor.report.period import Period, resolve_period
from advisor.report.render import FORMATS, Rendered, render
from advisor.settings import Slo


@dataclass(frozen=True)
class ReportRequest:
    """What `advisor report` was asked for (the CLI flags, parsed)."""

    lake: Path
    out: Path
    period: str = "7d"
    start: datetime | None = None
    end: datetime | None = None
    formats: tuple[str, ...] = FORMATS
    destinations: tuple[Destination, ...] = ()
    slo: Slo = field(default_factory=Slo)


@dataclass(frozen=True)
class ReportRun:
    report: Report
    rendered: Rendered
    deliveries: list[Delivered]

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.deliveries)


def report_directory(out: Path, period: Period) -> Path:
    return out / f"apprunner-cost-{period.days:g}d-{period.end.astimezone(UTC):%Y%m%d-%H%M}"


def produce(request: ReportRequest, now: datetime | None = None) -> ReportRun:
    Lake.existing(request.lake)  # a scheduled run must fail loudly, not report an empty fleet
    period = resolve_period(request.period, request.lake, request.start, request.end)
    report = build_report(request.lake, period, slo=request.slo, now=now or datetime.now(UTC))
    rendered = render(report, report_directory(request.out, period), request.formats)
    return ReportRun(report, rendered, deliver_all(report, rendered, list(request.destinations)))
