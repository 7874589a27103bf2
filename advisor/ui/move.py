"""Move off App Runner? The service page's "Move?" tab and the fleet's migration page: what each service
would cost and risk on ECS Express and on ECS with Fargate, replayed from its own history
(advisor.migrate), and the plan to get there. The numbers are the engine's; this module only lays them out."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from advisor.engine.migrate import TARGETS, MigrateSettings, MigrationWhatIf
from advisor.engine.optimize import allowed_breaches
from advisor.engine.recommender import RecommendSettings
from advisor.migrate.pipeline import FleetMigration, ServiceMigration, migrate_lake, migrate_service
from advisor.presentation import charts
from advisor.presentation.charts import TARGET_LABELS
from advisor.presentation.numbers import money, signed_money
from advisor.pricing.apprunner import prices_estimated
from advisor.pricing.ecs import ecs_prices_for
from advisor.ui import state

ALB_MAX_SERVICES = 25  # Express shares one ALB among up to 25 services of a VPC (reference §1)
RECOMMENDATION_WORDS = {
    "stay": "Stay on App Runner",
    "move": "Move",
    "move with these settings": "Move, with these settings",
}


@st.cache_data(show_spinner="Replaying this service on ECS Express and on Fargate ...", max_entries=32)
def service_migration(lake: str, lake_version: str, arn: str, settings: MigrateSettings) -> ServiceMigration:
    """One service's what-if and plan, computed once per lake version and settings."""
    return migrate_service(lake, state.detail(lake, lake_version, arn).service, settings)


@st.cache_data(show_spinner="Replaying every service on ECS Express and on Fargate ...", max_entries=8)
def fleet_migration(lake: str, lake_version: str, settings: MigrateSettings) -> FleetMigration:
    return migrate_lake(lake, (), settings)


def _settings(prefix: str, alb_default: int) -> MigrateSettings:
    """The few settings that move the answer most, adjustable; the rest stay the engine's defaults."""
    defaults = MigrateSettings()
    cols = st.columns(3)
    alb = cols[0].number_input(
        "Services sharing the ALB",
        min_value=1,
        max_value=ALB_MAX_SERVICES,
        value=min(max(alb_default, 1), ALB_MAX_SERVICES),
        key=f"{prefix}_alb",
        help="Express puts up to 25 services of one VPC behind one load balancer; its hourly charge and "
        "addresses are split among them. Count the services you would move together.",
    )
    public_ip = cols[1].toggle(
        "A public IPv4 address per task",
        value=defaults.public_ip_per_task,
        key=f"{prefix}_public_ip",
        help="Express's default network (public subnets) gives every task one, billed $0.005 an hour; "
        "private subnets need none (but a NAT gateway for the way out).",
    )
    arm = cols[2].toggle(
        "Graviton (ARM64) tasks",
        value=defaults.architecture == "ARM64",
        key=f"{prefix}_arm",
        help="Fargate on ARM costs about 20% less; the image must be built for arm64.",
    )
    return replace(
        defaults,
        alb_services=int(alb),
        public_ip_per_task=public_ip,
        architecture="ARM64" if arm else "X86_64",
    )


def _words(recommendation: str) -> str:
    return RECOMMENDATION_WORDS.get(recommendation, recommendation)


def render_tab(lake: str, version: str, arn: str, budget: float | None, mean_rpm: float) -> None:
    """The service page's "Move?" tab. `budget`: the recommendation's error budget (share of minutes);
    `mean_rpm`: the service's mean requests a minute, where the engine finds no break-even to derive it."""
    st.caption(
        "The same demand replayed on App Runner (the configuration the advisor recommends), on ECS Express "
        "Mode and on ECS with Fargate tuned by the advisor, with the same capacity model of this service."
    )
    settings = _settings("move", 1)
    result = service_migration(lake, version, arn, settings)
    if result.whatif is None:
        st.warning(f"No migration what-if for {result.service_name}: {result.error}")
        return
    whatif = result.whatif
    data = whatif.to_dict()
    estimated = prices_estimated(whatif.region) or ecs_prices_for(whatif.region).estimated
    _verdict(whatif)
    _costs(data, estimated)
    _breaches(data, budget if budget is not None else RecommendSettings().budget)
    _break_even(whatif, data, mean_rpm)
    _settings_used(whatif, data)
    if result.plan is not None:
        _plan(result.service_name, result.plan)
    elif result.error:
        st.info(f"No plan: {result.error}")


def _verdict(whatif: MigrationWhatIf) -> None:
    headline = _words(whatif.recommendation)
    if whatif.recommendation != "stay":
        cheapest = min(
            (t for t in TARGETS if t != "app_runner"), key=lambda t: whatif.targets[t].monthly_cost_usd
        )
        headline = f"{headline} to {TARGET_LABELS[cheapest]}"
    box = st.success if whatif.recommendation != "stay" else st.info
    box(f"**{headline}**")
    for reason in whatif.reasons:
        st.markdown(f"- {reason}")


def _costs(data: dict[str, Any], estimated: bool) -> None:
    targets = data["targets"]
    here = targets["app_runner"]["monthly_cost_usd"]
    cols = st.columns(len(targets))
    for col, (target, outcome) in zip(cols, targets.items(), strict=True):
        cost = outcome["monthly_cost_usd"]
        col.metric(
            f"{TARGET_LABELS.get(target, target)} per month",
            money(cost, estimated),
            delta=None if target == "app_runner" else f"{signed_money(cost - here)}/month vs App Runner",
            delta_color="inverse",
            help="; ".join(outcome.get("notes", [])) or None,
        )
    st.plotly_chart(charts.migration_costs(targets), width="stretch", key="move_costs")
    lines = [
        {
            "platform": TARGET_LABELS.get(t, t),
            "component": line["component"],
            "USD per month": line["usd"],
            "how": line.get("detail", ""),
        }
        for t, o in targets.items()
        for line in o["cost_lines"]
    ]
    with st.expander("Every cost line"):
        st.dataframe(
            pd.DataFrame(lines),
            hide_index=True,
            width="stretch",
            column_config={"USD per month": st.column_config.NumberColumn(format="dollar")},
        )


def _breaches(data: dict[str, Any], budget: float) -> None:
    targets = data["targets"]
    minutes = max(o["minutes"] for o in targets.values())
    allowed = allowed_breaches(minutes, budget)
    st.plotly_chart(charts.migration_breaches(targets, allowed), width="stretch", key="move_breaches")
    over = [TARGET_LABELS.get(t, t) for t, o in targets.items() if o["breach_minutes"] > allowed]
    st.caption(
        f"Error budget: {budget:.1%} of the {minutes:,} minutes replayed = {allowed:,} minutes. "
        + (f"Over it: {', '.join(over)}." if over else "Every platform stays within it.")
    )


def _break_even(whatif: MigrationWhatIf, data: dict[str, Any], mean_rpm: float) -> None:
    be = whatif.break_even
    st.markdown(f"**Break-even against {TARGET_LABELS.get(be.against, be.against)}.** {be.reason}")
    if be.requests_per_minute and be.scale:
        mean_rpm = be.requests_per_minute / be.scale  # the engine's own mean, not a re-count
    if not mean_rpm or mean_rpm <= 0:
        return
    costs = {t: o["monthly_cost_usd"] for t, o in data["targets"].items()}
    cheaper_now = "app_runner" if costs["app_runner"] <= costs[be.against] else be.against
    other = be.against if cheaper_now == "app_runner" else "app_runner"
    below_now = be.requests_per_minute is None or mean_rpm < be.requests_per_minute
    below, above = (cheaper_now, other) if below_now else (other, cheaper_now)
    st.plotly_chart(
        charts.break_even(mean_rpm, be.requests_per_minute, below, above),
        width="stretch",
        key="move_break_even",
    )


def _settings_used(whatif: MigrationWhatIf, data: dict[str, Any]) -> None:
    with st.expander("Settings used (the facts the reference marks unverified are settings)"):
        shown = {k: v for k, v in data["settings"].items()}
        st.dataframe(
            pd.DataFrame({"setting": list(shown), "value": [str(v) for v in shown.values()]}),
            hide_index=True,
            width="stretch",
        )
        configs = {TARGET_LABELS.get(t, t): o["config"] for t, o in data["targets"].items()}
        st.json(configs, expanded=False)
        if whatif.express_defaults is not None:
            d = whatif.express_defaults
            st.caption(
                f"ECS Express as it comes (CPU 60%, 1 to 20 tasks): {money(d.monthly_cost_usd)} a month, "
                f"{d.breach_minutes:,} breach minutes."
            )


def _plan(name: str, plan: Any) -> None:
    st.subheader("The plan")
    st.caption(
        "The advisor never creates ECS resources: it writes the request and the template for you to review "
        "and run."
    )
    cols = st.columns(3)
    cols[0].download_button(
        "CreateExpressGatewayService request (JSON)",
        json.dumps(plan.request, indent=2, default=str),
        file_name=f"{name}-express-request.json",
        mime="application/json",
        key="move_dl_request",
    )
    cols[1].download_button(
        "CloudFormation template (JSON)",
        json.dumps(plan.cloudformation, indent=2, default=str),
        file_name=f"{name}-express.cfn.json",
        mime="application/json",
        key="move_dl_cfn",
    )
    cols[2].download_button(
        "Steps (Markdown)",
        plan.to_markdown(),
        file_name=f"{name}-migration-steps.md",
        mime="text/markdown",
        key="move_dl_steps",
    )
    st.markdown("**What App Runner did for this service that Express will not:**")
    for i, step in enumerate(plan.steps, start=1):
        st.markdown(f"{i}. **{step.title}**: {step.detail}  \n   _Why:_ {step.why}")
    with st.expander("The request"):
        st.json(plan.request, expanded=True)


def fleet_table(fleet: FleetMigration) -> pd.DataFrame:
    """One row per service with a what-if: its cost on each target, the cheapest, and what moving there
    saves a month (negative: moving costs more), sorted by that saving, largest first."""
    rows = []
    for outcome in fleet.outcomes:
        if outcome.whatif is None:
            continue
        costs = {t: o.monthly_cost_usd for t, o in outcome.whatif.targets.items()}
        cheapest_ecs = min((t for t in costs if t != "app_runner"), key=costs.__getitem__)
        rows.append(
            {
                "service_name": outcome.service_name,
                "region": outcome.region,
                **costs,
                "cheapest": TARGET_LABELS[min(costs, key=costs.__getitem__)],
                "move_saves": costs["app_runner"] - costs[cheapest_ecs],
                "best_ecs": TARGET_LABELS[cheapest_ecs],
                "recommendation": _words(outcome.whatif.recommendation),
                "breach_minutes": " / ".join(
                    f"{outcome.whatif.targets[t].breach_minutes:,}" for t in TARGETS
                ),
                "service_arn": outcome.service_arn,
            }
        )
    columns = ["service_name", "region", *TARGETS, "cheapest", "move_saves", "best_ecs", "recommendation"]
    table = pd.DataFrame(rows, columns=[*columns, "breach_minutes", "service_arn"])
    return table.sort_values("move_saves", ascending=False, ignore_index=True)


def render_fleet() -> None:
    """The fleet page of the migration what-if: which services are cheaper where, and the totals."""
    lake, version = str(state.lake_path()), state.version()
    st.title("Move off App Runner?")
    services = state.fleet(lake, version)
    if services.empty:
        st.info("No services in the lake yet: collect first (Data page or `advisor collect`).")
        return
    st.caption(
        "Every service's own history replayed on App Runner, on ECS Express Mode and on ECS with Fargate "
        "tuned by the advisor. Open a service for its cost lines, risk and migration plan."
    )
    together = int(services.groupby("region").size().max())
    fleet = fleet_migration(lake, version, _settings("fleet", together))
    table = fleet_table(fleet)
    totals = fleet.totals()
    cols = st.columns(len(TARGETS))
    for col, target in zip(cols, TARGETS, strict=True):
        total = totals.get(target)
        here = totals.get("app_runner")
        col.metric(
            f"{TARGET_LABELS[target]}, all services",
            money(total),
            delta=None
            if target == "app_runner" or total is None or here is None
            else f"{signed_money(total - here)}/month",
            delta_color="inverse",
        )
    if len(table):
        saving = table["move_saves"].clip(lower=0).sum()
        movers = int((table["move_saves"] > 0).sum())
        st.markdown(
            f"Moving only the {movers} of {len(table)} services that are cheaper on ECS saves "
            f"**{money(saving)}** a month; the others cost less where they are."
        )
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="move_fleet_table",
        column_config={
            "service_name": st.column_config.TextColumn("Service"),
            "region": "Region",
            "app_runner": st.column_config.NumberColumn("App Runner", format="dollar"),
            "ecs_express": st.column_config.NumberColumn("ECS Express", format="dollar"),
            "fargate": st.column_config.NumberColumn("Fargate (tuned)", format="dollar"),
            "cheapest": st.column_config.TextColumn("Cheapest"),
            "move_saves": st.column_config.NumberColumn(
                "Moving saves", format="dollar", help="App Runner minus the cheaper ECS target, a month."
            ),
            "best_ecs": st.column_config.TextColumn("Cheaper ECS target"),
            "recommendation": st.column_config.TextColumn("Advice"),
            "breach_minutes": st.column_config.TextColumn(
                "Breach minutes", help="App Runner / ECS Express / Fargate, over the replayed window."
            ),
            "service_arn": None,
        },
    )
    failed = [o for o in fleet.outcomes if o.whatif is None]
    for outcome in failed:
        st.caption(f"{outcome.service_name}: no what-if ({outcome.error}).")
    selected = event.selection.rows if event and event.selection else []
    if selected:
        arn = table.iloc[selected[0]]["service_arn"]
        st.session_state["service_arn"] = arn
        st.session_state["service_tab"] = "Move?"
        st.query_params["service"] = arn
        st.switch_page(st.session_state["pages"]["service"])
    st.caption("Select a row to open the service's Move? tab.")
    if len(table):
        st.plotly_chart(charts.fleet_migration(table), width="stretch", key="move_fleet_chart")
