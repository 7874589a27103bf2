"""Fleet page: every service, what it costs, what it could cost, and what is at risk."""

from __future__ import annotations

import streamlit as st

from advisor.engine.explain import KEEP
from advisor.presentation import charts
from advisor.presentation.numbers import KEEP_CURRENT, money
from advisor.pricing.apprunner import prices_estimated
from advisor.ui import state

RISK_ICONS = {"throttling": "throttling (429s)", "latency": "slow (latency)", "cold starts": "cold starts"}


def _risk_text(risks: list[str]) -> str:
    return ", ".join(RISK_ICONS.get(x, x) for x in risks) or "none"


def render() -> None:
    lake = str(state.lake_path())
    st.title("App Runner fleet")
    fleet = state.fleet(lake, state.version())
    if fleet.empty:
        st.info(
            f"The lake at `{lake}` has no services yet. Collect first: `advisor collect` (or the Data page), "
            "then `advisor recommend`."
        )
        return

    with st.sidebar:
        st.subheader("Filters")
        regions = st.multiselect("Region", sorted(fleet["region"].unique()), key="fleet_regions")
        min_savings = st.slider(
            "Savings at least ($/month)",
            0,
            int(max(fleet["monthly_savings"].fillna(0).max(), 0)) + 1,
            0,
            key="fleet_min_savings",
        )
        only_risky = st.checkbox("Only services at risk", key="fleet_risky")
    shown = fleet
    if regions:
        shown = shown[shown["region"].isin(regions)]
    if min_savings:
        shown = shown[shown["monthly_savings"].fillna(0) >= min_savings]
    if only_risky:
        shown = shown[shown["risks"].map(len) > 0]

    current, recommended = shown["monthly_cost_current"].sum(), shown["monthly_cost_recommended"].sum()
    estimated = sorted(r for r in shown["region"].unique() if prices_estimated(r))
    est = bool(estimated)
    cols = st.columns(4)
    cols[0].metric("Services", f"{len(shown)}", help="Services in the lake after the filters.")
    cols[1].metric(
        "Monthly cost now", money(current, est), help="The engine's replay of each current configuration."
    )
    cols[2].metric(
        "Monthly cost recommended",
        money(recommended, est),
        delta=f"{money(recommended - current)}/month" if current else None,  # the sign leads: no ≈
        delta_color="inverse",
    )
    cols[3].metric(
        "Services at risk",
        f"{int((shown['risks'].map(len) > 0).sum())}",
        help="Services whose current configuration risks throttling (429s), latency above the objective, "
        "or a warm pool too small (cold starts).",
    )

    if estimated:
        st.caption(
            f"≈$: prices in {', '.join(estimated)} are estimates: AWS publishes no App Runner rate for "
            "some of them there (docs/pricing.md lists each region's rates and sources)."
        )

    table = shown.assign(
        risk_now=shown["risks"].map(_risk_text),
        risk_recommended=shown["recommended_risks"].map(_risk_text),
        recommended=shown["recommended"].where(shown["action"] != KEEP, KEEP_CURRENT),
        prices=shown["region"].map(lambda r: "≈ estimate" if prices_estimated(r) else "published"),
    )[
        [
            "service_name",
            "region",
            "status",
            "instance",
            "current",
            "recommended",
            "monthly_cost_current",
            "monthly_cost_recommended",
            "monthly_savings",
            "risk_now",
            "risk_recommended",
            "confidence",
            "prices",
            "data_until",
            "service_arn",
        ]
    ]
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="fleet_table",
        column_config={
            "service_name": st.column_config.TextColumn("Service"),
            "region": "Region",
            "status": "Status",
            "instance": "Instance",
            "current": st.column_config.TextColumn("Config now", help="MaxConcurrency / MinSize / MaxSize"),
            "recommended": st.column_config.TextColumn(
                "Recommended", help="'keep current': no change saves enough or lowers risk materially."
            ),
            "monthly_cost_current": st.column_config.NumberColumn("Cost now", format="dollar"),
            "monthly_cost_recommended": st.column_config.NumberColumn("Cost recommended", format="dollar"),
            "monthly_savings": st.column_config.NumberColumn("Savings", format="dollar"),
            "risk_now": st.column_config.TextColumn(
                "Risk now", help="What the current configuration risks on the history replay."
            ),
            "risk_recommended": st.column_config.TextColumn(
                "Risk recommended", help="What the recommended configuration risks on the same replay."
            ),
            "confidence": "Confidence",
            "prices": st.column_config.TextColumn("Prices", help="Published by AWS, or estimated."),
            "data_until": "Data until",
            "service_arn": None,
        },
    )
    selected = event.selection.rows if event and event.selection else []
    if selected:
        arn = table.iloc[selected[0]]["service_arn"]
        st.session_state["service_arn"] = arn
        st.query_params["service"] = arn
        st.switch_page(st.session_state["pages"]["service"])
    st.caption("Select a row to open the service.")
    pages = st.session_state.get(
        "pages"
    )  # set by the app's navigation (absent when a test runs the page alone)
    if pages:
        st.page_link(
            pages["move"], label="Would they cost less on ECS Express or Fargate? Compare them", icon="➡️"
        )
    if shown["monthly_cost_current"].notna().any():
        st.plotly_chart(charts.fleet_costs(shown.dropna(subset=["monthly_cost_current"])), width="stretch")
