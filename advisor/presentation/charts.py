"""Plotly figure builders shared by the dashboard, the cost report and the notebooks: data in, figure out.

No computation of money or risk happens here: every number comes from the engine or the lake.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from advisor.presentation.migration import TARGET_LABELS

PALETTE = {
    "current": "#6c757d",
    "recommended": "#1f9d55",
    "whatif": "#e8590c",
    "demand": "#1c7ed6",
    "capacity": "#c92a2a",
    "ready": "#f08c00",
    "p50": "#4dabf7",
    "p99": "#1864ab",
    "cpu": "#7048e8",
    "memory": "#0ca678",
    "4xx": "#f59f00",
    "5xx": "#e03131",
}
LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    "hovermode": "x unified",
    "font": {"size": 12},
}


def _line(x: Any, y: Any, name: str, color: str, **kwargs: Any) -> go.Scatter:
    return go.Scatter(x=x, y=y, name=name, mode="lines", line={"color": color, "width": 1.5}, **kwargs)


def _has(frame: pd.DataFrame, *columns: str) -> bool:
    return all(c in frame.columns and frame[c].notna().any() for c in columns)


TIMESERIES_ROWS = (
    "Requests per minute",
    "Concurrency and capacity",
    "Instances",
    "Latency (ms)",
    "CPU / memory (%)",
    "Errors per minute",
)
# (row, wide-frame column, trace name, PALETTE key, dash): the metrics drawn as they are
_LOAD_LINES = (
    (1, "Requests_Sum", "requests", "demand", None),
    (2, "Concurrency_Average", "concurrency", "demand", None),
)
_INSTANCE_AND_HEALTH_LINES = (
    (3, "ActiveInstances_Average", "active (average)", "demand", None),
    (3, "ActiveInstances_Maximum", "active (maximum)", "demand", "dot"),
    (4, "RequestLatency_p50", "latency p50", "p50", None),
    (4, "RequestLatency_p99", "latency p99", "p99", None),
    (5, "CPUUtilization_Average", "cpu %", "cpu", None),
    (5, "MemoryUtilization_Average", "memory %", "memory", None),
    (6, "4xxStatusResponses_Sum", "4xx", "4xx", None),
    (6, "5xxStatusResponses_Sum", "5xx", "5xx", None),
)


def _metric_lines(
    fig: go.Figure, metrics: pd.DataFrame, lines: tuple[tuple[int, str, str, str, str | None], ...]
) -> None:
    for row, column, name, key, dash in lines:
        if _has(metrics, column):
            fig.add_trace(_line(metrics.index, metrics[column], name, PALETTE[key], line_dash=dash), row, 1)


def _capacity_lines(fig: go.Figure, max_concurrency: int, max_size: int, replay: pd.DataFrame | None) -> None:
    """The simulated ready capacity and provisioned instances, and the ceiling MaxSize x MaxConcurrency."""
    if replay is not None and len(replay):
        ready = replay["ready"] * max_concurrency
        fig.add_trace(_line(replay.index, ready, "ready capacity", PALETTE["ready"], line_shape="hv"), 2, 1)
        provisioned = _line(
            replay.index, replay["provisioned"], "provisioned (simulated)", PALETTE["ready"], line_shape="hv"
        )
        fig.add_trace(provisioned, 3, 1)
    fig.add_hline(
        y=max_size * max_concurrency,
        line={"color": PALETTE["capacity"], "dash": "dash", "width": 1},
        annotation_text=f"MaxSize x MaxConcurrency = {max_size * max_concurrency}",
        row=2,
        col=1,
    )


def _event_marks(fig: go.Figure, markers: Iterable[tuple[pd.Timestamp, str]]) -> None:
    for when, label in markers:
        fig.add_vline(x=when, line={"color": "#495057", "dash": "dot", "width": 1})
        fig.add_annotation(
            x=when,
            y=1.0,
            yref="paper",
            text=label,
            showarrow=False,
            textangle=-90,
            xanchor="right",
            yanchor="top",
            font={"size": 10, "color": "#495057"},
        )


def service_timeseries(
    metrics: pd.DataFrame,
    max_concurrency: int,
    max_size: int,
    replay: pd.DataFrame | None = None,
    markers: Iterable[tuple[pd.Timestamp, str]] = (),
    title: str = "",
) -> go.Figure:
    """Requests, concurrency against capacity, instances, latency, CPU/memory and errors on one time axis.

    `metrics` is the lake's wide frame (timestamp index, `Metric_Stat` columns); `replay` the simulator's
    per-minute frame of the same minutes under the current configuration (ready and provisioned counts).
    """
    fig = make_subplots(
        rows=len(TIMESERIES_ROWS),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.035,
        subplot_titles=TIMESERIES_ROWS,
    )
    _metric_lines(fig, metrics, _LOAD_LINES)
    _capacity_lines(fig, max_concurrency, max_size, replay)
    _metric_lines(fig, metrics, _INSTANCE_AND_HEALTH_LINES)
    _event_marks(fig, markers)
    fig.update_layout(**LAYOUT, height=1150, title=title or None, showlegend=True)
    return fig


def _dots(x: Any, y: Any, name: str, key: str, opacity: float) -> go.Scattergl:
    return go.Scattergl(
        x=x, y=y, mode="markers", name=name, marker={"size": 4, "color": PALETTE[key], "opacity": opacity}
    )


def capacity_curve(knee: dict[str, Any]) -> go.Figure:
    """p99 latency and CPU against per-instance concurrency, the fitted curves, the knee and the limits.

    `knee` is the engine's capacity evidence (CapacityEstimate.to_dict()).
    """
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    points = pd.DataFrame(knee.get("points") or [])
    curve = pd.DataFrame(knee.get("curve") or [])
    if len(points):
        fig.add_trace(
            _dots(points["k"], points["latency_p99_ms"], "p99 latency", "p99", 0.35), secondary_y=False
        )
        if "cpu_pct" in points:
            fig.add_trace(_dots(points["k"], points["cpu_pct"], "CPU %", "cpu", 0.25), secondary_y=True)
    if len(curve):
        fig.add_trace(
            _line(curve["k"], curve["latency_p99_ms"], "p99 fit", PALETTE["p99"]), secondary_y=False
        )
        if "cpu_pct" in curve:
            fig.add_trace(_line(curve["k"], curve["cpu_pct"], "CPU fit", PALETTE["cpu"]), secondary_y=True)
    if knee.get("latency_limit_ms"):
        fig.add_hline(
            y=knee["latency_limit_ms"],
            line={"dash": "dash", "color": PALETTE["capacity"], "width": 1},
            annotation_text="latency objective",
        )
    if knee.get("knee"):
        observed = "observed" if knee.get("knee_observed") else "not observed: conservative"
        fig.add_vline(
            x=knee["knee"],
            line={"color": PALETTE["recommended"], "width": 2},
            annotation_text=f"knee {knee['knee']:.0f} ({observed})",
        )
    fig.update_xaxes(title_text="concurrent requests per instance")
    fig.update_yaxes(title_text="p99 latency (ms)", secondary_y=False)
    fig.update_yaxes(title_text="CPU %", secondary_y=True, range=[0, 105])
    fig.update_layout(**LAYOUT, height=420, title="Capacity: latency and CPU against load per instance")
    return fig


def forecast_band(history: pd.Series, forecast: dict[str, Any]) -> go.Figure:
    """Demand history (hourly) and the forecast's median with its quantile band."""
    fig = go.Figure()
    hourly = history.resample("1h").mean() if isinstance(history.index, pd.DatetimeIndex) else history
    fig.add_trace(_line(hourly.index, hourly.values, "demand (hourly mean)", PALETTE["demand"]))
    table = pd.DataFrame(forecast.get("hourly") or [])
    if len(table):
        table["timestamp"] = pd.to_datetime(table["timestamp"], utc=True)
        quantiles = sorted(c for c in table.columns if c.startswith("q"))
        if len(quantiles) >= 2:
            low, high = quantiles[0], quantiles[-1]
            fig.add_trace(
                go.Scatter(
                    x=table["timestamp"],
                    y=table[high],
                    mode="lines",
                    line={"width": 0},
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=table["timestamp"],
                    y=table[low],
                    mode="lines",
                    line={"width": 0},
                    fill="tonexty",
                    fillcolor="rgba(232,89,12,0.18)",
                    name=f"forecast {low}-{high}",
                )
            )
        middle = "q0.5" if "q0.5" in table else (quantiles[len(quantiles) // 2] if quantiles else None)
        if middle:
            fig.add_trace(_line(table["timestamp"], table[middle], f"forecast {middle}", PALETTE["whatif"]))
    fig.update_layout(**LAYOUT, height=360, title="Traffic forecast (concurrent requests)")
    fig.update_yaxes(title_text="concurrent requests")
    return fig


def frontier(points: pd.DataFrame, marks: dict[str, tuple[float, float]]) -> go.Figure:
    """The cost-risk frontier (cheapest configuration per breach-minute count) and named points on it.

    `marks` maps a label ("current", "recommended", "what-if") to (breach minutes, monthly cost).
    """
    fig = go.Figure()
    if len(points):
        labels = [f"{r.max_concurrency}/{r.min_size}/{r.max_size}" for r in points.itertuples()]
        fig.add_trace(
            go.Scatter(
                x=points["breach_minutes"],
                y=points["monthly_cost_usd"],
                mode="lines+markers",
                name="cheapest for each risk",
                text=labels,
                line={"color": "#adb5bd"},
                hovertemplate="%{text}<br>%{x} breach min<br>$%{y:,.2f}/month<extra></extra>",
            )
        )
    colors = {
        "current": PALETTE["current"],
        "recommended": PALETTE["recommended"],
        "what-if": PALETTE["whatif"],
    }
    for label, (breach, cost) in marks.items():
        fig.add_trace(
            go.Scatter(
                x=[breach],
                y=[cost],
                mode="markers+text",
                name=label,
                text=[label],
                textposition="top center",
                marker={"size": 14, "color": colors.get(label, "#000"), "symbol": "diamond"},
            )
        )
    fig.update_xaxes(title_text="breach minutes (throttled or too slow)")
    fig.update_yaxes(title_text="monthly cost (USD)", tickprefix="$")
    fig.update_layout(**LAYOUT, height=380, title="Cost against risk")
    return fig


def fleet_costs(fleet: pd.DataFrame) -> go.Figure:
    """Current against recommended monthly cost per service (the engine's numbers)."""
    ordered = fleet.sort_values("monthly_cost_current", ascending=True)
    fig = go.Figure()
    for which in ("current", "recommended"):
        fig.add_trace(
            go.Bar(
                y=ordered["service_name"],
                x=ordered[f"monthly_cost_{which}"],
                name=which,
                orientation="h",
                marker_color=PALETTE[which],
            )
        )
    fig.update_layout(
        **LAYOUT, barmode="group", height=max(260, 38 * len(ordered) + 80), title="Monthly cost per service"
    )
    fig.update_xaxes(title_text="USD per month", tickprefix="$")
    return fig


def whatif_replay(replay: pd.DataFrame, label: str) -> go.Figure:
    """Demand against ready capacity under a what-if configuration, with breach minutes marked."""
    fig = go.Figure()
    fig.add_trace(_line(replay.index, replay["demand"], "demand", PALETTE["demand"]))
    fig.add_trace(
        _line(replay.index, replay["capacity"], "ready capacity", PALETTE["ready"], line_shape="hv")
    )
    breaches = replay[replay["breach"]]
    if len(breaches):
        fig.add_trace(
            go.Scattergl(
                x=breaches.index,
                y=breaches["demand"],
                mode="markers",
                name="breach minute",
                marker={"color": PALETTE["capacity"], "size": 5},
            )
        )
    fig.update_layout(**LAYOUT, height=320, title=f"History replayed under {label}")
    fig.update_yaxes(title_text="concurrent requests")
    return fig


SERVICE_COLORS = [
    "#1c7ed6",
    "#f08c00",
    "#1f9d55",
    "#7048e8",
    "#e03131",
    "#0ca678",
    "#e8590c",
    "#6c757d",
    "#d6336c",
    "#3bc9db",
]


def daily_cost(daily: pd.DataFrame) -> go.Figure:
    """What the fleet cost each day, stacked by service (the engine's bill of the collected demand).

    `daily` has one row per (day, service_name) with `cost_usd` and, optionally, `minutes` billed: a day
    no service covered in full is labelled partial, so a short last day does not read as a drop.
    """
    fig = go.Figure()
    if len(daily):
        totals = daily.groupby("service_name")["cost_usd"].sum().sort_values(ascending=False)
        for i, name in enumerate(totals.index):
            rows = daily[daily["service_name"] == name].sort_values("day")
            fig.add_trace(
                go.Bar(
                    x=rows["day"],
                    y=rows["cost_usd"],
                    name=name,
                    marker_color=SERVICE_COLORS[i % len(SERVICE_COLORS)],
                    hovertemplate=f"{name}<br>%{{x|%a %d %b}}: $%{{y:,.2f}}<extra></extra>",
                )
            )
    if len(daily) and "minutes" in daily:
        days = daily.groupby("day").agg(cost_usd=("cost_usd", "sum"), minutes=("minutes", "max"))
        for when, row in days[days["minutes"] < 1440].iterrows():
            fig.add_annotation(
                x=when,
                y=row["cost_usd"],
                text=f"partial day ({row['minutes'] / 60:.0f} h)",
                showarrow=False,
                yanchor="bottom",
                font={"size": 11, "color": "#495057"},
            )
    fig.update_layout(**{**LAYOUT, "hovermode": "closest"}, barmode="stack", height=340, title="Cost per day")
    fig.update_xaxes(tickformat="%a %d %b", dtick=86_400_000)
    fig.update_yaxes(title_text="USD per day", tickprefix="$")
    return fig


def period_costs(services: pd.DataFrame) -> go.Figure:
    """Each service's cost this period against the period before (`cost_usd`, `previous_cost_usd`)."""
    ordered = services.sort_values("cost_usd", ascending=True)
    fig = go.Figure()
    for column, label, color in (
        ("previous_cost_usd", "previous period", "#adb5bd"),
        ("cost_usd", "this period", PALETTE["demand"]),
    ):
        fig.add_trace(
            go.Bar(
                y=ordered["service_name"],
                x=ordered[column],
                name=label,
                orientation="h",
                marker_color=color,
                hovertemplate="%{y}: $%{x:,.2f}<extra>" + label + "</extra>",
            )
        )
    fig.update_layout(
        **{**LAYOUT, "hovermode": "closest"},
        barmode="group",
        height=max(260, 44 * len(ordered) + 110),
        title="Cost per service: this period and the one before",
    )
    fig.update_xaxes(title_text="USD", tickprefix="$")
    return fig


TARGET_COLORS = {"app_runner": "#6c757d", "ecs_express": "#1c7ed6", "fargate": "#1f9d55"}


def _target_label(target: str) -> str:
    return TARGET_LABELS.get(target, target)


# One hue per kind of charge (matched by a word of the cost line's component), shades within it; the
# charges every platform pays alike (logs, data out) in warm colours at the bottom of each stack
_COMPONENT_HUES = (
    ("App Runner", ("#495057", "#868e96", "#adb5bd", "#ced4da")),
    ("Fargate", ("#2b8a3e", "#69db7c", "#b2f2bb")),
    ("ALB", ("#1864ab", "#4dabf7", "#a5d8ff")),
    ("IPv4", ("#5f3dc4", "#9775fa", "#d0bfff")),
)
_SHARED_HUES = ("#e67700", "#ffa94d", "#ffd8a8", "#fff3bf")


def _shared_components(targets: dict[str, dict[str, Any]], components: list[str]) -> list[str]:
    """The components every target pays to the cent: the common base the differences stand on."""

    def usd(target: str, component: str) -> float | None:
        found = [c["usd"] for c in targets[target]["cost_lines"] if c["component"] == component]
        return round(found[0], 2) if found else None

    return [c for c in components if len({usd(t, c) for t in targets}) == 1 and usd(next(iter(targets)), c)]


def _component_colors(components: list[str], shared: list[str]) -> dict[str, str]:
    colors = {c: _SHARED_HUES[i % len(_SHARED_HUES)] for i, c in enumerate(shared)}
    used: dict[str, int] = {}
    for i, component in enumerate(c for c in components if c not in shared):
        word, hues = next(((w, h) for w, h in _COMPONENT_HUES if w in component), ("", SERVICE_COLORS))
        colors[component] = hues[used.get(word, 0) % len(hues)] if word else hues[i % len(hues)]
        used[word] = used.get(word, 0) + 1
    return colors


def migration_costs(targets: dict[str, dict[str, Any]]) -> go.Figure:
    """Each target's monthly cost as a stack of its components, one bar per target.

    `targets` is `MigrationWhatIf.to_dict()["targets"]`: per target `monthly_cost_usd` and `cost_lines`
    ({component, usd, detail}). One colour per component, the same on every bar; what every target pays
    alike at the bottom, so the bars differ only above it; a component zero everywhere is left out.
    """
    names = list(targets)
    components: list[str] = []
    for outcome in targets.values():
        components += [
            c["component"]
            for c in outcome["cost_lines"]
            if c["component"] not in components and c["usd"] > 0.005
        ]
    shared = _shared_components(targets, components)
    colors = _component_colors(components, shared)
    x = [_target_label(t) for t in names]
    fig = go.Figure()
    for component in [*shared, *(c for c in components if c not in shared)]:
        lines = [{c["component"]: c for c in targets[t]["cost_lines"]}.get(component) for t in names]
        fig.add_trace(
            go.Bar(
                x=x,
                y=[line["usd"] if line else 0.0 for line in lines],
                name=component,
                marker_color=colors[component],
                customdata=[line.get("detail", "") if line else "" for line in lines],
                hovertemplate=f"{component}: $%{{y:,.2f}}<br>%{{customdata}}<extra>%{{x}}</extra>",
            )
        )
    for label, target in zip(x, names, strict=True):
        fig.add_annotation(
            x=label,
            y=targets[target]["monthly_cost_usd"],
            text=f"<b>${targets[target]['monthly_cost_usd']:,.2f}</b>",
            showarrow=False,
            yanchor="bottom",
        )
    fig.update_layout(
        **{**LAYOUT, "hovermode": "closest", "legend": {"orientation": "v", "x": 1.02, "y": 1}},
        barmode="stack",
        height=440,
        title="Monthly cost on each platform, by component",
    )
    fig.update_yaxes(title_text="USD per month", tickprefix="$")
    return fig


def migration_breaches(targets: dict[str, dict[str, Any]], budget_minutes: int) -> go.Figure:
    """Breach minutes per target over the replayed window, against the error budget's minutes."""
    names = list(targets)
    breaches = [targets[t]["breach_minutes"] for t in names]
    fig = go.Figure(
        go.Bar(
            y=[_target_label(t) for t in names],
            x=breaches,
            orientation="h",
            marker_color=[
                PALETTE["capacity"] if b > budget_minutes else TARGET_COLORS.get(t, "#000")
                for t, b in zip(names, breaches, strict=True)
            ],
            text=[f"{b:,}" for b in breaches],
            textposition="outside",
            hovertemplate="%{y}: %{x:,} breach minutes<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_vline(
        x=budget_minutes,
        line={"color": PALETTE["capacity"], "dash": "dash"},
        annotation_text=f"error budget {budget_minutes:,} min",
        annotation_position="top",
    )
    minutes = max((targets[t]["minutes"] for t in names), default=0)
    fig.update_layout(
        **{**LAYOUT, "hovermode": "closest"},
        height=260,
        title=f"Breach minutes over the {minutes:,} minutes replayed",
    )
    fig.update_xaxes(
        title_text="minutes too slow, refused or queued",
        range=[0, max([budget_minutes, *breaches]) * 1.25 + 1],
    )
    fig.update_yaxes(autorange="reversed")
    return fig


def break_even(
    mean_rpm: float, break_even_rpm: float | None, cheaper_below: str, cheaper_above: str
) -> go.Figure:
    """This service's mean traffic and the traffic at which App Runner and ECS cost the same, on one
    log axis, each side labelled with the platform that is cheaper there."""
    fig = go.Figure()
    points = [mean_rpm] + ([break_even_rpm] if break_even_rpm else [])
    low, high = min(points) / 10, max(points) * 10
    if break_even_rpm:
        for x0, x1, target in ((low, break_even_rpm, cheaper_below), (break_even_rpm, high, cheaper_above)):
            color = TARGET_COLORS.get(target, "#adb5bd")
            fig.add_vrect(x0=x0, x1=x1, fillcolor=color, opacity=0.12, line_width=0)
            fig.add_annotation(  # on a log axis an annotation's x is the log of the value (a shape's is not)
                x=math.log10(math.sqrt(x0 * x1)),
                y=0.9,
                yref="paper",
                text=f"{_target_label(target)} cheaper",
                showarrow=False,
                font={"color": color, "size": 13},
            )
        fig.add_trace(
            go.Scatter(
                x=[break_even_rpm],
                y=[0],
                mode="markers+text",
                name="break-even",
                text=[f"break-even {break_even_rpm:,.0f} req/min"],
                textposition="bottom center",
                marker={"size": 16, "color": "#212529", "symbol": "line-ns-open", "line": {"width": 3}},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[mean_rpm],
            y=[0],
            mode="markers+text",
            name="this service",
            text=[f"this service {mean_rpm:,.0f} req/min"],
            textposition="top center",
            marker={"size": 14, "color": PALETTE["whatif"], "symbol": "diamond"},
        )
    )
    fig.update_layout(
        **{**LAYOUT, "hovermode": "closest"},
        height=220,
        showlegend=False,
        title="Break-even: this service's mean traffic against the traffic where both cost the same",
    )
    fig.update_xaxes(
        type="log",
        range=[math.log10(low), math.log10(high)],
        dtick=1,
        title_text="requests per minute (mean)",
    )
    fig.update_yaxes(visible=False, range=[-1, 1])
    return fig


def fleet_migration(services: pd.DataFrame) -> go.Figure:
    """Each service's monthly cost on every target (columns named after the targets), grouped bars, the
    services ordered by what the cheapest move saves."""
    targets = [t for t in TARGET_LABELS if t in services.columns]
    fig = go.Figure()
    for target in targets:
        fig.add_trace(
            go.Bar(
                y=services["service_name"],
                x=services[target],
                name=_target_label(target),
                orientation="h",
                marker_color=TARGET_COLORS[target],
                hovertemplate="%{y}: $%{x:,.2f}/month<extra>" + _target_label(target) + "</extra>",
            )
        )
    fig.update_layout(
        **{**LAYOUT, "hovermode": "closest", "margin": {"l": 60, "r": 20, "t": 90, "b": 40}},
        barmode="group",
        height=max(280, 26 * len(targets) * len(services) + 110),
        title="Monthly cost per service on each platform",
    )
    fig.update_xaxes(title_text="USD per month", tickprefix="$")
    fig.update_yaxes(autorange="reversed")
    return fig
