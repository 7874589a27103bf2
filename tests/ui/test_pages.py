"""Every page and widget path of the dashboard, headless with streamlit.testing (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from advisor.lake import views as overview
from advisor.presentation.numbers import MISSING

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def fleet_page():
    from advisor.ui import fleet

    fleet.render()


def service_page():
    from advisor.ui import service

    service.render()


def data_page():
    from advisor.ui import data_page

    data_page.render()


def run(page, **query) -> AppTest:
    at = AppTest.from_function(page, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def arn_of(lake, name: str) -> str:
    fleet = overview.fleet(lake)
    return fleet.loc[fleet["service_name"] == name, "service_arn"].iloc[0]


def test_the_app_starts_on_the_fleet_page(sandbox_lake):
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert at.title[0].value == "App Runner fleet"


def stored_rows(lake) -> pd.DataFrame:
    """The newest `recommendations` row of each service, read straight from the Parquet files (not
    through the views the page uses)."""
    files = sorted((Path(lake) / "recommendations").rglob("*.parquet"))
    rows = pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)
    return rows.sort_values("generated_at").groupby("service_arn").tail(1).set_index("service_name")


def test_fleet_shows_every_service_with_the_engines_totals(sandbox_lake):
    _, lake = sandbox_lake
    at = run(fleet_page)
    assert not at.exception
    # catalog-svc runs in ap-northeast-1, whose vCPU rate AWS does not publish: the totals are estimates
    rows = stored_rows(lake)
    assert at.metric[0].value == str(len(rows)) == "4"
    assert at.metric[1].value == f"≈${rows['current_monthly_cost'].sum():,.2f}"
    assert at.metric[2].value == f"≈${rows['predicted_monthly_cost'].sum():,.2f}"
    table = at.dataframe[0].value
    assert set(table["service_name"]) == set(rows.index)


def test_fleet_risk_columns_describe_the_configuration_beside_them(sandbox_lake):
    _, lake = sandbox_lake
    rows = stored_rows(lake)
    table = run(fleet_page).dataframe[0].value.set_index("service_name")
    for name, row in rows.iterrows():
        now = row["risks"].split(",") if row["risks"] else []
        recommended = row["recommended_risks"].split(",") if row["recommended_risks"] else []
        assert table.loc[name, "risk_now"] == (", ".join(fleet_icons(now)) or "none")
        assert table.loc[name, "risk_recommended"] == (", ".join(fleet_icons(recommended)) or "none")
        if row["action"] == "none":  # nothing recommended (paused, too little data)
            assert pd.isna(table.loc[name, "recommended"])
            continue
        knobs = [int(row[f"recommended_{k}"]) for k in ("max_concurrency", "min_size", "max_size")]
        shown = "keep current" if row["action"] == "keep" else "/".join(map(str, knobs))
        assert table.loc[name, "recommended"] == shown


def fleet_icons(risks: list[str]) -> list[str]:
    words = {"throttling": "throttling (429s)", "latency": "slow (latency)", "cold starts": "cold starts"}
    return [words[r] for r in risks]


def test_fleet_says_which_prices_are_estimates(sandbox_lake):
    at = run(fleet_page)
    assert any("ap-northeast-1" in c.value and "estimate" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert dict(zip(table["service_name"], table["prices"], strict=True)) == {
        "webhook-receiver": "published",
        "admin-tool": "published",
        "catalog-svc": "≈ estimate",
        "checkout-api": "published",
    }
    at.multiselect(key="fleet_regions").select("us-east-1").run()
    assert at.metric[1].value.startswith("$")  # checkout-api alone: published rates


def test_fleet_filters_narrow_the_table(sandbox_lake):
    at = run(fleet_page)
    at.multiselect(key="fleet_regions").select("us-east-1").run()
    assert set(at.dataframe[0].value["region"]) == {"us-east-1"}
    at.checkbox(key="fleet_risky").check().run()
    assert all(risk != "none" for risk in at.dataframe[0].value["risk_now"])


def test_empty_lake_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVISOR_LAKE", str(tmp_path / "empty"))
    at = run(fleet_page)
    assert not at.exception
    assert "advisor collect" in at.info[0].value


@pytest.mark.parametrize("name", ["webhook-receiver", "catalog-svc", "checkout-api", "admin-tool"])
def test_service_page_renders_every_tab(sandbox_lake, name):
    _, lake = sandbox_lake
    at = run(service_page, service=arn_of(lake, name))
    assert not at.exception, at.exception
    assert name in at.subheader[0].value
    assert [t.label for t in at.tabs] == [
        "Metrics",
        "Capacity & forecast",
        "What-if",
        "Move?",
        "Logs",
        "Apply",
    ]


def whatif_cost(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "What-if monthly cost")


def test_what_if_slider_shows_the_engines_replay(sandbox_lake):
    from advisor.domain import ScalingConfig
    from advisor.engine.whatif import replay_history
    from advisor.lake.reader import wide_metrics

    _, lake = sandbox_lake
    arn = arn_of(lake, "checkout-api")
    at = run(service_page, service=arn)
    before = whatif_cost(at)
    at.slider(key="wi_M").set_value(25).run()
    at.slider(key="wi_m").set_value(25).run()
    after = whatif_cost(at)
    assert after != before
    detail = overview.service_detail(lake, arn)
    config = ScalingConfig(at.slider(key="wi_c").value, 25, 25)
    evidence = detail.recommendation.evidence  # its capacity and calibration, as the page replays with
    metrics = wide_metrics(lake, arn)
    expected = replay_history(
        metrics, config, detail.service.instance, "us-east-1", evidence.capacity, evidence.calibration
    )
    assert after == f"${expected.summary.monthly_cost_usd:,.2f}"


def test_profile_switch_reruns_the_recommender(sandbox_lake):
    _, lake = sandbox_lake
    at = run(service_page, service=arn_of(lake, "webhook-receiver"))
    at.radio(key="profile").set_value("performance").run()
    assert not at.exception
    assert any(m.label == "Recommended" and m.value != MISSING for m in at.metric)


def log_table(at: AppTest):
    return next(d.value for d in at.dataframe if "log_stream" in d.value.columns)


def test_log_search_filters_events(sandbox_lake):
    _, lake = sandbox_lake
    at = run(service_page, service=arn_of(lake, "webhook-receiver"))
    at.text_input(key="log_search").input("ERROR").run()
    logs = log_table(at)
    assert len(logs) > 0 and logs["message"].str.contains("ERROR").all()
    at.radio(key="log_kind").set_value("service").run()
    assert log_table(at)["message"].str.contains("ERROR").sum() == 0


def test_apply_is_disabled_in_read_only_mode(sandbox_lake, monkeypatch):
    _, lake = sandbox_lake
    monkeypatch.delenv("ADVISOR_ALLOW_APPLY", raising=False)
    at = run(service_page, service=arn_of(lake, "checkout-api"))
    assert any("Read-only mode" in w.value for w in at.warning)
    assert at.button(key="apply_prepare").disabled


def test_apply_then_rollback_from_the_dashboard(sandbox_lake, monkeypatch):
    _, lake = sandbox_lake
    monkeypatch.setenv("ADVISOR_ALLOW_APPLY", "1")
    arn = arn_of(lake, "webhook-receiver")
    at = run(service_page, service=arn)
    at.button(key="apply_prepare").click().run()
    assert not at.exception, at.exception
    assert at.button(key="apply_go").disabled  # not confirmed yet
    at.checkbox(key="apply_confirm").check().run()
    at.button(key="apply_go").click().run()
    assert any("succeeded" in s.value for s in at.success), [e.value for e in at.error]
    actions = next(d.value for d in at.dataframe if "actor" in d.value.columns)
    assert "succeeded" in set(actions["status"])
    at.button(key="rollback_prepare").click().run()
    at.checkbox(key="rollback_confirm").check().run()
    at.button(key="rollback_go").click().run()
    assert any("rollback succeeded" in s.value for s in at.success), [e.value for e in at.error]


def test_data_page_shows_freshness(sandbox_lake):
    at = run(data_page)
    assert not at.exception
    assert at.subheader[0].value == "Latest data per service and table"
    assert len(at.dataframe[0].value) == 4


def test_collect_now_fills_the_lake_from_the_sandbox(sandbox_lake):
    at = run(data_page)
    at.button(key="collect_now").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "Last collection: 4 services" in at.success[0].value


def test_realized_against_predicted_savings_after_the_clock_moves(sandbox_lake, monkeypatch):
    from advisor.apply import connect, execute, plan_apply
    from advisor.aws.session import AwsSession
    from advisor.collect.run import CollectRequest, collect

    box, lake = sandbox_lake
    monkeypatch.setenv("ADVISOR_ALLOW_APPLY", "1")
    from advisor.recommend.pipeline import recommend_lake

    recommend_lake(lake)  # fresh after the other tests' collections
    platform = connect(region="us-east-1", endpoint_url=box.endpoint)
    plan = plan_apply(platform, "checkout-api", lake=lake, recommendation="latest")
    result = execute(plan, platform, lake=lake, allow_apply=True)
    assert result.ok, result.message
    box.advance(3)
    collect(AwsSession.open(None, box.endpoint), CollectRequest(lake=lake, regions=("us-east-1",), days=2))
    at = run(service_page, service=arn_of(lake, "checkout-api"))
    assert not at.exception, at.exception
    assert any("Predicted against realized" in m.value for m in at.markdown)
    table = next(d.value for d in at.dataframe if "realized_monthly_savings_usd" in d.value.columns)
    applied = table[table["status"] == "succeeded"]
    assert applied["realized_monthly_savings_usd"].notna().any()
    assert (applied["realized_minutes"] >= 120).any()


def test_service_page_shows_the_model_against_what_was_observed(sandbox_lake):
    from advisor.presentation.modelcheck import TITLE, cells

    _, lake = sandbox_lake
    arn = arn_of(lake, "checkout-api")
    check = overview.service_detail(lake, arn).recommendation.evidence.model_check
    at = run(service_page, service=arn)
    assert not at.exception
    [box] = [e for e in at.expander if e.label == TITLE]
    [table] = [t.value for t in box.table]
    assert list(table.index) == [r.quantity for r in check.rows]
    for row in check.rows:
        shown = table.loc[row.quantity]
        assert shown["error"] == cells(row)["error"] and shown["error"][-1] in "%?"
        assert shown["modeled"] == cells(row)["modeled"]
    assert table.loc["cost", "modeled"].startswith(("$", "?")) and table.loc[
        "active instance hours", "observed"
    ].endswith(" h")
    assert check.verdict in " ".join(c.value for c in box.caption)
