"""The service page's "Move?" tab and the fleet's migration page, headless with streamlit.testing
(AppTest) against the sandbox lake: the numbers on screen are the migration pipeline's own."""

from __future__ import annotations

from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from advisor.engine.migrate import TARGETS, MigrateSettings
from advisor.lake import views as overview
from advisor.presentation.migration import TARGET_LABELS
from advisor.presentation.numbers import money
from advisor.pricing.apprunner import prices_estimated
from advisor.pricing.ecs import ecs_prices_for


def service_page():
    from advisor.ui import service

    service.render()


def move_page():
    from advisor.ui import move

    move.render_fleet()


def arn_of(lake, name: str) -> str:
    fleet = overview.fleet(lake)
    return fleet.loc[fleet["service_name"] == name, "service_arn"].iloc[0]


def open_move_tab(arn: str) -> AppTest:
    at = AppTest.from_function(service_page, default_timeout=180)
    at.query_params["service"] = arn
    at.session_state["service_tab"] = "Move?"
    return at.run()


def shown_costs(at: AppTest) -> dict[str, str]:
    labels = {f"{TARGET_LABELS[t]} per month": t for t in TARGETS}
    return {labels[m.label]: m.value for m in at.metric if m.label in labels}


def expected_migration(lake, name: str, settings: MigrateSettings | None = None):
    """The pipeline's migration of the service; by default with its ALB shared as the fleet's would be
    (the lake's services in its region and VPC)."""
    from advisor.migrate.pipeline import alb_groups, migrate_service

    arn = arn_of(lake, name)
    if settings is None:
        inventories = [overview.service_inventory(lake, a) for a in overview.fleet(lake)["service_arn"]]
        settings = replace(MigrateSettings(), alb_services=alb_groups(inventories)[arn])
    return migrate_service(lake, overview.service_detail(lake, arn).service, settings)


def test_the_service_page_has_a_move_tab_that_runs_only_when_opened(sandbox_lake):
    _, lake = sandbox_lake
    at = AppTest.from_function(service_page, default_timeout=180)
    at.query_params["service"] = arn_of(lake, "checkout-api")
    at.run()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs] == [
        "Metrics",
        "Capacity & forecast",
        "What-if",
        "Move?",
        "Logs",
        "Apply",
    ]
    assert shown_costs(at) == {}  # not opened: three platforms not replayed on every page load


@pytest.mark.parametrize("name", ["checkout-api", "admin-tool"])
def test_move_tab_shows_the_three_costs_and_the_recommendation(sandbox_lake, name):
    _, lake = sandbox_lake
    at = open_move_tab(arn_of(lake, name))
    assert not at.exception, at.exception
    whatif = expected_migration(lake, name).whatif
    # eu-west-1's ECS rates are estimated (the shared lines, logs and data out, are priced from them)
    est = prices_estimated(whatif.region) or ecs_prices_for(whatif.region).estimated
    assert est == (name == "admin-tool")
    assert shown_costs(at) == {t: money(whatif.targets[t].monthly_cost_usd, est) for t in TARGETS}
    [verdict] = [b.value for b in (*at.success, *at.info) if b.value.startswith("**")]
    if whatif.recommendation == "stay":
        assert verdict.startswith("**Stay on App Runner**")
    else:  # the advised platform, and what moving there saves
        advised = {"move": "ecs_express", "move with these settings": "fargate"}[whatif.recommendation]
        saving = whatif.targets["app_runner"].monthly_cost_usd - whatif.targets[advised].monthly_cost_usd
        words = {"ecs_express": "**Move to ECS Express**", "fargate": "**Move to ECS on Fargate"}[advised]
        assert verdict.startswith(words) and f"saves {money(saving, est)} a month" in verdict
    reasons = " ".join(m.value for m in at.markdown)
    assert all(reason in reasons for reason in whatif.reasons)
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Monthly cost on each platform" in spec for spec in charts)
    assert any("Breach minutes over the" in spec for spec in charts)
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "CreateExpressGatewayService request (JSON)",
        "CloudFormation template (JSON)",
        "Steps (Markdown)",
    ]


def test_sharing_the_alb_lowers_the_express_cost_as_the_pipeline_says(sandbox_lake):
    _, lake = sandbox_lake
    at = open_move_tab(arn_of(lake, "checkout-api"))
    alone = shown_costs(at)
    at.number_input(key="move_alb").set_value(25).run()
    assert not at.exception, at.exception
    shared = shown_costs(at)
    whatif = expected_migration(lake, "checkout-api", replace(MigrateSettings(), alb_services=25)).whatif
    assert shared["ecs_express"] == money(whatif.targets["ecs_express"].monthly_cost_usd)
    assert shared["ecs_express"] != alone["ecs_express"]
    assert shared["app_runner"] == alone["app_runner"]  # App Runner has no load balancer to share


def test_fleet_view_totals_and_order_are_the_pipelines(sandbox_lake):
    from advisor.migrate.pipeline import migrate_lake

    _, lake = sandbox_lake
    at = AppTest.from_function(move_page, default_timeout=300).run()
    assert not at.exception, at.exception
    fleet = migrate_lake(lake)  # each ALB shared by the services moved together, per region and VPC
    totals = fleet.totals()
    shown = {m.label: m.value for m in at.metric}
    for target in TARGETS:  # catalog-svc (Tokyo) and admin-tool (Ireland) are priced from estimates
        assert shown[f"{TARGET_LABELS[target]}, all services"] == money(totals[target], estimate=True)
    table = at.dataframe[0].value
    assert len(table) == sum(o.whatif is not None for o in fleet.outcomes) == 4
    assert list(table["move_saves"]) == sorted(table["move_saves"], reverse=True)
    for row in table.itertuples():
        ecs = min(getattr(row, t) for t in TARGETS if t != "app_runner")
        assert row.move_saves == pytest.approx(row.app_runner - ecs)
