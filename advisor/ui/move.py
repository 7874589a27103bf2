"""Move off App Runner? The service page's "Move?" tab and the fleet's migration page: what each service
would cost and risk on ECS Express and on ECS with Fargate, replayed from its own history
(advisor.migrate), and the plan to get there. The numbers are the engine's; this module lays them out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from advisor.engine.migrate import MOVE, MOVE_TUNED, STAY, TARGETS, MigrateSettings, MigrationWhatIf
from advisor.engine.optimize import allowed_breaches
from advisor.lake.views import service_inventory
from advisor.migrate.pipeline import (
    FleetMigration,
    ServiceMigration,
    alb_groups,
    migrate_lake,
    migrate_service,
)
from advisor.migrate.plan import ExpressPlan
from advisor.presentation import charts
from advisor.presentation.migration import TARGET_LABELS, breach_text, prices_estimate
from advisor.presentation.numbers import money, percent, signed_money
from advisor.ui import state

ALB_MAX_SERVICES = 25  # Express shares one ALB among up to 25 services of a VPC (reference §1)
ALB_HELP = (
    "Express puts up to 25 services of one VPC behind one load balancer; its hourly charge and its "
    "addresses are split among them."
)
TOGETHER = "moved together"  # the fleet's ALB share left to the pipeline: per region and VPC
# The platform each verdict moves to: Express as App Runner's settings map, or the advisor's tuned Fargate
ADVISED = {STAY: "app_runner", MOVE: "ecs_express", MOVE_TUNED: "fargate"}
HEADLINES = {
    STAY: "Stay on App Runner",
    MOVE: "Move to ECS Express",
    MOVE_TUNED: "Move to ECS on Fargate, with the advisor's task size and scaling",
}
ADVICE = {STAY: "stay", MOVE: "move to Express", MOVE_TUNED: "move to Fargate, tuned"}


@st.cache_data(show_spinner="Replaying this service on ECS Express and on Fargate ...", max_entries=32)
def service_migration(lake: str, lake_version: str, arn: str, settings: MigrateSettings) -> ServiceMigration:
    """One service's what-if and plan, computed once per lake version and settings."""
    return migrate_service(lake, state.detail(lake, lake_version, arn).service, settings)


@st.cache_data(show_spinner="Replaying every service on ECS Express and on Fargate ...", max_entries=8)
def fleet_migration(
    lake: str, lake_version: str, settings: MigrateSettings, alb_services: int | None
) -> FleetMigration:
    """The fleet's what-ifs; `alb_services` None: each ALB shared by the services moved together."""
    return migrate_lake(lake, (), settings, alb_services=alb_services)


@st.cache_data(show_spinner=False, max_entries=8)
def alb_shares(lake: str, lake_version: str) -> dict[str, int]:
    """Each service's ALB share when the whole fleet moves, as the fleet view (migrate_lake) counts it:
    the services of its region and VPC, up to 25 on one ALB."""
    arns = [str(a) for a in state.fleet(lake, lake_version)["service_arn"]]
    return alb_groups([service_inventory(lake, arn) for arn in arns])


def _network(prefix: str, cols: Sequence[Any]) -> MigrateSettings:
    """The network and CPU choices that move an ECS bill most; the rest stay the engine's defaults."""
    defaults = MigrateSettings()
    public_ip = cols[1].toggle(
        "A public IPv4 address per task",
        value=defaults.public_ip_per_task,
        key=f"{prefix}_public_ip",
        help="Express's default network (public subnets) gives every task one, $0.005 an hour; private "
        "subnets need none (but a NAT gateway for the way out).",
    )
    arm = cols[2].toggle(
        "Graviton (ARM64) tasks",
        value=defaults.architecture == "ARM64",
        key=f"{prefix}_arm",
        help="Fargate on ARM costs about 20% less; the image must be built for arm64.",
    )
    return replace(defaults, public_ip_per_task=public_ip, architecture="ARM64" if arm else "X86_64")


def render_tab(lake: str, version: str, arn: str, budget: float, mean_rpm: float) -> None:
    """The service page's "Move?" tab. `budget`: the share of minutes the recommendation's profile may
    breach (the engine's budget for the what-if); `mean_rpm`: the service's mean requests a minute, for
    the break-even marker when the engine finds no break-even to derive it from."""
    st.caption(
        "This service's own history replayed on App Runner (as the advisor recommends configuring it), on "
        "ECS Express Mode (App Runner's settings mapped) and on ECS with Fargate (task size and scaling "
        "chosen by the advisor), with the same capacity model."
    )
    cols = st.columns(3)
    alb = cols[0].number_input(
        "Services sharing the ALB",
        min_value=1,
        max_value=ALB_MAX_SERVICES,
        value=alb_shares(lake, version).get(arn, 1),
        key="move_alb",
        help=f"{ALB_HELP} Count the services you would move together, this one included; it starts at "
        "this lake's services in the same region and VPC, as the fleet view counts them.",
    )
    settings = replace(_network("move", cols), alb_services=int(alb))
    result = service_migration(lake, version, arn, settings)
    if result.whatif is None:
        box = st.info if result.skipped else st.warning
        box(f"No migration what-if for {result.service_name}: {result.skipped or result.error}")
        return
    whatif = result.whatif
    data = whatif.to_dict()
    _verdict(whatif, prices_estimate(whatif.region))
    _costs(data, prices_estimate(whatif.region))
    _breaches(data, budget)
    with st.expander("Why", expanded=True):
        for reason in whatif.reasons:
            st.markdown(f"- {reason}")
    _break_even(whatif, data, mean_rpm)
    _settings_used(whatif, data)
    if result.plan is not None:
        _plan(result.service_name, result.plan)
    elif result.error:
        st.info(f"No plan: {result.error}")


def _verdict(whatif: MigrationWhatIf, estimated: bool) -> None:
    here = whatif.targets["app_runner"].monthly_cost_usd
    target = ADVISED.get(whatif.recommendation, "app_runner")
    if whatif.recommendation == STAY:
        st.info(f"**{HEADLINES[STAY]}**: no ECS set-up saves enough within the error budget.")
        return
    saving = here - whatif.targets[target].monthly_cost_usd
    st.success(
        f"**{HEADLINES.get(whatif.recommendation, whatif.recommendation)}**: "
        f"saves {money(saving, estimated)} a month within the error budget."
    )


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
    with st.expander("Every cost line, and how it was priced"):
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
        f"Error budget: {percent(budget, 2)} of the {minutes:,} minutes replayed = {allowed:,} minutes. "
        + (f"Over it: {', '.join(over)}." if over else "Every platform stays within it.")
    )


def _break_even(whatif: MigrationWhatIf, data: dict[str, Any], mean_rpm: float) -> None:
    be = whatif.break_even
    against = TARGET_LABELS.get(be.against, be.against)
    if be.requests_per_minute and be.scale:
        mean_rpm = be.requests_per_minute / be.scale  # the engine's own mean, not a re-count
    costs = {t: o["monthly_cost_usd"] for t, o in data["targets"].items()}
    cheaper_now = "app_runner" if costs["app_runner"] <= costs[be.against] else be.against
    other = be.against if cheaper_now == "app_runner" else "app_runner"
    if be.requests_per_minute is None or be.scale is None:
        low, high = whatif.settings.break_even_scales
        st.markdown(
            f"{TARGET_LABELS[cheaper_now]} is cheaper than {TARGET_LABELS[other]} at any traffic from "
            f"{low:g}× to {high:g}× this service's: no break-even in that range."
        )
        below = above = cheaper_now
    else:
        below_now = mean_rpm < be.requests_per_minute
        below, above = (cheaper_now, other) if below_now else (other, cheaper_now)
        st.markdown(
            f"App Runner and {against} cost the same at about **{be.requests_per_minute:,.0f} requests a "
            f"minute** on average, {be.scale:.2f}× this service's {mean_rpm:,.0f}: below it "
            f"{TARGET_LABELS[below]} is cheaper, above it {TARGET_LABELS[above]}."
        )
    if mean_rpm > 0:
        st.plotly_chart(
            charts.break_even(mean_rpm, be.requests_per_minute, below, above),
            width="stretch",
            key="move_break_even",
        )


def _settings_used(whatif: MigrationWhatIf, data: dict[str, Any]) -> None:
    with st.expander("Every setting used (the facts AWS does not document are settings)"):
        st.dataframe(
            pd.DataFrame(
                {"setting": list(data["settings"]), "value": [str(v) for v in data["settings"].values()]}
            ),
            hide_index=True,
            width="stretch",
        )
        st.markdown("Each platform as configured in the replay:")
        st.json({TARGET_LABELS.get(t, t): o["config"] for t, o in data["targets"].items()}, expanded=False)
        if whatif.express_defaults is not None:
            d = whatif.express_defaults
            st.caption(
                f"ECS Express as it comes (CPU 60%, 1 to 20 tasks) would cost {money(d.monthly_cost_usd)} a "
                f"month with {d.breach_minutes:,} breach minutes."
            )


def _plan(name: str, plan: ExpressPlan) -> None:
    st.subheader("The plan")
    st.markdown(plan.summary)
    st.caption(
        "The advisor never creates ECS resources: it writes the request and the template for you to review "
        "and run."
        + (
            f" Replace before running: {', '.join(f'`{p}`' for p in plan.placeholders)}."
            if plan.placeholders
            else ""
        )
    )
    files = plan.files()
    buttons = (
        ("CreateExpressGatewayService request (JSON)", "express-request.json", "application/json", "request"),
        ("CloudFormation template (JSON)", "cloudformation.json", "application/json", "cfn"),
        ("Steps (Markdown)", "steps.md", "text/markdown", "steps"),
    )
    for col, (label, file, mime, key) in zip(st.columns(3), buttons, strict=True):
        col.download_button(label, files[file], file_name=f"{name}-{file}", mime=mime, key=f"move_dl_{key}")
    st.markdown("**What App Runner did for this service that Express will not:**")
    for i, step in enumerate(plan.steps, start=1):
        st.markdown(f"{i}. **{step.title}**: {step.detail}  \n   _Why:_ {step.why}")
    with st.expander("The request"):
        st.json(plan.request, expanded=True)


def fleet_table(fleet: FleetMigration) -> pd.DataFrame:
    """One row per service with a what-if: its cost on each platform, the cheaper ECS one and what moving
    there saves a month (negative: moving costs more), the advice; sorted by that saving, largest first."""
    rows = []
    for outcome in fleet.outcomes:
        if outcome.whatif is None:
            continue
        whatif = outcome.whatif
        costs = {t: o.monthly_cost_usd for t, o in whatif.targets.items()}
        best = min((t for t in costs if t != "app_runner"), key=costs.__getitem__)
        rows.append(
            {
                "service_name": outcome.service_name,
                "region": outcome.region,
                **costs,
                "move_saves": costs["app_runner"] - costs[best],
                "best_ecs": TARGET_LABELS[best],
                "advice": ADVICE.get(whatif.recommendation, whatif.recommendation),
                "advised_saves": costs["app_runner"]
                - costs[ADVISED.get(whatif.recommendation, "app_runner")],
                "breach_minutes": breach_text(tuple(whatif.targets[t].breach_minutes for t in TARGETS)),
                "service_arn": outcome.service_arn,
            }
        )
    columns = ["service_name", "region", *TARGETS, "move_saves", "best_ecs", "advice", "advised_saves"]
    table = pd.DataFrame(rows, columns=[*columns, "breach_minutes", "service_arn"])
    return table.sort_values("move_saves", ascending=False, ignore_index=True)


def render_fleet() -> None:
    """The fleet page of the migration what-if: which services are cheaper where, and the totals."""
    lake, version = str(state.lake_path()), state.version()
    st.title("Move off App Runner?")
    if state.fleet(lake, version).empty:
        st.info("No services in the lake yet: collect first (Data page or `advisor collect`).")
        return
    st.caption(
        "Every service's own history replayed on App Runner, on ECS Express Mode and on ECS with Fargate "
        "tuned by the advisor. Select a service for its cost lines, risk and migration plan."
    )
    cols = st.columns(3)
    alb = cols[0].select_slider(
        "Services sharing each ALB",
        options=[TOGETHER, *range(1, ALB_MAX_SERVICES + 1)],
        value=TOGETHER,
        key="fleet_alb",
        help=f"{ALB_HELP} '{TOGETHER}': the services listed here, per region and VPC.",
    )
    fleet = fleet_migration(lake, version, _network("fleet", cols), None if alb == TOGETHER else int(alb))
    table = fleet_table(fleet)
    _fleet_totals(fleet, table)
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
            "fargate": st.column_config.NumberColumn(
                "Fargate", format="dollar", help="Task size and scaling tuned by the advisor."
            ),
            "move_saves": st.column_config.NumberColumn(
                "Moving saves",
                format="dollar",
                help="A month: App Runner minus the cheaper ECS platform (negative: moving costs more).",
            ),
            "best_ecs": st.column_config.TextColumn("Cheaper ECS"),
            "advice": st.column_config.TextColumn(
                "Advice",
                help="Move only where the saving is worth the work and stays within the error budget.",
            ),
            "advised_saves": None,
            "breach_minutes": st.column_config.TextColumn(
                "Breach minutes", help="App Runner / ECS Express / Fargate, over the replayed window."
            ),
            "service_arn": None,
        },
    )
    for outcome in (o for o in fleet.outcomes if o.whatif is None):
        st.caption(f"{outcome.service_name}: no what-if ({outcome.skipped or outcome.error}).")
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


def _fleet_totals(fleet: FleetMigration, table: pd.DataFrame) -> None:
    totals = fleet.totals()
    estimated = any(prices_estimate(r) for r in table["region"])
    cols = st.columns(len(TARGETS))
    for col, target in zip(cols, TARGETS, strict=True):
        delta = totals[target] - totals["app_runner"]
        col.metric(
            f"{TARGET_LABELS[target]}, all services",
            money(totals[target], estimated),
            delta=None if target == "app_runner" else f"{signed_money(delta)}/month",
            delta_color="inverse",
            help="The services below, each on this platform."
            + (" ≈: some regions' prices are estimates." if estimated else ""),
        )
    if len(table):
        movers = table[table["advice"] != ADVICE[STAY]]
        near = int(((table["move_saves"] > 0) & (table["advice"] == ADVICE[STAY])).sum())
        words = (
            f"**Advice: move {len(movers)} of {len(table)} services**" if len(movers) else "**Advice: stay.**"
        )
        if len(movers):
            words += f", saving **{money(movers['advised_saves'].sum(), estimated)}** a month."
        if near:
            words += (
                f" {near} more cost less on ECS, but by too little for the work or past the error budget."
            )
        st.markdown(words)
