"""Logs: a service's application and service log groups, page by page, from each group's cursor to now.

FilterLogEvents is limited to 5 TPS per account and region, for every caller together: all threads of a
run share one token bucket per (account, region) (advisor.aws.logs.filter_limiter). Each page lands as
it arrives, and the group's cursor moves once the window is done; a rerun re-reads from the old cursor
(less an overlap for late ingestion) and the lake dedupes by (log_group, event_id).

The service group (deployments, configuration changes: where operations come from) is read whole, every
run. The application group is read as the run's LogsPolicy says: by default only the lines matching an
error/5xx filter pattern, applied by CloudWatch so the other lines cost no request; every line only when
asked; and within the run's request budget. Its cursor is kept per pattern, so asking for another
pattern (or for every line) later reads that history too. When the budget runs out mid-window, the
cursor moves to the last event landed (FilterLogEvents returns a group's events oldest first) and the
next run goes on from there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from advisor.aws.calls import ResourceNotFound
from advisor.aws.logs import (
    LOG_COLUMNS,
    BudgetSpent,
    RequestBudget,
    TokenBucket,
    iter_log_event_pages,
    service_log_groups,
)
from advisor.aws.session import AwsSession
from advisor.collect.inventory import ServiceTarget
from advisor.collect.windows import LOGS_OVERLAP, window_for
from advisor.lake.layout import Lake
from advisor.lake.schema import LOGS
from advisor.lake.state import StateStore
from advisor.lake.writer import write
from advisor.settings import LogsPolicy


@dataclass
class LogsOutcome:
    """Events read and new to the lake; the service-log events, from which operations are derived."""

    events: int = 0
    rows_added: int = 0
    service_events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LOG_COLUMNS))
    notes: list[str] = field(default_factory=list)


def cursor_key(region: str, log_group: str, pattern: str | None = None) -> str:
    """The group's cursor; one per filter pattern (the whole stream keeps the plain key)."""
    key = f"{region}:{log_group}"
    return key if pattern is None else f"{key}|{hashlib.sha256(pattern.encode()).hexdigest()[:12]}"


def collect_logs(
    session: AwsSession,
    lake: Lake | str | Path,
    target: ServiceTarget,
    now: datetime,
    days: float,
    limiter: TokenBucket,
    policy: LogsPolicy | None = None,
    budget: RequestBudget | None = None,
) -> LogsOutcome:
    """The service group whole, the application group as `policy` says (within `budget`); a group App
    Runner has not created yet is a note, not a failure."""
    policy = policy or LogsPolicy()
    state, outcome = StateStore(lake), LogsOutcome()
    client = session.client("logs", target.region)
    groups = service_log_groups(target.name, target.service_id)
    service_pages: list[pd.DataFrame] = []
    reads: list[tuple[str, str, str | None, RequestBudget | None]] = [
        ("service", groups["service"], None, None)
    ]
    if policy.app_logs != "none":
        reads.append(("application", groups["application"], policy.filter_pattern, budget))
    for kind, group, pattern, spend in reads:
        key = cursor_key(target.region, group, pattern)
        window = window_for(state, LOGS.name, key, now, days, LOGS_OVERLAP)
        pages = iter_log_event_pages(
            client, group, window.start, window.end, limiter=limiter, filter_pattern=pattern, budget=spend
        )
        latest = None
        try:
            for page in pages:
                rows = page.assign(service_arn=target.arn, kind=kind)
                outcome.events += len(rows)
                outcome.rows_added += write(lake, LOGS.name, rows).rows_added
                latest = rows["timestamp"].max()
                if kind == "service":
                    service_pages.append(page)
        except ResourceNotFound:
            outcome.notes.append(f"no {kind} log group yet")
            continue
        except BudgetSpent as exc:
            outcome.notes.append(f"{kind} logs: {exc}; the next run continues from where this one stopped")
            if latest is not None:
                state.set_high_water_mark(LOGS.name, key, latest.to_pydatetime())
            continue
        state.set_high_water_mark(LOGS.name, key, window.end)
    if service_pages:
        outcome.service_events = pd.concat(service_pages, ignore_index=True)
    return outcome
