"""Every format carries the same numbers; Markdown points at PNG charts that exist."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser

import pytest

from advisor.report.build import build_report
from advisor.report.period import resolve_period
from advisor.report.render import FORMATS, render, text_summary


@pytest.fixture(scope="module")
def rendered(sandbox_lake, tmp_path_factory):
    _, lake = sandbox_lake
    report = build_report(lake, resolve_period("7d", lake))
    return report, render(report, tmp_path_factory.mktemp("out") / "r", FORMATS)


def test_json_and_csv_carry_the_reports_numbers(rendered):
    report, out = rendered
    data = json.loads((out.directory / "report.json").read_text())
    assert data["total_cost_usd"] == pytest.approx(report.total_cost_usd)
    assert sum(s["cost_usd"] for s in data["services"]) == pytest.approx(report.total_cost_usd)
    with (out.directory / "services.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert sum(float(r["cost_usd"]) for r in rows) == pytest.approx(report.total_cost_usd)
    with (out.directory / "summary.csv").open() as f:
        summary = {r["metric"]: r["value"] for r in csv.DictReader(f)}
    assert float(summary["total_cost_usd"]) == pytest.approx(report.total_cost_usd)
    assert len(data["savings"]) == len(report.savings) and len(data["risks"]) == len(report.risks)


def test_markdown_embeds_png_charts_that_exist(rendered):
    _, out = rendered
    if out.images_error:
        pytest.skip(f"no static renderer here: {out.images_error}")
    markdown = (out.directory / "report.md").read_text()
    for name in ("daily_cost", "service_cost", "savings"):
        assert f"(charts/{name}.png)" in markdown
        assert (out.directory / "charts" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class ExternalReferences(HTMLParser):
    """Tags that would fetch something: scripts, styles and images from elsewhere."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        fetches = values.get("href") if tag == "link" else values.get("src")
        if tag in ("script", "img", "iframe", "link") and fetches:
            self.found.append(f"{tag} {values}")


def test_the_html_is_self_contained(rendered):
    _, out = rendered
    html = (out.directory / "report.html").read_text()
    parser = ExternalReferences()
    parser.feed(html)
    assert parser.found == []
    assert html.count('class="plotly-graph-div"') == 3


def test_the_chat_summary_names_the_cost_and_the_link(rendered):
    report, _ = rendered
    text = text_summary(report, "s3://bucket/r/report.html")
    assert f"${report.total_cost_usd:,.2f}" in text and text.endswith("s3://bucket/r/report.html")


def test_the_header_says_app_runner_is_closed_to_new_customers(rendered):
    _, out = rendered
    for name in ("report.md", "report.html"):
        text = (out.directory / name).read_text()
        assert "closed to new customers on 2026-04-30" in text and "ECS Express Mode" in text


def test_every_format_shows_each_services_model_check(rendered, sandbox_lake):
    from advisor.lake.recommendations import latest

    _, lake = sandbox_lake
    report, out = rendered
    stored = latest(lake, evidence=True)
    checks = {r.service_name: r.evidence.model_check for r in stored if r.evidence.model_check}
    assert len(checks) >= 3  # every service the engine recommended for (not a refusal)
    expected = [(name, row.quantity) for name, c in sorted(checks.items()) for row in c.rows]
    assert sorted((line.service_name, line.quantity) for line in report.model_check) == sorted(expected)
    data = json.loads((out.directory / "report.json").read_text())
    by_key = {(r["service_name"], r["quantity"]): r for r in data["model_check"]}
    for name, check in checks.items():
        for row in check.rows:
            assert by_key[(name, row.quantity)]["error_pct"] == row.error_pct
    markdown = (out.directory / "report.md").read_text()
    assert "## Model vs observed" in markdown
    hours = next(line for line in report.model_check if line.quantity == "active instance hours")
    assert (
        f"| {hours.service_name} | {hours.region} | active instance hours | {hours.modeled_text} |"
        in markdown
    )
    page = (out.directory / "report.html").read_text()
    assert 'id="model_check"' in page and "Model vs observed" in page
