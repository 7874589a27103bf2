"""The Move? tab's figures draw the engine's numbers as they are: one bar per platform, one colour per
cost component, the error budget as a line, and the break-even between the two platforms' sides."""

from __future__ import annotations

import pytest

from advisor.presentation import charts

# a worked example, in the shape of MigrationWhatIf.to_dict()["targets"]
TARGETS = {
    "app_runner": {
        "monthly_cost_usd": 56.94,
        "cost_lines": [{"component": "compute", "usd": 56.94, "detail": "1 instance active 730 h"}],
        "breach_minutes": 3,
        "minutes": 2880,
    },
    "ecs_express": {
        "monthly_cost_usd": 64.67,
        "cost_lines": [
            {"component": "compute", "usd": 36.04, "detail": "1 task 730 h"},
            {"component": "load balancer", "usd": 16.43, "detail": "1 ALB-h x 730"},
            {"component": "public IPv4", "usd": 12.20, "detail": ""},
        ],
        "breach_minutes": 9,
        "minutes": 2880,
    },
    "fargate": {
        "monthly_cost_usd": 40.0,
        "cost_lines": [
            {"component": "compute", "usd": 36.04, "detail": ""},
            {"component": "public IPv4", "usd": 3.96, "detail": ""},
        ],
        "breach_minutes": 0,
        "minutes": 2880,
    },
}


def test_cost_stacks_have_one_trace_per_component_and_one_bar_per_platform():
    fig = charts.migration_costs(TARGETS)
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == ["compute", "load balancer", "public IPv4"]
    by_name = {t.name: list(t.y) for t in fig.data}
    assert list(fig.data[0].x) == ["App Runner", "ECS Express", "Fargate"]
    # a platform without a component gets a zero-height segment, never a shifted one
    assert by_name == {
        "compute": [56.94, 36.04, 36.04],
        "load balancer": [0.0, 16.43, 0.0],
        "public IPv4": [0.0, 12.20, 3.96],
    }
    # each stack sums to the platform's total, written on top of it
    for i, target in enumerate(TARGETS):
        assert sum(by_name[c][i] for c in by_name) == pytest.approx(TARGETS[target]["monthly_cost_usd"])
    assert [a.text for a in fig.layout.annotations] == ["<b>$56.94</b>", "<b>$64.67</b>", "<b>$40.00</b>"]


def test_what_every_platform_pays_alike_is_the_base_and_zero_lines_are_left_out():
    same = {"component": "data transfer out", "usd": 5.0, "detail": ""}
    zero = {"component": "App Runner deployments", "usd": 0.0, "detail": ""}
    targets = {
        t: {**o, "cost_lines": [*o["cost_lines"], same] + ([zero] if t == "app_runner" else [])}
        for t, o in TARGETS.items()
    }
    fig = charts.migration_costs(targets)
    assert [t.name for t in fig.data] == ["data transfer out", "compute", "load balancer", "public IPv4"]


def test_breach_bars_mark_the_platforms_over_the_budget():
    fig = charts.migration_breaches(TARGETS, budget_minutes=5)
    [bars] = fig.data
    assert list(bars.x) == [3, 9, 0]
    colors = list(bars.marker.color)
    assert colors[1] == charts.PALETTE["capacity"]  # Express: 9 > 5
    assert charts.PALETTE["capacity"] not in (colors[0], colors[2])
    [line] = fig.layout.shapes
    assert line.x0 == line.x1 == 5
    assert "2,880 minutes" in fig.layout.title.text


def test_break_even_labels_each_side_with_the_cheaper_platform():
    fig = charts.break_even(100.0, 1000.0, "app_runner", "fargate")
    left, right = fig.layout.shapes
    assert (left.x0, left.x1, right.x0, right.x1) == (10.0, 1000.0, 1000.0, 10000.0)
    assert [a.text for a in fig.layout.annotations] == [
        "App Runner cheaper",
        "Fargate cheaper",
    ]
    marks = {t.name: t.x[0] for t in fig.data}
    assert marks == {"break-even": 1000.0, "this service": 100.0}


def test_break_even_out_of_range_shows_the_service_alone():
    fig = charts.break_even(2000.0, None, "fargate", "app_runner")
    assert not fig.layout.shapes
    assert [t.name for t in fig.data] == ["this service"]
