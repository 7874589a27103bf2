"""The dashboard in a real browser (Debian's Chromium driven by Playwright), as a person uses it:
fleet → service → what-if → apply → audit → rollback, with screenshots saved in build/screenshots/."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from advisor.cli.commands.demo import dashboard_command
from advisor.engine.migrate import MigrateSettings
from advisor.lake import views as overview
from advisor.presentation.migration import TARGET_LABELS

CHROMIUM = Path("/usr/bin/chromium")
ROW_PX = 35  # Streamlit's dataframe row (and header) height
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "screenshots"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is not installed (make test installs it)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard(sandbox_lake):
    box, lake = sandbox_lake
    port = free_port()
    env = {
        **os.environ,
        "ADVISOR_LAKE": str(lake),
        "AWS_ENDPOINT_URL": box.endpoint,
        "ADVISOR_ALLOW_APPLY": "1",
    }
    process = subprocess.Popen(
        dashboard_command(port),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def page(dashboard, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.set_default_timeout(60_000)
    yield page
    page.close()


def settle(page) -> None:
    """Wait until Streamlit has finished running the script (its running indicator gone for a moment)."""
    for _ in range(3):
        time.sleep(0.5)
        page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=90_000)


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def metric_value(page, label: str) -> str:
    metric = page.locator("[data-testid='stMetric']", has_text=label).first
    return metric.locator("[data-testid='stMetricValue']").inner_text()


def test_fleet_service_whatif_apply_audit_rollback(page, dashboard, sandbox_lake):
    _, lake = sandbox_lake
    page.goto(dashboard)
    page.get_by_role("heading", name="App Runner fleet").wait_for()
    page.locator("[data-testid='stDataFrame']").first.wait_for()  # the fleet table
    settle(page)
    # catalog-svc runs in Tokyo, whose vCPU rate AWS does not publish: the total is marked an estimate
    assert re.match(r"≈\$[\d,]+\.\d\d", metric_value(page, "Monthly cost now"))
    shot(page, "1-fleet")

    # click through: select webhook-receiver's row (the table lists the fleet in the lake's order)
    row = list(overview.fleet(lake)["service_name"]).index("webhook-receiver")
    grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
    page.mouse.click(grid["x"] + 15, grid["y"] + ROW_PX * (row + 1) + ROW_PX / 2)
    page.get_by_role("heading", name="Service").wait_for()
    settle(page)
    page.get_by_text("webhook-receiver · us-west-2").wait_for()
    shot(page, "2-service")

    page.get_by_role("tab", name="What-if").click()
    settle(page)
    before = metric_value(page, "What-if monthly cost")
    thumb = page.locator("[data-testid='stSlider']", has_text="MinSize").locator("input[type=range]")
    start = int(thumb.input_value())
    thumb.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([label, before]) => [...document.querySelectorAll('[data-testid=stMetric]')]"
        ".some(m => m.innerText.includes(label) && !m.innerText.includes(before))",
        arg=["What-if monthly cost", before],
        timeout=60_000,
    )
    settle(page)
    assert int(thumb.input_value()) == start + 3
    assert metric_value(page, "What-if monthly cost") != before
    shot(page, "3-whatif")

    page.get_by_role("tab", name="Apply").click()
    page.get_by_role("button", name="Prepare the change").click()
    settle(page)
    page.get_by_text("Calls that will be made").wait_for()
    page.get_by_text("I want to change webhook-receiver").click()
    settle(page)
    page.get_by_role("button", name="Apply now").click()
    page.get_by_text(re.compile(r"^succeeded: ")).first.wait_for(timeout=90_000)
    settle(page)
    shot(page, "4-applied")
    assert page.get_by_text("Audit log").is_visible()

    page.get_by_role("button", name="Prepare rollback of the last change").click()
    settle(page)
    page.get_by_text("I want to roll webhook-receiver back now").click()
    settle(page)
    page.get_by_role("button", name="Roll back now").click()
    page.get_by_text(re.compile(r"^rollback succeeded")).first.wait_for(timeout=90_000)
    shot(page, "5-rolled-back")


def test_move_tab_costs_recommendation_and_plan_download(page, dashboard, sandbox_lake, tmp_path):
    import json

    from advisor.aws.ecsmodel import validate_express_request
    from advisor.migrate.pipeline import migrate_service

    _, lake = sandbox_lake
    fleet = overview.fleet(lake)
    arn = fleet.loc[fleet["service_name"] == "checkout-api", "service_arn"].iloc[0]
    expected = migrate_service(lake, overview.service_detail(lake, arn).service, MigrateSettings())
    page.goto(f"{dashboard}/service?service={arn}")
    page.get_by_text("checkout-api · us-east-1").wait_for()
    settle(page)
    page.get_by_role("tab", name="Move?").click()
    page.locator("[data-testid='stMetric']", has_text="ECS Express per month").wait_for(timeout=120_000)
    settle(page)
    for target, label in TARGET_LABELS.items():
        cost = expected.whatif.targets[target].monthly_cost_usd
        assert metric_value(page, f"{label} per month") == f"${cost:,.2f}"  # us-east-1: published rates
    assert page.get_by_text(expected.whatif.reasons[0]).first.is_visible()
    assert page.locator(".js-plotly-plot").count() >= 3  # costs, breach minutes, break-even
    page.get_by_role("tab", name="Move?").evaluate("tab => tab.scrollIntoView({block: 'start'})")
    shot(page, "6-move")

    with page.expect_download() as download:
        page.get_by_role("button", name="CreateExpressGatewayService request (JSON)").click()
    saved = tmp_path / "request.json"
    download.value.save_as(saved)
    request = json.loads(saved.read_text())
    assert request == json.loads(json.dumps(expected.plan.request, default=str))
    assert validate_express_request(request) == []
    for step in expected.plan.steps:
        assert page.get_by_text(step.title).first.is_visible()


def test_fleet_move_view_lists_every_service_by_saving(page, dashboard):
    page.goto(f"{dashboard}/move")
    page.get_by_role("heading", name="Move off App Runner?").wait_for()
    page.locator("[data-testid='stMetric']", has_text="ECS Express, all services").wait_for(timeout=180_000)
    settle(page)
    for label in ("App Runner", "ECS Express", "Fargate"):
        assert re.match(r"≈?\$[\d,]+\.\d\d", metric_value(page, f"{label}, all services"))
    assert page.locator("[data-testid='stDataFrame']").count() == 1
    shot(page, "7-move-fleet")

    # a row opens that service's page on its Move? tab (the table lists the biggest saving first)
    grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
    page.mouse.click(grid["x"] + 15, grid["y"] + ROW_PX * 1 + ROW_PX / 2)
    page.get_by_role("heading", name="Service").wait_for()
    page.locator("[data-testid='stMetric']", has_text="ECS Express per month").wait_for(timeout=120_000)
    assert page.get_by_role("tab", name="Move?").get_attribute("aria-selected") == "true"
