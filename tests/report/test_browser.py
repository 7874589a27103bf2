"""The HTML report in headless Chromium: charts drawn with no network, a laptop-sized screenshot kept in
build/screenshots/, and a print layout that fits the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.report.build import build_report
from advisor.report.period import resolve_period
from advisor.report.render import render

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def report_html(sandbox_lake, tmp_path_factory) -> Path:
    _, lake = sandbox_lake
    report = build_report(lake, resolve_period("7d", lake))
    return render(report, tmp_path_factory.mktemp("html"), ("html",)).directory / "report.html"


def test_the_report_renders_offline_on_a_laptop_screen(browser, report_html):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    requests, errors = [], []
    page.route(re.compile(r"^(?!file:).*"), lambda route: (requests.append(route.request.url), route.abort()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(report_html.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    traces = page.evaluate(
        "Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => p._fullData.length)"
    )
    assert traces == [4, 2, 2] and not errors and not requests
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440  # no sideways scrolling
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
    page.close()


def test_the_report_prints_on_a_few_landscape_pages(browser, report_html):
    page = browser.new_page(viewport={"width": 1075, "height": 760})
    page.goto(report_html.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg")
    pdf = page.pdf(prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 2 <= pages <= 8  # the model check added a section (issue 14)
    page.emulate_media(media="print")
    widest = page.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('section'), s => s.scrollWidth - s.clientWidth))"
    )
    assert widest <= 1  # every table fits its section on paper
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "report-print.pdf").write_bytes(pdf)
    page.screenshot(path=str(SHOTS / "report-print.png"), full_page=True)
    page.close()
