"""Data page: how fresh the lake is per service and table, collect now, and the last errors."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from advisor.lake import duck
from advisor.settings import load_settings
from advisor.ui import state

TIME_COLUMNS = {
    "metrics": "timestamp",
    "logs": "timestamp",
    "services": "snapshot_time",
    "recommendations": "generated_at",
    "actions": "created_at",
}


@st.cache_data(show_spinner=False, max_entries=4)
def freshness(lake: str, lake_version: str) -> pd.DataFrame:
    """Latest timestamp and row count per service and table (DuckDB over the Parquet files)."""
    connection = duck.connect(lake)
    frames = []
    for table, column in TIME_COLUMNS.items():
        sql = f"SELECT service_arn, max({column}) AS latest, count(*) AS rows FROM {table} GROUP BY 1"
        frame = connection.execute(sql).df()
        frame["table"] = table
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


class StreamlitProgress:
    """The collector's progress protocol drawn as a Streamlit progress bar."""

    def __init__(self):
        self.bar = st.progress(0.0, text="Starting ...")
        self.total = 1
        self.done = 0

    def begin(self, services: int, stages: int) -> None:
        self.total = max(services * stages, 1)

    def advance(self, service: str, stage: str) -> None:
        self.done += 1
        self.bar.progress(min(self.done / self.total, 1.0), text=f"{service}: {stage}")

    def waiting(self, what: str) -> None:
        self.bar.progress(min(self.done / self.total, 1.0), text=f"{what} ...")

    def end(self) -> None:
        self.bar.progress(1.0, text="Done")


def collect_now(lake: str, days: float) -> None:
    from advisor.aws.session import AwsSession
    from advisor.collect.run import CollectRequest, collect

    settings = replace(load_settings(), lake=state.lake_path())
    session = AwsSession.open(settings.profile, settings.endpoint_url)
    # the regions the lake already holds, else every App Runner region
    known = tuple(sorted(set(state.fleet(lake, state.version())["region"])))
    request = CollectRequest(lake=settings.lake, regions=known or ("all",), days=days)
    summary = collect(session, request, progress=StreamlitProgress())
    st.session_state["last_collect"] = summary.to_dict()


def render() -> None:
    lake = str(state.lake_path())
    st.title("Data")
    st.caption(f"Lake: `{lake}`")
    cols = st.columns([1, 3])
    days = cols[0].number_input("Days on a first collection", 1, 63, 14, key="collect_days")
    if cols[1].button("Collect now", type="primary", key="collect_now"):
        try:
            collect_now(lake, float(days))
            st.cache_data.clear()
        except Exception as exc:  # shown to the person, kept for the errors list
            st.session_state["last_collect"] = {"errors": [f"{type(exc).__name__}: {exc}"]}
    last = st.session_state.get("last_collect")
    if last:
        errors = last.get("errors") or [
            f"{s['name']}: {s['error']}" for s in last.get("services", []) if s.get("error")
        ] + [f"{region}: {error}" for region, error in (last.get("region_errors") or {}).items()]
        if errors:
            st.error("Last collection had errors:\n\n" + "\n".join(f"- {e}" for e in errors))
        else:
            st.success(
                f"Last collection: {len(last.get('services', []))} services, "
                f"{last['totals']['datapoints']:,} datapoints, {last['totals']['log_events']:,} log events."
            )
    fresh = freshness(lake, state.version())
    if fresh.empty or fresh["rows"].sum() == 0:
        st.info("The lake is empty: press Collect now.")
        return
    names = state.fleet(lake, state.version()).set_index("service_arn")["service_name"]
    fresh = fresh.assign(service=fresh["service_arn"].map(names).fillna(fresh["service_arn"]))
    table = fresh.pivot_table(index="service", columns="table", values="latest", aggfunc="max")
    st.subheader("Latest data per service and table")
    st.dataframe(table, width="stretch")
    st.subheader("Rows per table")
    st.dataframe(fresh.groupby("table")["rows"].sum().rename("rows").to_frame(), width="stretch")
