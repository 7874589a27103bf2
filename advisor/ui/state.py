"""Where the dashboard reads from, and cached loaders keyed by the lake's version."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from advisor.domain import ServiceRef
from advisor.lake import views as overview
from advisor.lake.reader import read_table, wide_metrics
from advisor.settings import load_settings


def lake_path() -> Path:
    return load_settings().lake


def version() -> str:
    return overview.lake_version(lake_path())


def apply_allowed() -> bool:
    return os.environ.get("ADVISOR_ALLOW_APPLY", "") == "1"


@st.cache_data(show_spinner=False, max_entries=8)
def fleet(lake: str, lake_version: str) -> pd.DataFrame:
    return overview.fleet(lake)


@st.cache_data(show_spinner=False, max_entries=32)
def detail(lake: str, lake_version: str, service_arn: str) -> overview.ServiceDetail:
    found = overview.service_detail(lake, service_arn)
    if found.recommendation is not None and found.recommendation.evidence_json:
        _ = found.recommendation.evidence  # parsed once per lake version: the cache keeps it parsed
    return found


@st.cache_data(show_spinner=False, max_entries=32)
def metrics(lake: str, lake_version: str, service_arn: str) -> pd.DataFrame:
    return wide_metrics(lake, service_arn)


@st.cache_data(show_spinner=False, max_entries=32)
def markers(lake: str, lake_version: str, service_arn: str) -> list:
    return overview.markers(lake, service_arn)


@st.cache_data(show_spinner=False, max_entries=16)
def logs(lake: str, lake_version: str, service_arn: str, kind: str) -> pd.DataFrame:
    ref = ServiceRef.from_arn(service_arn)  # the service's own partitions, not every service's logs
    table = read_table(
        lake,
        "logs",
        where={"region": ref.region, "service_id": ref.service_id},
        columns=["service_arn", "timestamp", "kind", "log_stream", "message"],
    )
    return table[(table["service_arn"] == service_arn) & (table["kind"] == kind)].sort_values("timestamp")


@st.cache_data(show_spinner="Replaying the period since each change ...", max_entries=4)
def action_outcomes(lake: str, lake_version: str) -> pd.DataFrame:
    """Every action of the last 30 days of data with its predicted and realized monthly savings (the
    report's numbers: the engine's bill of the demand collected since the change, old config minus new)."""
    from advisor.report.build import build_report
    from advisor.report.period import resolve_period

    report = build_report(lake, resolve_period("30d", lake))
    return pd.DataFrame([vars(line) for line in report.actions])


@st.cache_data(show_spinner=False, max_entries=8)
def table(lake: str, lake_version: str, name: str) -> pd.DataFrame:
    return read_table(lake, name)
