"""The report in every format from one `Report`: HTML (interactive, self-contained), Markdown with PNG
charts, CSV and JSON with the same numbers, and the e-mail and chat variants delivery sends.

Each section is declared once (`SECTIONS`: which attribute of which rows, under what header, formatted
how); HTML and Markdown show the formatted values, CSV and JSON carry the raw ones, so no format can
drift from another. The HTML inlines plotly.js (about 4.8 MB) so the file opens offline, from a mail
attachment or an S3 download alike.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from advisor.errors import InputError
from advisor.presentation import charts
from advisor.presentation import migration as migration_cells
from advisor.presentation import modelcheck as check_cells
from advisor.presentation.numbers import MISSING, count, money, percent, signed_money
from advisor.report import images
from advisor.report.build import Report

FORMATS = ("html", "md", "csv", "json")


# -- values -----------------------------------------------------------------------------------------------
def when(value: datetime | None) -> str:
    return MISSING if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"


def day(value: datetime) -> str:
    return f"{pd.Timestamp(value):%a %Y-%m-%d}"


def plain(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value) or MISSING
    return str(value)


def prices(estimate: bool) -> str:
    """Whether a row's money is priced from published rates or estimated ones (docs/pricing.md)."""
    return "≈ estimate" if estimate else "published"


def change_text(report: Report) -> str:
    if report.change_usd is None:
        return "no data for the period before"
    pct = f" ({report.change_pct:+.1f}%)" if report.change_pct is not None else ""
    return f"{signed_money(report.change_usd)}{pct} against the period before"


# -- sections ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str  # an attribute (field or property) of the section's rows
    header: str
    show: Callable[[Any], str] = plain
    numeric: bool = False
    wrap: bool = False  # long free text (notes, configurations) wraps; names and numbers never do
    text: str | None = None  # an attribute holding the value already shown (units that vary by row)

    def shown(self, row: Any) -> str:
        return plain(getattr(row, self.text)) if self.text else self.show(getattr(row, self.key))


@dataclass(frozen=True)
class Section:
    name: str  # the CSV file and JSON key
    title: str
    rows: Callable[[Report], list]
    columns: tuple[Column, ...]
    empty: str  # what an empty section says
    intro: str = ""


def _c(key: str, header: str, show: Callable[[Any], str] = plain, wrap: bool = False) -> Column:
    return Column(key, header, show, numeric=show in (money, signed_money, count, percent), wrap=wrap)


def _amount(key: str, header: str) -> Column:
    """A number whose unit varies by row (dollars, hours, counts): shown from the row's `{key}_text`."""
    return Column(key, header, numeric=True, text=f"{key}_text")


SECTIONS: tuple[Section, ...] = (
    Section(
        "services",
        "Cost per service",
        lambda r: r.services,
        (
            _c("service_name", "Service"),
            _c("region", "Region"),
            _c("status", "Status"),
            _c("cost_usd", "This period", money),
            _c("previous_cost_usd", "Period before", money),
            _c("change_usd", "Change", signed_money),
            _c("billed_minutes", "Minutes billed", count),
            _c("configs", "Configuration (MaxConc./Min/Max)", wrap=True),
            _c("prices_estimate", "Prices", prices),
        ),
        "No services in the lake: run 'advisor collect' first.",
    ),
    Section(
        "regions",
        "Cost per region",
        lambda r: r.regions,
        (
            _c("region", "Region"),
            _c("services", "Services", count),
            _c("cost_usd", "This period", money),
            _c("previous_cost_usd", "Period before", money),
        ),
        "No regions with services.",
    ),
    Section(
        "savings",
        "Top savings and their risk",
        lambda r: r.savings,
        (
            _c("service_name", "Service"),
            _c("region", "Region"),
            _c("current", "Now"),
            _c("recommended", "Recommended"),
            _c("monthly_cost_current_usd", "Monthly now", money),
            _c("monthly_cost_recommended_usd", "Monthly recommended", money),
            _c("monthly_savings_usd", "Saves per month", signed_money),
            _c("predicted_breach_minutes", "Breach min. (forecast)", count),
            _c("confidence", "Confidence"),
            _c("risks", "Risk now", wrap=True),
            _c("recommended_risks", "Risk recommended", wrap=True),
            _c("prices_estimate", "Prices", prices),
        ),
        "No recommendation changes a configuration: run 'advisor recommend' after a day of data.",
        "The stored recommendations, biggest saving first; a negative saving buys capacity the service "
        "lacks. Monthly figures are the engine's, on history and forecast. Risk now: what the current "
        "configuration risks on the history replay; Risk recommended: what the recommended one risks there.",
    ),
    Section(
        "kept",
        "Keep current",
        lambda r: r.kept,
        (
            _c("service_name", "Service"),
            _c("region", "Region"),
            _c("current", "Configuration"),
            _c("monthly_cost_usd", "Monthly now", money),
            _c("confidence", "Confidence"),
            _c("risks", "Risk now", wrap=True),
            _c("reason", "Why", wrap=True),
        ),
        "No service was told to keep its configuration.",
        "Services whose best change is not worth making: it saves under the minimum (by default $1 a month "
        "and 5%) and does not lower breach risk materially.",
    ),
    Section(
        "risks",
        "Services at risk",
        lambda r: r.risks,
        (
            _c("service_name", "Service"),
            _c("region", "Region"),
            _c("breach_minutes", "Breach minutes", count),
            _c("throttled_requests", "Throttled (429, est.)", count),
            _c("errors_4xx", "4xx observed", count),
            _c("errors_5xx", "5xx observed", count),
            _c("error_rate_5xx", "5xx rate", percent),
            _c("minutes_above_slo", "Min. p99 above SLO", count),
            _c("latency_limit_ms", "p99 objective (ms)", count),
        ),
        "No service breached its objective in the period.",
        "Breach minutes and 429s from the engine's replay of the period under the configuration each "
        "service ran; 4xx, 5xx and p99 latency as CloudWatch reported them.",
    ),
    Section(
        "model_check",
        "Model vs observed",
        lambda r: r.model_check,
        (
            _c("service_name", "Service"),
            _c("region", "Region"),
            _c("quantity", "Quantity"),
            _amount("modeled", "Modeled"),
            _amount("observed", "Observed"),
            Column("error_pct", "Error", check_cells.error, numeric=True),
            _c("verdict", "Verdict", wrap=True),
            _c("minutes", "Minutes replayed", count),
        ),
        "No stored recommendation carries a model check yet: run 'advisor recommend'.",
        "Each service's current configuration replayed by the engine's model over the history since it took "
        "effect, against what CloudWatch reported (ActiveInstances, 4xx above the service's baseline, p99 "
        "above the latency limit) and what Cost Explorer billed; a quantity off lowers the confidence.",
    ),
    Section(
        "actions",
        "Actions applied in the period",
        lambda r: r.actions,
        (
            _c("created_at", "When", when),
            _c("service_name", "Service"),
            _c("kind", "Kind"),
            _c("status", "Status"),
            _c("before", "Before", wrap=True),
            _c("after", "After", wrap=True),
            _c("predicted_monthly_savings_usd", "Predicted per month", signed_money),
            _c("realized_monthly_savings_usd", "Realized per month", signed_money),
            _c("realized_minutes", "Minutes since", count),
            _c("predicted_breach_minutes", "Breach min./mo predicted", count),
            _c("realized_breach_minutes", "Breach min./mo realized", count),
            _c("predicted_throttled_requests", "429s/mo predicted", count),
            _c("realized_throttled_requests", "429s/mo realized", count),
            _c("note", "Note", wrap=True),
        ),
        "The advisor changed no configuration in the period.",
        "Predicted: the recommendation applied (or the engine on the history before the change). "
        "Realized: the engine's bill of the demand collected since, old configuration minus new. Breach "
        "minutes (throttled or too slow) and 429s are the new configuration's, per month, by the engine's "
        "replay: predicted on the 14 days before the change, realized on the demand since.",
    ),
    Section(
        "migration",
        "Move to ECS?",
        lambda r: r.migration,
        (
            _c("service_name", "Service"),
            _c("region", "Region"),
            _c("app_runner_usd", "App Runner per month", money),
            _c("ecs_express_usd", "ECS Express per month", money),
            _c("fargate_usd", "Fargate per month", money),
            _c("breach_minutes", "Breach min. (App Runner / Express / Fargate)", migration_cells.breach_text),
            Column("break_even_scale", "Break-even (× traffic)", numeric=True, text="break_even_multiple"),
            _c("recommendation", "Verdict"),
            _c("prices_estimate", "Prices", prices),
        ),
        "No stored recommendation to start from: run 'advisor recommend', then the next report prices a "
        "move.",
        "Each service's collected demand replayed on App Runner (the recommended configuration), ECS Express "
        "(as it would be set up) and ECS on Fargate (tuned), with the same capacity model and SLO: monthly "
        "cost, breach minutes over the replayed history, and the traffic (as a multiple of today's) at which "
        "App Runner and the cheaper ECS target cost the same. The reasons, every cost line and the plan: "
        "advisor migrate-whatif --service NAME --plan DIR.",
    ),
    Section(
        "gaps",
        "Data gaps",
        lambda r: r.gaps,
        (
            _c("service_name", "Service"),
            _c("region", "Region"),
            _c("status", "Status"),
            _c("coverage", "Coverage", percent),
            _c("minutes_with_data", "Minutes with data", count),
            _c("largest_gap_minutes", "Longest gap (min)", count),
            _c("first", "First", when),
            _c("last", "Last", when),
            _c("note", "Note", wrap=True),
        ),
        "Every service has data for the whole period.",
        "Minutes without data are not billed: a gap makes the period's cost an underestimate.",
    ),
    Section(
        "daily",
        "Cost per day and service",
        lambda r: r.daily,
        (
            _c("day", "Day", day),
            _c("service_name", "Service"),
            _c("cost_usd", "Cost", money),
            _c("minutes", "Minutes billed", count),
        ),
        "No metrics in the period.",
    ),
)
HTML_SECTIONS = (
    "services",
    "regions",
    "savings",
    "kept",
    "risks",
    "model_check",
    "actions",
    "migration",
    "gaps",
)


def section(name: str) -> Section:
    return next(s for s in SECTIONS if s.name == name)


def raw_rows(sec: Section, report: Report) -> list[dict[str, Any]]:
    return [{c.key: getattr(row, c.key) for c in sec.columns} for row in sec.rows(report)]


def shown_rows(sec: Section, report: Report) -> list[list[str]]:
    return [[c.shown(row) for c in sec.columns] for row in sec.rows(report)]


def summary(report: Report) -> dict[str, Any]:
    """The headline numbers (the KPI cards, the chat message, summary.csv)."""
    return {
        "period_start": report.period.start,
        "period_end": report.period.end,
        "previous_start": report.previous.start,
        "total_cost_usd": report.total_cost_usd,
        "previous_total_cost_usd": report.previous_total_cost_usd,
        "change_usd": report.change_usd,
        "change_pct": report.change_pct,
        "monthly_savings_available_usd": report.monthly_savings_usd,
        "services": len(report.services),
        "services_at_risk": len(report.risks),
        "actions": len(report.actions),
        "services_with_gaps": len(report.gaps),
        "generated_at": report.generated_at,
        "lake": report.lake,
    }


# -- figures ----------------------------------------------------------------------------------------------
def _untitled(figure: go.Figure) -> go.Figure:
    """The section heading names the chart; a plotly title would collide with the legend above it."""
    return figure.update_layout(title=None, margin={"t": 40})


def figures(report: Report) -> dict[str, go.Figure]:
    """The report's charts, from charts.py; only those with something to draw."""
    out: dict[str, go.Figure] = {}
    if report.daily:
        out["daily_cost"] = charts.daily_cost(pd.DataFrame([asdict(d) for d in report.daily]))
    if report.services:
        frame = pd.DataFrame([asdict(s) for s in report.services])
        out["service_cost"] = charts.period_costs(frame)
    if report.savings:
        frame = pd.DataFrame([asdict(s) for s in report.savings])
        frame = frame.rename(
            columns={
                "monthly_cost_current_usd": "monthly_cost_current",
                "monthly_cost_recommended_usd": "monthly_cost_recommended",
            }
        )
        out["savings"] = charts.fleet_costs(frame)
    return {name: _untitled(figure) for name, figure in out.items()}


CHART_AFTER = {"services": "service_cost", "savings": "savings"}  # which chart follows which table


# -- JSON and CSV -----------------------------------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | pd.Timestamp):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and pd.isna(value):
        return None
    return value


def to_json(report: Report) -> str:
    data = {k: _jsonable(v) for k, v in summary(report).items()}
    data["period_label"] = report.period.label
    data["notes"] = report.notes
    for sec in SECTIONS:
        data[sec.name] = [{k: _jsonable(v) for k, v in row.items()} for row in raw_rows(sec, report)]
    return json.dumps(data, indent=2)


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[plain(v) if isinstance(v, tuple) else _jsonable(v) for v in row] for row in rows])
    return buffer.getvalue()


def to_csvs(report: Report) -> dict[str, str]:
    """File name -> CSV text: summary.csv (metric, value) and one file per section, raw numbers."""
    files = {"summary.csv": _csv(["metric", "value"], [[k, v] for k, v in summary(report).items()])}
    for sec in SECTIONS:
        keys = [c.key for c in sec.columns]
        files[f"{sec.name}.csv"] = _csv(keys, [[row[k] for k in keys] for row in raw_rows(sec, report)])
    return files


# -- Markdown ---------------------------------------------------------------------------------------------
def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(sec: Section, report: Report) -> list[str]:
    rows = shown_rows(sec, report)
    if not rows:
        return [f"_{sec.empty}_"]
    align = ["---:" if c.numeric else "---" for c in sec.columns]
    lines = ["| " + " | ".join(c.header for c in sec.columns) + " |", "| " + " | ".join(align) + " |"]
    return lines + ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]


def to_markdown(report: Report, pngs: dict[str, str]) -> str:
    """Markdown with `pngs` (chart name -> path relative to the .md file) as images."""
    s = summary(report)
    lines = [
        "# App Runner cost report",
        "",
        f"*{PLATFORM_STATUS}*",
        "",
        f"**Period:** {report.period.label}  ",
        f"**Cost:** {money(report.total_cost_usd)}, {change_text(report)}  ",
        f"**Savings available:** {money(s['monthly_savings_available_usd'])} per month  ",
        f"**Services at risk:** {s['services_at_risk']} of {s['services']} · "
        f"**Actions applied:** {s['actions']}",
        "",
        *[f"> {note}" for note in report.notes],
    ]
    if "daily_cost" in pngs:
        lines += ["", "## Cost per day", "", f"![Cost per day]({pngs['daily_cost']})"]
    for name in HTML_SECTIONS:
        sec = section(name)
        lines += ["", f"## {sec.title}", ""] + ([sec.intro, ""] if sec.intro else []) + _md_table(sec, report)
        chart = CHART_AFTER.get(name)
        if chart in pngs:
            lines += ["", f"![{sec.title}]({pngs[chart]})"]
    lines += ["", "---", "", FOOTER.format(generated=when(report.generated_at), lake=report.lake)]
    return "\n".join(lines) + "\n"


PLATFORM_STATUS = (
    "App Runner closed to new customers on 2026-04-30: existing services keep running, scaling and "
    "deploying, with no new features planned, and AWS points to Amazon ECS Express Mode. This report "
    "sizes what runs today; each service's own history is what a move would be priced from."
)

FOOTER = (
    "Costs are the advisor engine's App Runner billing model (memory of every provisioned instance, vCPU "
    "of active ones) applied to the demand collected from CloudWatch, under the configuration each service "
    "ran; they are an estimate, not the AWS bill. Generated {generated} UTC from the lake at {lake}."
)


# -- HTML -------------------------------------------------------------------------------------------------
CSS = """
.status { color: var(--muted); font-size: 0.85em; max-width: 60em; }
:root { --ink:#212529; --muted:#6c757d; --line:#dee2e6; --bg:#f8f9fa; --good:#1f9d55; --bad:#c92a2a; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--ink);
  background:var(--bg); }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
header h1 { font-size: 26px; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); }
.kpis { display:grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap:12px; margin:20px 0; }
.kpi { background:#fff; border:1px solid var(--line); border-radius:8px; padding:12px 16px; }
.kpi .label { color:var(--muted); font-size:13px; }
.kpi .value { font-size:24px; font-weight:600; font-variant-numeric: tabular-nums; }
.kpi .sub { font-size:13px; color:var(--muted); }
.up { color: var(--bad); } .down { color: var(--good); }
.notes { background:#fff8e1; border:1px solid #ffe08a; border-radius:8px; padding:10px 16px;
  margin:0 0 16px; }
.notes p { margin: 4px 0; }
section { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 20px;
  margin:16px 0; }
section h2 { font-size:19px; margin:0 0 6px; }
section .intro { color:var(--muted); margin:0 0 10px; font-size:14px; }
.empty { color:var(--muted); font-style: italic; margin: 4px 0; }
.scroll { overflow-x:auto; }
table { border-collapse: collapse; width:100%; font-size:14px; }
th, td { padding:6px 10px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { font-weight:600; color:#495057; background:#f1f3f5; font-size:13px; vertical-align:bottom; }
td { white-space:nowrap; }
td.wrap { white-space:normal; min-width: 14em; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
.chart { margin-top: 12px; }
footer { color:var(--muted); font-size:13px; margin-top:24px; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { background:#fff; font-size:11pt; }
  main { max-width:none; padding:0; }
  .kpis { grid-template-columns: repeat(5, 1fr); }
  section, .kpi, .notes { border-color:#ced4da; break-inside: avoid; page-break-inside: avoid; }
  section.long { break-inside: auto; page-break-inside: auto; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  .scroll { overflow: visible; }
  section { padding: 10px 12px; }
  table { font-size: 8.5pt; }
  th, td { padding: 3px 5px; }
  td { white-space: normal; }
  td.wrap { min-width: 0; }
  .modebar-container { display:none !important; }
}
"""

RESIZE_FOR_PRINT = """
window.addEventListener('beforeprint', function () {
  document.querySelectorAll('.js-plotly-plot').forEach(function (p) { Plotly.Plots.resize(p); });
});
"""


def _html_table(sec: Section, report: Report) -> str:
    rows = shown_rows(sec, report)
    if not rows:
        return f'<p class="empty">{html.escape(sec.empty)}</p>'
    cls = [' class="num"' if c.numeric else ' class="wrap"' if c.wrap else "" for c in sec.columns]
    head = "".join(f"<th{k}>{html.escape(c.header)}</th>" for c, k in zip(sec.columns, cls, strict=True))
    body = "".join(
        "<tr>" + "".join(f"<td{k}>{html.escape(v)}</td>" for v, k in zip(row, cls, strict=True)) + "</tr>"
        for row in rows
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _figure_html(name: str, figure: go.Figure) -> str:
    div = figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=f"chart-{name}",
        default_width="100%",
        default_height=f"{int(figure.layout.height or 400)}px",
        config={"displaylogo": False, "responsive": True},
    )
    return f'<div class="chart">{div}</div>'


def _kpi(label: str, value: str, sub: str = "", cls: str = "") -> str:
    return (
        f'<div class="kpi"><div class="label">{html.escape(label)}</div>'
        f'<div class="value {cls}">{html.escape(value)}</div><div class="sub">{html.escape(sub)}</div></div>'
    )


def _kpis(report: Report) -> str:
    s = summary(report)
    change_usd, pct = report.change_usd, report.change_pct
    trend = "" if change_usd is None else ("up" if change_usd > 0 else "down")
    change = (
        "no data for the period before"
        if change_usd is None
        else f"{pct:+.1f}% vs {money(report.previous_total_cost_usd)}"
        if pct is not None
        else f"vs {money(report.previous_total_cost_usd)}"
    )
    cards = [
        _kpi("Cost this period", money(report.total_cost_usd), f"{report.period.days:g} days, estimated"),
        _kpi("Change", signed_money(change_usd), change, trend),
        _kpi("Savings available", f"{money(s['monthly_savings_available_usd'])}/mo", "recommendations"),
        _kpi("Services at risk", f"{s['services_at_risk']} of {s['services']}", "breaches, 429s, 5xx, p99"),
        _kpi("Actions applied", str(s["actions"]), "in the period"),
    ]
    return f'<div class="kpis">{"".join(cards)}</div>'


def _html_section(sec: Section, report: Report, figs: dict[str, go.Figure]) -> str:
    intro = f'<p class="intro">{html.escape(sec.intro)}</p>' if sec.intro else ""
    chart = CHART_AFTER.get(sec.name)
    chart_html = _figure_html(chart, figs[chart]) if chart in figs else ""
    long = ' class="long"' if len(sec.rows(report)) > 12 else ""
    return (
        f'<section id="{sec.name}"{long}><h2>{html.escape(sec.title)}</h2>{intro}'
        f"{_html_table(sec, report)}{chart_html}</section>"
    )


def to_html(report: Report, figs: dict[str, go.Figure] | None = None) -> str:
    """One self-contained page: plotly.js inlined, no request leaves the file."""
    figs = figures(report) if figs is None else figs
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in report.notes)
    daily = (
        f'<section id="daily"><h2>Cost per day</h2>{_figure_html("daily_cost", figs["daily_cost"])}</section>'
        if "daily_cost" in figs
        else ""
    )
    body = "".join(_html_section(section(n), report, figs) for n in HTML_SECTIONS)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>App Runner cost report · {html.escape(report.period.label)}</title>
<style>{CSS}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head><body><main>
<header><h1>App Runner cost report</h1>
<p>{html.escape(report.period.label)} · {html.escape(change_text(report))}</p>
<p class="status">{html.escape(PLATFORM_STATUS)}</p></header>
{_kpis(report)}
{f'<div class="notes">{notes}</div>' if notes else ""}
{daily}
{body}
<footer>{html.escape(FOOTER.format(generated=when(report.generated_at), lake=report.lake))}</footer>
</main><script>{RESIZE_FOR_PRINT}</script></body></html>
"""


# -- chat and e-mail --------------------------------------------------------------------------------------
def text_summary(report: Report, link: str | None = None) -> str:
    """A few lines for a chat channel (Slack mrkdwn-compatible)."""
    s = summary(report)
    lines = [
        f"*App Runner cost report* · {report.period.label}",
        f"Cost: *{money(report.total_cost_usd)}* ({change_text(report)})",
        f"Savings available: {money(s['monthly_savings_available_usd'])}/month · "
        f"at risk: {s['services_at_risk']} of {s['services']} services · actions applied: {s['actions']}",
    ]
    lines += [f"• {c.service_name} ({c.region}): {money(c.cost_usd)}" for c in report.services[:5]]
    lines += [f"> {n}" for n in report.notes]
    if link:
        lines.append(f"Full report: {link}")
    return "\n".join(lines)


def email_html(report: Report, cids: dict[str, str]) -> str:
    """A mail-client-safe page: no script, tables and `cid:` images (chart name -> Content-ID)."""
    parts = [
        f"<h1 style='font-size:20px'>App Runner cost report</h1><p>{html.escape(report.period.label)}</p>",
        f"<p><b>Cost: {money(report.total_cost_usd)}</b>, {html.escape(change_text(report))}.<br>"
        f"Savings available: {money(report.monthly_savings_usd)} per month.</p>",
        *[f"<p style='color:#8a6d00'>{html.escape(n)}</p>" for n in report.notes],
    ]
    if "daily_cost" in cids:
        parts.append(f"<img src='cid:{cids['daily_cost']}' width='700' alt='Cost per day'>")
    for name in HTML_SECTIONS:
        sec = section(name)
        parts.append(f"<h2 style='font-size:16px'>{html.escape(sec.title)}</h2>{_html_table(sec, report)}")
        chart = CHART_AFTER.get(name)
        if chart in cids:
            parts.append(f"<img src='cid:{cids[chart]}' width='700' alt='{html.escape(sec.title)}'>")
    style = (
        "<style>table{border-collapse:collapse}th,td{border-bottom:1px solid #ddd;padding:4px 8px}</style>"
    )
    return f"<html><head>{style}</head><body style='font-family:sans-serif'>{''.join(parts)}</body></html>"


def parse_formats(text: str) -> tuple[str, ...]:
    """`html,md` -> ("html", "md"); an unknown format is bad input."""
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise InputError(
            f"--format {text!r} is invalid: allowed a comma-separated list of {', '.join(FORMATS)}"
        )
    return wanted


# -- files ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rendered:
    """Where a report was written, and the charts it could not draw (if any)."""

    directory: Path
    files: list[Path]
    pngs: dict[str, Path]
    images_error: str | None = None


def _pngs(figs: dict[str, go.Figure], directory: Path) -> tuple[dict[str, Path], str | None]:
    try:
        return images.write_pngs(figs, directory / "charts"), None
    except images.ImagesUnavailable as exc:
        return {}, str(exc)


def render(report: Report, directory: Path, formats: tuple[str, ...] = FORMATS) -> Rendered:
    """Write the report in `formats` into `directory` (created); PNGs only when Markdown is asked for."""
    parse_formats(",".join(formats))
    directory.mkdir(parents=True, exist_ok=True)
    figs = figures(report)
    files: list[Path] = []
    pngs, error = _pngs(figs, directory) if "md" in formats else ({}, None)
    if error:
        report = replace(report, notes=[*report.notes, f"Static charts are missing: {error}."])
    writers: dict[str, Callable[[], dict[str, str]]] = {
        "html": lambda: {"report.html": to_html(report, figs)},
        "md": lambda: {"report.md": to_markdown(report, {k: f"charts/{p.name}" for k, p in pngs.items()})},
        "json": lambda: {"report.json": to_json(report)},
        "csv": lambda: to_csvs(report),
    }
    for fmt in (f for f in FORMATS if f in formats):
        for name, text in writers[fmt]().items():
            path = directory / name
            path.write_text(text, encoding="utf-8")
            files.append(path)
    return Rendered(directory, files + list(pngs.values()), pngs, error)
