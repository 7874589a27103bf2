"""Logs: a service's application and service log groups, page by page, from each group's cursor to now.

FilterLogEvents is limited to 5 TPS per account and region, for every caller together: all threads of a
run share one token bucket per (account, region) (advisor.aws.logs.filter_limiter). Each page lands as
it arrives, and the group's cursor moves once the window is done; a rerun re-reads from the old cursor
(less an overlap for late ingestion) and the lake dedupes by (log_group, event_id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from advisor.aws.calls import ResourceNotFound
from advisor.aws.logs import LOG_COLUMNS, TokenBucket, iter_log_event_pages, service_log_groups
from advisor.aws.session import AwsSession
from advisor.collect.inventory import ServiceTarget
from advisor.collect.windows import LOGS_OVERLAP, window_for
from advisor.lake.layout import Lake
from advisor.lake.schema import LOGS
from advisor.lake.state import StateStore
from advisor.lake.writer import write


@dataclass
class LogsOutcome:
    """Events read and new to the lake; the service-log events, from which operations are derived."""

    events: int = 0
    rows_added: int = 0
    service_events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LOG_COLUMNS))
    notes: list[str] = field(default_factory=list)


def cursor_key(region: str, log_group: str) -> str:
    return f"{region}:{log_group}"


def collect_logs(
    session: AwsSession,
    lake: Lake | str | Path,
    target: ServiceTarget,
    now: datetime,
    days: float,
    limiter: TokenBucket,
) -> LogsOutcome:
    """Both log groups of the service; a group App Runner has not created yet is a note, not a failure."""
    state, outcome = StateStore(lake), LogsOutcome()
    client = session.client("logs", target.region)
    service_pages = []
    for kind, group in service_log_groups(target.name, target.service_id).items():
        key = cursor_key(target.region, group)
        window = window_for(state, LOGS.name, key, now, days, LOGS_OVERLAP)
        try:
            for page in iter_log_event_pages(client, group, window.start, window.end, limiter=limiter):
                rows = page.assign(service_arn=target.arn, kind=kind)
                outcome.events += len(rows)
                outcome.rows_added += write(lake, LOGS.name, rows).rows_added
                if kind == "service":
                    service_pages.append(page)
        except ResourceNotFound:
            outcome.notes.append(f"no {kind} log group yet")
            continue
        state.set_high_water_mark(LOGS.name, key, window.end)
    if service_pages:
        outcome.service_events = pd.concat(service_pages, ignore_index=True)
    return outcome
