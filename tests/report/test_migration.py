"""The report's "Move to ECS?" section: the fleet table of `advisor migrate-whatif --all`, in every format."""

from __future__ import annotations

import json

import pytest

from advisor.migrate.pipeline import migrate_lake
from advisor.report.build import build_report
from advisor.report.period import resolve_period
from advisor.report.render import FORMATS, render


@pytest.fixture(scope="module")
def reported(sandbox_lake, tmp_path_factory):
    _, lake = sandbox_lake
    report = build_report(lake, resolve_period("7d", lake))
    return lake, report, render(report, tmp_path_factory.mktemp("out") / "r", FORMATS)


def test_the_section_has_each_services_what_if_and_the_fleet_total(reported):
    lake, report, _ = reported
    fleet = migrate_lake(lake)
    *services, total = report.migration
    assert total.total and not any(s.total for s in services)
    priced = {o.service_name: o.whatif for o in fleet.outcomes if o.whatif is not None}
    assert priced and {s.service_name for s in services if s.app_runner_usd is not None} == set(priced)
    for line in services:
        w = priced[line.service_name]
        assert line.fargate_usd == pytest.approx(w.targets["fargate"].monthly_cost_usd)
        assert line.recommendation == w.recommendation
    for target, usd in fleet.totals().items():
        assert getattr(total, f"{target}_usd") == pytest.approx(usd)


def test_markdown_html_and_json_carry_it(reported):
    _, report, out = reported
    total = report.migration[-1]
    markdown = (out.directory / "report.md").read_text()
    assert "## Move to ECS?" in markdown
    assert f"${total.fargate_usd:,.2f}" in markdown
    html = (out.directory / "report.html").read_text()
    assert 'id="migration"' in html and "Move to ECS?" in html
    rows = json.loads((out.directory / "report.json").read_text())["migration"]
    assert len(rows) == len(report.migration)
    assert rows[-1]["app_runner_usd"] == pytest.approx(total.app_runner_usd)


def test_a_lake_without_recommendations_says_to_recommend_first(one_day_lake, tmp_path):
    report = build_report(one_day_lake, resolve_period("7d", one_day_lake))
    assert report.migration == []
    html = (render(report, tmp_path / "out", ("html",)).directory / "report.html").read_text()
    assert "run &#x27;advisor recommend&#x27;, then the next report prices a move" in html
