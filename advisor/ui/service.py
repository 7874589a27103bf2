"""Service page: its metrics on one time axis, its capacity and forecast, the recommendation and why,
a what-if replay, what moving to ECS would cost, its logs, and apply."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.explain import Recommendation
from advisor.engine.modelcheck import ModelCheck
from advisor.engine.profiles import DEFAULT_PROFILE, PROFILES
from advisor.engine.recommender import RecommendSettings
from advisor.engine.whatif import replay_history
from advisor.lake.views import ServiceRecord
from advisor.presentation import charts
from advisor.presentation import modelcheck as check_cells
from advisor.presentation.numbers import KEEP_CURRENT, MISSING, money
from advisor.pricing.apprunner import prices_estimated
from advisor.ui import apply_panel, move, state

TABS = ["Metrics", "Capacity & forecast", "What-if", "Move?", "Logs", "Apply"]


def _pick_service(fleet: pd.DataFrame) -> str:
    arns = [str(a) for a in fleet["service_arn"]]
    labels = {str(r.service_arn): f"{r.service_name} ({r.region})" for r in fleet.itertuples()}
    wanted = st.query_params.get("service") or st.session_state.get("service_arn")
    index = arns.index(wanted) if wanted in arns else 0
    arn = st.selectbox("Service", arns, index=index, format_func=labels.__getitem__, key="service_pick")
    arn = arn or arns[0]  # the box always has a choice: the fleet is not empty
    st.session_state["service_arn"] = arn
    if st.query_params.get("service") != arn:
        st.query_params["service"] = arn
    return arn


@st.cache_data(show_spinner="Re-running the recommender for this profile ...", max_entries=16)
def _recommendation(
    lake: str, version: str, arn: str, profile: str, config: tuple, size: tuple, region: str
) -> Recommendation:
    from advisor.engine.recommender import RecommendSettings, recommend

    frame = state.metrics(lake, version, arn)
    return recommend(
        frame, ScalingConfig(*config), InstanceSize(*size), region, RecommendSettings(profile=profile)
    )


def render() -> None:
    lake, version = str(state.lake_path()), state.version()
    fleet = state.fleet(lake, version)
    st.title("Service")
    if fleet.empty:
        st.info("No services in the lake yet: collect first (Data page or `advisor collect`).")
        return
    arn = _pick_service(fleet)
    detail = state.detail(lake, version, arn)
    service, stored = detail.service, detail.recommendation
    current, instance = service.scaling, service.instance
    metrics = state.metrics(lake, version, arn)

    profile = st.radio(
        "Profile",
        list(PROFILES),
        index=list(PROFILES).index(DEFAULT_PROFILE),
        horizontal=True,
        key="profile",
        help="cost-saver spends the whole error budget; performance keeps a wider margin.",
    )
    rec = stored.evidence if stored is not None and stored.evidence_json else None
    if profile != (rec.profile if rec else DEFAULT_PROFILE) and len(metrics):
        rec = _recommendation(
            lake,
            version,
            arn,
            profile,
            (current.max_concurrency, current.min_size, current.max_size),
            (instance.cpu_vcpu, instance.memory_gb),
            service.region,
        )
    recommended = rec.recommended if rec else None
    _header(service, current, instance, rec, recommended)
    # the check replays the current configuration whatever the profile; the stored one had the bill
    stored_rec = stored.evidence if stored is not None and stored.evidence_json else None
    _model_check(stored_rec.model_check if stored_rec else rec.model_check if rec else None, service.region)

    window = _window(metrics)  # above the tabs: it drives both the charts and the logs
    # the tabs track which is open so that "Move?" (three platforms replayed) runs only when opened
    tabs = st.tabs(TABS, key="service_tab", on_change="rerun")
    with tabs[0]:
        _metrics_tab(lake, version, arn, metrics, current, instance, service, rec, window)
    with tabs[1]:
        _capacity_tab(metrics, rec)
    with tabs[2]:
        _whatif_tab(metrics, current, recommended, instance, service, rec)
    if tabs[3].open:
        with tabs[3]:
            mean_rpm = float(metrics["Requests_Sum"].mean()) if "Requests_Sum" in metrics else 0.0
            move.render_tab(lake, version, arn, _budget(stored_rec), mean_rpm)
    with tabs[4]:
        _logs_tab(lake, version, arn, window)
    with tabs[5]:
        apply_panel.render(service, current, recommended, rec, stored)


def _budget(rec: Recommendation | None) -> float:
    """The share of minutes the migration what-if may breach: the budget of the recommendation it starts
    from (the stored one, else the default profile's, as advisor.migrate recommends)."""
    settings = RecommendSettings()
    budget, profile = (rec.budget, rec.profile) if rec else (settings.budget, settings.profile)
    return budget * PROFILES[profile].budget_share


def _header(
    service: ServiceRecord,
    current: ScalingConfig,
    instance: InstanceSize,
    rec: Recommendation | None,
    recommended: ScalingConfig | None,
) -> None:
    st.subheader(f"{service.service_name} · {service.region} · {service.status}")
    st.caption(f"Instance {instance} · service {service.service_arn}")
    cols = st.columns(4)
    cols[0].metric("Config now", str(current), help="MaxConcurrency / MinSize / MaxSize")
    shown = KEEP_CURRENT if rec is not None and rec.keep else str(recommended) if recommended else MISSING
    cols[1].metric("Recommended", shown, help=rec.reasons[0] if rec is not None and rec.keep else None)
    now, then = (rec.monthly_cost_current_usd, rec.monthly_cost_recommended_usd) if rec else (None, None)
    est = prices_estimated(service.region)
    cols[2].metric("Monthly cost now", money(now, est))
    cols[3].metric(
        "Recommended cost",
        money(then, est),
        delta=None if now is None or then is None else f"{money(then - now)}/month",
        delta_color="inverse",
    )
    if est:
        st.caption(
            f"≈$: prices in {service.region} are estimates: AWS publishes no App Runner rate for some of "
            "them there (docs/pricing.md lists each region's rates and sources)."
        )
    if rec is None:
        return
    if rec.reasons:
        with st.expander(f"Why (confidence: {rec.confidence})", expanded=True):
            for reason in rec.reasons:
                st.markdown(f"- {reason}")
    if rec.forecast_outcomes is not None:
        before, after = rec.forecast_outcomes
        st.table(
            pd.DataFrame(
                {
                    "": ["monthly cost", "breach minutes", "throttled requests"],
                    f"now {current}": [
                        money(before.monthly_cost_usd, est),
                        f"{before.breach_minutes:,}",
                        f"{before.throttled_requests:,.0f}",
                    ],
                    f"recommended {recommended}": [
                        money(after.monthly_cost_usd, est),
                        f"{after.breach_minutes:,}",
                        f"{after.throttled_requests:,.0f}",
                    ],
                }
            ).set_index("")
        )


def _model_check(check: ModelCheck | None, region: str) -> None:
    """The model replaying the current configuration against CloudWatch and Cost Explorer."""
    if check is None:
        return
    with st.expander(check_cells.TITLE, expanded=bool(check.off)):
        if check.rows:
            est = prices_estimated(region)
            table = pd.DataFrame([check_cells.cells(r, est) for r in check.rows], columns=check_cells.COLUMNS)
            st.table(table.set_index("quantity"))
        span = f" ({check.first:%Y-%m-%d %H:%M} to {check.last:%Y-%m-%d %H:%M} UTC)" if check.first else ""
        st.caption(
            f"The current configuration replayed over {check.minutes:,} minutes{span}. {check.verdict}"
        )


def _window(metrics: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    if metrics.empty:
        return None
    first, last = metrics.index[0].to_pydatetime(), metrics.index[-1].to_pydatetime()
    default_start = max(first, last - timedelta(days=3))
    start, end = st.slider(
        "Time window (charts and logs)",
        min_value=first,
        max_value=last,
        value=(default_start, last),
        step=timedelta(hours=1),
        format="MMM D HH:mm",
        key="window",
    )
    return pd.Timestamp(start), pd.Timestamp(end)


def _metrics_tab(lake, version, arn, metrics, current, instance, service, rec, window) -> None:
    if metrics.empty:
        st.info("No metrics collected for this service yet.")
        return
    shown = metrics.loc[window[0] : window[1]]
    capacity, calibration = (rec.capacity, rec.calibration) if rec else (None, None)
    replay = replay_history(metrics, current, instance, service.region, capacity, calibration).per_minute
    replay = replay.loc[window[0] : window[1]]
    marks = [(t, label) for t, label in state.markers(lake, version, arn) if window[0] <= t <= window[1]]
    st.plotly_chart(
        charts.service_timeseries(shown, current.max_concurrency, current.max_size, replay, marks),
        width="stretch",
    )


def _capacity_tab(metrics, rec: Recommendation | None) -> None:
    capacity, fc = (rec.capacity, rec.forecast) if rec else (None, None)
    if capacity is not None:
        st.plotly_chart(charts.capacity_curve(capacity.to_dict()), width="stretch")
        st.caption(capacity.reason)
    else:
        st.info("No capacity estimate yet: it needs a recommendation with enough loaded minutes.")
    if fc is not None and len(metrics):
        from advisor.engine.telemetry import demand_from_metrics

        latency = (capacity.unloaded_latency_s if capacity else None) or 0.25
        demand = demand_from_metrics(metrics, latency)
        st.plotly_chart(charts.forecast_band(demand, fc.to_dict()), width="stretch")
        if fc.backtest.wape is not None:
            bt = fc.backtest
            st.caption(f"Backtest on history: WAPE {bt.wape:.1%} over {bt.origins} origins.")


def _whatif_tab(metrics, current, recommended, instance, service, rec: Recommendation | None) -> None:
    if metrics.empty:
        st.info("No metrics to replay yet.")
        return
    start = recommended or current
    cols = st.columns(4)
    c = cols[0].slider("MaxConcurrency", 1, 200, start.max_concurrency, key="wi_c")
    m = cols[1].slider("MinSize", 1, 25, start.min_size, key="wi_m")
    big_m = cols[2].slider("MaxSize", 1, 25, max(start.max_size, m), key="wi_M")
    sizes = InstanceSize.all()
    size = cols[3].selectbox("Instance", sizes, index=sizes.index(instance), format_func=str, key="wi_size")
    if big_m < m:  # App Runner requires MaxSize >= MinSize: replay what it would accept
        st.caption(f"MaxSize {big_m} is below MinSize {m}: replayed with MaxSize {m}.")
        big_m = m
    config = ScalingConfig(c, m, big_m)
    capacity, region = (rec.capacity if rec else None), service.region
    calibration = rec.calibration if rec else None
    runs = {"current": (current, instance), "what-if": (config, size)}
    if recommended:
        runs["recommended"] = (recommended, instance)
    results = {
        k: replay_history(metrics, cfg, sz, region, capacity, calibration) for k, (cfg, sz) in runs.items()
    }
    table = pd.DataFrame(
        {
            label: {
                "configuration": f"{cfg} on {sz}",
                "monthly cost": money(results[label].summary.monthly_cost_usd, prices_estimated(region)),
                "breach minutes": f"{results[label].summary.breach_minutes:,}",
                "throttled requests": f"{results[label].summary.throttled_requests:,.0f}",
            }
            for label, (cfg, sz) in runs.items()
        }
    )
    cost = results["what-if"].summary.monthly_cost_usd
    delta = cost - results["current"].summary.monthly_cost_usd
    st.metric(
        "What-if monthly cost",
        money(cost, prices_estimated(region)),
        delta=f"{money(delta)}/month vs now",
        delta_color="inverse",
    )
    st.table(table)
    frontier = rec.frontier if rec is not None and rec.frontier is not None else pd.DataFrame()
    marks = {k: (float(r.summary.breach_minutes), r.summary.monthly_cost_usd) for k, r in results.items()}
    st.plotly_chart(charts.frontier(frontier, marks), width="stretch")
    st.caption(
        "The frontier is the recommender's (forecast scenario); the points replay the collected history."
    )
    st.plotly_chart(charts.whatif_replay(results["what-if"].per_minute, str(config)), width="stretch")


def _logs_tab(lake, version, arn, window) -> None:
    cols = st.columns([1, 3])
    kind = cols[0].radio("Logs", ["application", "service"], horizontal=True, key="log_kind")
    search = cols[1].text_input("Search (plain text, case-insensitive)", key="log_search")
    logs = state.logs(lake, version, arn, kind)
    if window is not None and len(logs):
        logs = logs[(logs["timestamp"] >= window[0]) & (logs["timestamp"] <= window[1])]
    if search:
        logs = logs[logs["message"].str.contains(search, case=False, regex=False)]
    st.caption(f"{len(logs):,} events in the chart window" + (f" matching '{search}'" if search else ""))
    st.dataframe(
        logs[["timestamp", "log_stream", "message"]].tail(2000), hide_index=True, width="stretch", height=420
    )
