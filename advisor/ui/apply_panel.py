"""Apply: the diff, the expected change in cost and risk, confirmation, progress, audit and rollback.

Everything goes through advisor.apply (plan -> execute), the same path as the CLI; this panel only asks
and shows. Read-only unless the dashboard was started with ADVISOR_ALLOW_APPLY=1.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from advisor.domain import ScalingConfig
from advisor.engine.explain import Recommendation
from advisor.lake.recommendations import StoredRecommendation
from advisor.lake.views import ServiceRecord
from advisor.presentation.numbers import money
from advisor.settings import load_settings
from advisor.ui import state


def _platform(region: str):
    from advisor.apply import connect

    settings = load_settings()
    return connect(profile=settings.profile, region=region, endpoint_url=settings.endpoint_url)


def _expected(rec: Recommendation | None) -> None:
    if rec is None or rec.forecast_outcomes is None:
        return
    before, after = rec.forecast_outcomes
    cols = st.columns(3)
    cols[0].metric(
        "Monthly cost",
        money(after.monthly_cost_usd),
        delta=f"{money(after.monthly_cost_usd - before.monthly_cost_usd)}",
        delta_color="inverse",
    )
    cols[1].metric(
        "Breach minutes (forecast)",
        after.breach_minutes,
        delta=after.breach_minutes - before.breach_minutes,
        delta_color="inverse",
    )
    cols[2].metric(
        "Throttled requests (forecast)",
        f"{after.throttled_requests:,.0f}",
        delta=f"{after.throttled_requests - before.throttled_requests:,.0f}",
        delta_color="inverse",
    )


def _show_plan(plan) -> None:
    diff = pd.DataFrame(
        [{"field": r.field, "now": r.current, "after": r.target, "changes": r.changed} for r in plan.diff()]
    )
    st.dataframe(diff, hide_index=True, width="stretch")
    st.markdown("**Calls that will be made**")
    for step in plan.steps:
        st.markdown(f"- `{step.action}` {step.target} — {step.why}")
    for refusal in plan.refusals:
        st.error(refusal)
    if plan.noop:
        st.info("The service already runs this configuration: nothing to do.")


def _run(plan, region: str, lake: str, key: str) -> None:
    from advisor.apply import execute

    with st.status("Applying ...", expanded=True) as box:
        result = execute(
            plan,
            _platform(region),
            lake=lake,
            allow_apply=True,
            progress=lambda event: box.write(f"{event.step}: {event.message}"),
        )
        box.update(label=f"{result.status}: {result.message}", state="complete" if result.ok else "error")
    st.session_state[key] = result
    st.cache_data.clear()  # the lake has a new audit row


def render(
    service: ServiceRecord,
    current: ScalingConfig,
    recommended: ScalingConfig | None,
    rec: Recommendation | None,
    stored: StoredRecommendation | None,
) -> None:
    """`rec` is the recommendation shown (the stored one, or one made for another strategy)."""
    lake, region, name = str(state.lake_path()), service.region, service.service_name
    allowed = state.apply_allowed()
    if not allowed:
        st.warning(
            "Read-only mode: start the dashboard with ADVISOR_ALLOW_APPLY=1 to apply or roll back "
            "(the CLI's equivalent is `advisor apply --allow-apply`)."
        )
    if recommended is None:
        st.info("No recommendation to apply for this service.")
    else:
        st.markdown(f"**Apply {recommended}** (now {current}) to `{name}` in {region}")
        _expected(rec)
        if st.button("Prepare the change", key="apply_prepare", disabled=not allowed):
            from advisor.apply import plan_apply
            from advisor.apply.recommendations import apply_request

            request = apply_request(stored, st.session_state.get("profile"), recommended)
            try:
                st.session_state["apply_plan"] = plan_apply(
                    _platform(region),
                    name,
                    lake=lake,
                    recommendation=request.recommendation,
                    values=request.values,
                )
            except Exception as exc:  # the apply package's own words say what is wrong
                st.error(f"Cannot plan: {exc}")
        plan = st.session_state.get("apply_plan")
        if plan is not None and plan.service_arn == service.service_arn and plan.kind == "apply":
            _show_plan(plan)
            confirmed = st.checkbox(f"I want to change {name} in {region} now", key="apply_confirm")
            if st.button(
                "Apply now",
                type="primary",
                key="apply_go",
                disabled=not (allowed and confirmed and plan.ok and not plan.noop),
            ):
                _run(plan, region, lake, "apply_result")
                st.session_state.pop("apply_plan", None)
        result = st.session_state.get("apply_result")
        if result is not None:
            (st.success if result.succeeded else st.error)(
                f"{result.status}: {result.message} (action {result.action_id})"
            )
    _history(service, region, name, lake, allowed)


def _history(service: ServiceRecord, region: str, name: str, lake: str, allowed: bool) -> None:
    from advisor.apply import read_actions

    st.markdown("**Audit log**")
    actions = read_actions(lake, service.service_arn)
    if actions.empty:
        st.caption("No apply or rollback yet for this service.")
        return
    from advisor.apply import ConfigState

    shown = actions.assign(
        before=actions["before"].map(lambda text: ConfigState.from_json(text).label()),
        after=actions["after"].map(lambda text: ConfigState.from_json(text).label()),
    )
    columns = (
        "created_at",
        "kind",
        "status",
        "before",
        "after",
        "actor",
        "operation_id",
        "rollback_of",
        "message",
    )
    st.dataframe(shown[[c for c in columns if c in shown.columns]], hide_index=True, width="stretch")
    outcomes = state.action_outcomes(lake, state.version())
    if not outcomes.empty:
        mine = outcomes[outcomes["service_name"] == name]
        if not mine.empty:
            st.markdown(
                "**Predicted against realized savings** (per month, the engine's replay of the demand "
                "collected since each change; advance the sandbox clock and collect to see more)"
            )
            st.dataframe(
                mine[
                    [
                        "created_at",
                        "kind",
                        "status",
                        "before",
                        "after",
                        "predicted_monthly_savings_usd",
                        "realized_monthly_savings_usd",
                        "realized_minutes",
                        "note",
                    ]
                ],
                hide_index=True,
                width="stretch",
                column_config={
                    "predicted_monthly_savings_usd": st.column_config.NumberColumn(
                        "predicted", format="dollar"
                    ),
                    "realized_monthly_savings_usd": st.column_config.NumberColumn(
                        "realized", format="dollar"
                    ),
                    "realized_minutes": st.column_config.NumberColumn("minutes since"),
                },
            )
    if st.button("Prepare rollback of the last change", key="rollback_prepare", disabled=not allowed):
        from advisor.apply import plan_rollback

        try:
            st.session_state["rollback_plan"] = plan_rollback(_platform(region), name, lake=lake)
        except Exception as exc:
            st.error(f"Cannot plan the rollback: {exc}")
    plan = st.session_state.get("rollback_plan")
    if plan is not None and plan.service_arn == service.service_arn:
        _show_plan(plan)
        confirmed = st.checkbox(f"I want to roll {name} back now", key="rollback_confirm")
        if st.button("Roll back now", key="rollback_go", disabled=not (allowed and confirmed and plan.ok)):
            _run(plan, region, lake, "rollback_result")
            st.session_state.pop("rollback_plan", None)
    result = st.session_state.get("rollback_result")
    if result is not None:
        (st.success if result.succeeded else st.error)(f"rollback {result.status}: {result.message}")
