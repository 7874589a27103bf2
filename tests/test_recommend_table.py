"""`advisor recommend`'s fleet table, order and filters, on recommendations written by hand.

Each expectation is worked out by hand from the rows below, not by the code under test.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from advisor.cli.formats.recommend import fleet_csv, fleet_json, fleet_table
from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.explain import DataSummary, Outcome, Recommendation
from advisor.errors import InputError
from advisor.recommend.pipeline import FleetRecommendation, ServiceRecommendation
from advisor.recommend.view import FleetView, arrange, total

LONG_REASON = (
    "Latency rises past 42.0 concurrent requests per instance (the knee, observed on 61 minutes); "
    "CPU stays under 80%. Then a second sentence the table never shows."
)


def rec(
    region, now, then, *, confidence="high", breach_now=0, throttled=0.0, current=(100, 1, 25), new=(50, 1, 2)
):
    cur, rec_ = ScalingConfig(*current), ScalingConfig(*new)
    return Recommendation(
        status="ok",
        current=cur,
        instance=InstanceSize(1, 2),
        region=region,
        profile="balanced",
        confidence=confidence,
        data_rule="14.0 days of metrics",
        data=DataSummary(20160, 20160, 1e6),
        reasons=[LONG_REASON, "MinSize 1: ...", "Money: ..."],
        recommended=rec_,
        breach_budget_minutes=20,
        before={
            "history": Outcome(cur, "history", 20160, now, breach_now, throttled),
            "forecast": Outcome(cur, "forecast", 20160, now, breach_now, throttled),
        },
        after={
            "history": Outcome(rec_, "history", 20160, then, 3, 0.0),
            "forecast": Outcome(rec_, "forecast", 20160, then, 3, 0.0),
        },
    )


AT = datetime(2026, 3, 10, tzinfo=UTC)
CHECKOUT = ServiceRecommendation(
    "checkout-api", "arn:1", "us-east-1", AT, rec("us-east-1", 412.50, 43.15, breach_now=120, throttled=5.0)
)
ORDERS = ServiceRecommendation("orders-api", "arn:2", "us-east-1", AT, rec("us-east-1", 56.94, 56.94))
SEARCH = ServiceRecommendation(
    "search-api",
    "arn:3",
    "eu-west-1",
    AT,
    rec(
        "eu-west-1", 100.00, 469.35, confidence="low", breach_now=400, current=(100, 10, 25), new=(60, 10, 25)
    ),
)
BROKEN = ServiceRecommendation("admin-tool", "arn:4", "eu-west-1", error="ValueError: cannot convert NaN")
FLEET = FleetRecommendation(Path("/lake"), [CHECKOUT, ORDERS, SEARCH, BROKEN])


def rendered(table, width=80) -> str:
    console = Console(file=io.StringIO(), width=width, soft_wrap=False, color_system=None)
    console.print(table)
    return console.file.getvalue()


def names(outcomes) -> list[str]:
    return [o.service_name for o in outcomes]


def test_the_total_row_adds_the_rows_that_have_both_costs():
    # now: 412.50 + 56.94 + 100.00 = 569.44; recommended: 43.15 + 56.94 + 469.35 = 569.44 - 0.00
    text = rendered(fleet_table(FLEET))
    total_lines = text[text.index("total") :].splitlines()[:2]
    assert "$569.44" in total_lines[0] and "→ $569.44" in total_lines[1]
    assert "3 of 4 priced" in total_lines[1]


def test_the_total_of_a_filtered_table_is_the_total_of_its_rows():
    # checkout-api and orders-api: now 412.50 + 56.94 = 469.44, recommended 43.15 + 56.94 = 100.09,
    # savings 369.35 (79% of 469.44)
    text = rendered(fleet_table(FLEET, FleetView(min_savings=0)))
    total_lines = text[text.index("total") :].splitlines()[:3]
    assert re.search(r"\$469\.44 +\$369\.35", total_lines[0])
    assert "→ $100.09" in total_lines[1] and "79%" in total_lines[1]


def test_negative_savings_read_minus_dollars():
    # search-api: 100.00 - 469.35 = -369.35, -369% of what it costs now
    text = rendered(fleet_table(FLEET))
    row = text[text.index("search-api") :].splitlines()[:2]
    assert "-$369.35" in row[0] and "-369%" in row[1]


def test_the_table_fits_80_columns_with_its_headers_whole():
    text = rendered(fleet_table(FLEET), width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    header = next(line for line in text.splitlines() if "service" in line and "config" in line)
    assert header.split() == ["service", "config", "cost/mo", "savings", "risk", "conf."]


def test_reasons_are_shortened_to_their_first_sentence_in_the_table():
    text = rendered(fleet_table(FLEET))
    line = next(line for line in text.splitlines() if line.strip().startswith("checkout-api:"))
    assert "Latency rises past 42.0 concurrent requests per instance" in line and line.endswith("…")
    assert "second sentence" not in text


def test_json_keeps_every_reason_whole():
    import json

    item = next(i for i in json.loads(fleet_json(FLEET)) if i["service_name"] == "checkout-api")
    assert item["reasons"][0] == LONG_REASON and len(item["reasons"]) == 3


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("savings", ["checkout-api", "orders-api", "search-api", "admin-tool"]),  # 369.35, 0, -369.35, ?
        ("cost", ["checkout-api", "search-api", "orders-api", "admin-tool"]),  # 412.50, 100.00, 56.94, ?
        ("risk", ["search-api", "checkout-api", "orders-api", "admin-tool"]),  # 400, 120, 0 breach min, ?
        ("confidence", ["checkout-api", "orders-api", "search-api", "admin-tool"]),  # high, high, low, ?
        ("name", ["admin-tool", "checkout-api", "orders-api", "search-api"]),
    ],
)
def test_sort_puts_the_biggest_first_and_the_unknown_last(sort, order):
    assert names(arrange(FLEET.outcomes, FleetView(sort=sort))) == order


def test_filters_keep_what_was_asked_for():
    assert names(arrange(FLEET.outcomes, FleetView(min_savings=100))) == ["checkout-api"]
    assert names(arrange(FLEET.outcomes, FleetView(confidence="medium"))) == ["checkout-api", "orders-api"]
    # checkout-api throttled on history; search-api breached (latency) without throttling
    assert names(arrange(FLEET.outcomes, FleetView(risk="throttling"))) == ["checkout-api"]
    assert names(arrange(FLEET.outcomes, FleetView(risk="latency"))) == ["search-api"]
    assert names(arrange(FLEET.outcomes, FleetView(risk="any"))) == ["checkout-api", "search-api"]


def test_csv_is_filtered_and_sorted_like_the_table():
    lines = fleet_csv(FLEET, FleetView(sort="savings", min_savings=0)).splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["checkout-api", "orders-api"]
    assert "prices_estimate" in lines[0].split(",")


@pytest.mark.parametrize(
    ("view", "flag"),
    [
        ({"sort": "price"}, "--sort"),
        ({"risk": "fire"}, "--risk"),
        ({"confidence": "certain"}, "--confidence"),
        ({"min_savings": float("nan")}, "--min-savings"),
    ],
)
def test_a_bad_sort_or_filter_is_bad_input(view, flag):
    with pytest.raises(InputError, match=flag):
        FleetView(**view)


def test_money_priced_from_estimated_rates_is_marked_in_rows_and_total():
    tokyo = ServiceRecommendation("jp-api", "arn:5", "ap-northeast-1", AT, rec("ap-northeast-1", 20.0, 10.0))
    fleet = FleetRecommendation(Path("/lake"), [ORDERS, tokyo])
    text = rendered(fleet_table(fleet))
    assert "≈$20.00" in text and "≈$10.00" in text  # the Tokyo row
    assert "$56.94" in text and "≈$56.94" not in text  # us-east-1's published rates
    assert "≈$76.94" in text  # the total holds an estimate: 56.94 + 20.00
    assert "docs/pricing.md" in text
    assert total([ORDERS]).prices_estimate is False and total([tokyo]).prices_estimate is True


def test_json_and_csv_flag_estimated_prices():
    import json

    tokyo = ServiceRecommendation("jp-api", "arn:5", "ap-northeast-1", AT, rec("ap-northeast-1", 20.0, 10.0))
    fleet = FleetRecommendation(Path("/lake"), [ORDERS, tokyo])
    by_name = {i["service_name"]: i for i in json.loads(fleet_json(fleet))}
    assert by_name["jp-api"]["prices_estimate"] is True and by_name["orders-api"]["prices_estimate"] is False
    rows = fleet_csv(fleet).splitlines()
    column = rows[0].split(",").index("prices_estimate")
    assert [r.split(",")[column] for r in rows[1:]] == ["True", "False"]  # by name: jp-api first


def test_the_progress_bar_draws_each_service_on_a_terminal():
    from advisor.cli.formats.progress import ServiceBar

    screen = io.StringIO()
    with ServiceBar("recommend", console=Console(file=screen, force_terminal=True, width=80)) as bar:
        bar.advance("checkout-api", 1, 8)
    assert "recommend" in screen.getvalue() and "checkout-api done" in screen.getvalue()
    assert "1/8" in screen.getvalue()


def test_the_progress_bar_is_silent_into_a_pipe():
    from advisor.cli.formats.progress import ServiceBar

    pipe = io.StringIO()
    with ServiceBar("recommend", console=Console(file=pipe)) as bar:
        bar.advance("checkout-api", 1, 8)
    assert pipe.getvalue() == ""


def test_the_flags_spell_the_views_choices():
    from advisor.cli.commands import recommend as command
    from advisor.recommend import view

    assert command.SORTS == view.SORTS
    assert command.RISKS == view.RISKS
    assert command.CONFIDENCE_LEVELS == view.CONFIDENCE_LEVELS


def test_fleet_flags_with_a_trace_are_bad_input(tmp_path, monkeypatch, capsys):
    import sys

    from advisor import cli

    monkeypatch.setattr(
        sys, "argv", ["advisor", "recommend", "--from-trace", str(tmp_path / "t.csv"), "--sort", "cost"]
    )
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "--from-trace" in err and len(err.strip().splitlines()) == 1
