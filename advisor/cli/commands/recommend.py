"""`advisor recommend` and `advisor bench`: parse flags, call the engine, render. No logic here.

The engine (scikit-learn), the lake reader and the renderers are imported inside the commands, so that
`advisor --help` and the other commands start without loading them.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from advisor.cli import options
from advisor.cli.options import Format, check_format, format_option
from advisor.domain import DEFAULT_SCALING, InstanceSize, ScalingConfig
from advisor.engine.profiles import DEFAULT_PROFILE, PROFILES, profile_named
from advisor.errors import ConfigError, InputError

if TYPE_CHECKING:
    from advisor.engine.explain import Recommendation
    from advisor.engine.recommender import RecommendSettings
    from advisor.recommend.view import FleetView
    from advisor.settings import Advice, Slo

# The table's order and filters (they narrow what is shown, in every format; the lake gets every row).
# Spelled out here so that `--help` does not import the pipeline; tests hold them equal to recommend.view.
SORTS = ("savings", "risk", "confidence", "cost", "name")
RISKS = ("throttling", "latency", "cold-starts", "any")
CONFIDENCE_LEVELS = ("none", "low", "medium", "high")
SORT = typer.Option("name", "--sort", help=f"Order of the services: {', '.join(SORTS)} (biggest first).")
MIN_SAVINGS = typer.Option(
    None, "--min-savings", help="Show only services saving at least this many dollars a month."
)
RISK = typer.Option(
    None, "--risk", help=f"Show only services whose current configuration risks: {', '.join(RISKS)}."
)
CONFIDENCE = typer.Option(
    None,
    "--confidence",
    help=f"Show only services with at least this confidence: {', '.join(CONFIDENCE_LEVELS[1:])}.",
)
PROGRESS = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr.")

STRATEGY = typer.Option(DEFAULT_PROFILE, "--strategy", help=f"Risk strategy: {', '.join(PROFILES)}.")
# Until the next release: the risk profile's old flag, now meaning the AWS profile everywhere else.
OLD_PROFILE = typer.Option(None, "--profile", hidden=True, help="Deprecated: use --strategy.")


def strategy_named(strategy: str, old_profile: str | None) -> str:
    """--strategy, or a risk-profile name given to the old --profile flag (with a warning on stderr)."""
    if old_profile is None:
        return strategy
    if old_profile not in PROFILES:
        raise InputError(
            f"--profile {old_profile!r}: this command needs no AWS profile; "
            f"the risk strategy is --strategy ({', '.join(PROFILES)})"
        )
    if strategy not in (DEFAULT_PROFILE, old_profile):
        raise InputError(f"--strategy {strategy} and --profile {old_profile}: give --strategy only")
    print(
        f"advisor: warning: --profile {old_profile} is deprecated for the risk strategy and will mean "
        f"the AWS profile only in the next release: use --strategy {old_profile}",
        file=sys.stderr,
    )
    return old_profile


def _positive(name: str, value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{name}={value!r} is invalid: allowed a finite number above 0")
    return value


# What only a trace needs told: the simulated service's hidden truth and its metrics' noise (a metrics
# file and the lake hold the service's own). And what the lake knows of each service and a file does not.
TRACE_ONLY = ("knee", "latency_s", "seed")
OFFLINE_ONLY = ("current", "cpu", "memory", "region")


def advice_settings(
    min_benefit: float | None, min_benefit_pct: float | None, max_size_limit: int | None
) -> Advice:
    """The [advice] settings (config file, else defaults) with the flags a user gave laid over them."""
    base = options.settings().advice
    flags: dict[str, Any] = {
        "min_savings_usd": min_benefit,
        "min_savings_pct": min_benefit_pct,
        "max_size_limit": max_size_limit,
    }
    try:
        return replace(base, **{k: v for k, v in flags.items() if v is not None})
    except InputError as exc:  # name the flag, not the config key
        names = {"min_savings_usd": "--min-benefit", "min_savings_pct": "--min-benefit-pct"}
        message = str(exc).removeprefix("advice.")
        for key, flag in (*names.items(), ("max_size_limit", "--max-size-limit")):
            if message.startswith(key) and flags[key] is not None:
                message = flag + message.removeprefix(key)
        raise InputError(message) from None


def recommend_settings(
    strategy: str, budget: float, horizon_days: float, right_size: bool, advice: Advice | None = None
) -> RecommendSettings:
    from advisor.engine.benefit import MinimumBenefit
    from advisor.engine.recommender import RecommendSettings
    from advisor.settings import Advice

    profile_named(strategy)  # a bad name is bad input, before any work
    if not 0 <= budget < 1:
        raise InputError(f"--budget={budget!r} is invalid: allowed a share of minutes from 0 to below 1")
    options.check_days("--horizon-days", horizon_days)
    advice = advice or Advice()
    return RecommendSettings(
        profile=strategy,
        budget=budget,
        horizon_days=horizon_days,
        right_size=right_size,
        max_size_limit=advice.max_size_limit,
        benefit=MinimumBenefit(advice.min_savings_usd, advice.min_savings_pct),
    )


def with_slo(recommend: RecommendSettings, slo: Slo) -> RecommendSettings:
    """`recommend` with the [slo] settings over its capacity model: what the lake's services are held to."""
    capacity = replace(recommend.capacity, slo_factor=slo.latency_factor, cpu_limit_pct=slo.max_cpu_percent)
    return replace(recommend, capacity=capacity)


def _trace_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise InputError(f"--traces {directory}: no such directory")
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in (".parquet", ".csv"))
    if not files:
        raise InputError(f"--traces {directory}: no .parquet or .csv traces in it")
    return files


def _fleet_view(sort: str, min_savings: float | None, risk: str | None, confidence: str | None) -> FleetView:
    from advisor.recommend.view import FleetView

    return FleetView(sort=sort, min_savings=min_savings, risk=risk, confidence=confidence)


def _recommend_lake(
    lake: Path | None,
    services: tuple[str, ...],
    recommend: RecommendSettings,
    fmt: Format,
    view: FleetView,
    progress: bool,
) -> None:
    from advisor.cli.formats import recommend as render_recommend
    from advisor.cli.formats.progress import ServiceBar
    from advisor.recommend.pipeline import recommend_lake

    settings = options.settings(lake)
    recommend = with_slo(recommend, settings.slo)
    with ServiceBar("recommend", enabled=progress) as bar:
        fleet = recommend_lake(settings.lake, services, recommend, progress=bar.advance)
    if fmt is Format.json:
        print(render_recommend.fleet_json(fleet, view))
    elif fmt is Format.csv:
        print(render_recommend.fleet_csv(fleet, view), end="")
    else:
        render_recommend.print_fitted(render_recommend.fleet_table(fleet, view))
    if not fleet.ok:
        for failed in fleet.failed:
            print(f"advisor: error: {failed.service_name}: {failed.error}", file=sys.stderr)
        raise typer.Exit(1)
    if fleet.not_stored:
        from advisor.errors import LakeError

        raise LakeError(f"the recommendations above are not stored: {fleet.not_stored}")


def recommend_cmd(
    ctx: typer.Context,
    from_trace: Path | None = typer.Option(
        None,
        "--from-trace",
        help="Offline: a request trace (CSV or Parquet: timestamp, requests) treated as a service "
        "running the current configuration. Without it or --from-metrics: every service in the lake.",
    ),
    from_metrics: Path | None = typer.Option(
        None,
        "--from-metrics",
        help="Offline: one service's own 1-minute CloudWatch metrics (CSV or Parquet; long: timestamp, "
        "metric, stat, value; or wide: timestamp and Metric_Stat columns), e.g. exported with "
        "'aws cloudwatch get-metric-data' (docs/from-metrics.md).",
    ),
    current: str = typer.Option(
        str(DEFAULT_SCALING),
        "--current",
        help="Offline: the configuration the service runs, MaxConcurrency/MinSize/MaxSize.",
    ),
    lake: Path | None = options.LAKE,
    service: list[str] = typer.Option(
        [], "--service", help="Only this service, by name or ARN (repeatable; lake mode)."
    ),
    strategy: str = STRATEGY,
    old_profile: str | None = OLD_PROFILE,
    knee: float = typer.Option(
        options.PROTOCOL_KNEE, help="Hidden truth of the simulated service: where its latency rises."
    ),
    latency_s: float = typer.Option(
        options.PROTOCOL_LATENCY_S, "--latency-s", help="Hidden truth: the service's unloaded latency (s)."
    ),
    cpu: str = typer.Option("1", help="Instance vCPU: 0.25, 0.5, 1, 2, 4."),
    memory: str = typer.Option("2", help="Instance memory in GB: 0.5 to 12."),
    region: str = typer.Option("us-east-1", help="Region whose prices apply."),
    horizon_days: float = typer.Option(7.0, "--horizon-days", help="How long the recommendation holds."),
    budget: float = typer.Option(0.001, help="SLO error budget: share of minutes allowed to breach."),
    right_size: bool = typer.Option(True, "--right-size/--no-right-size", help="Compare instance sizes."),
    min_benefit: float | None = typer.Option(
        None,
        "--min-benefit",
        help="Keep the current configuration unless a change saves at least this many $/month "
        "(and --min-benefit-pct), or lowers breach risk materially. Default: [advice] or 1.",
    ),
    min_benefit_pct: float | None = typer.Option(
        None, "--min-benefit-pct", help="...and at least this % of the current cost. Default: [advice] or 5."
    ),
    max_size_limit: int | None = typer.Option(
        None,
        "--max-size-limit",
        help="Highest MaxSize to recommend: the account's quota (default: [advice] or App Runner's 25).",
    ),
    seed: int = typer.Option(0, min=0, help="Seed of the simulated metrics' noise (0 or more)."),
    sort: str = SORT,
    min_savings: float | None = MIN_SAVINGS,
    risk: str | None = RISK,
    confidence: str | None = CONFIDENCE,
    progress: bool = PROGRESS,
    fmt: Format = format_option(Format.table, Format.json, Format.csv),
) -> None:
    """Recommend MaxConcurrency, MinSize and MaxSize from a service's metrics, with the evidence.

    Without --from-trace or --from-metrics: every service of the lake's latest inventory (or the
    --service ones), printed and written to the lake's `recommendations` table (one row per service).
    --sort and the filters choose what is shown; `advisor explain SERVICE` shows one recommendation whole.
    With one of them: that one service, printed only (--current, --cpu, --memory, --region describe it).
    """
    advice = advice_settings(min_benefit, min_benefit_pct, max_size_limit)
    settings = recommend_settings(
        strategy_named(strategy, old_profile), budget, horizon_days, right_size, advice
    )
    source = from_metrics if from_metrics is not None else from_trace
    if source is None:
        options.refuse_unused(ctx, TRACE_ONLY, "to --from-trace only (the lake has each service's metrics)")
        why = "to --from-trace and --from-metrics only (the lake has each service's own config, size, region)"
        options.refuse_unused(ctx, OFFLINE_ONLY, why)
        view = _fleet_view(sort, min_savings, risk, confidence)
        _recommend_lake(lake, tuple(service), settings, fmt, view, progress)
        return
    offline = "--from-trace" if from_metrics is None else "--from-metrics"
    if from_trace is not None and from_metrics is not None:
        raise InputError("--from-trace and --from-metrics: give one (a trace is simulated, metrics are read)")
    if lake is not None or service:
        raise InputError(f"--lake and --service read the lake; they do not go with {offline}")
    if sort != "name" or min_savings is not None or risk is not None or confidence is not None:
        raise InputError(f"--sort, --min-savings, --risk and --confidence order a fleet: not with {offline}")
    scaling = parse_current(current)
    instance = InstanceSize.parse(cpu, memory)
    if from_metrics is not None:
        from advisor.recommend.from_metrics import recommend_from_metrics

        options.refuse_unused(
            ctx, TRACE_ONLY, "to --from-trace only (the file has the service's own metrics)"
        )
        _render_one(recommend_from_metrics(source, scaling, instance, region, settings), source, fmt)
        return
    from advisor.engine.offline import recommend_from_trace
    from advisor.engine.telemetry import ServiceBehavior
    from advisor.workload.traces import read_trace

    behavior = ServiceBehavior(knee=_positive("--knee", knee), latency_s=_positive("--latency-s", latency_s))
    requests = read_trace(source)
    rec = recommend_from_trace(requests, behavior, scaling, instance, region, settings, seed)
    _render_one(rec, source, fmt)


def parse_current(text: str) -> ScalingConfig:
    try:
        return ScalingConfig.parse(text)
    except ConfigError as exc:
        raise InputError(f"--current {text}: {exc}") from None


def _render_one(rec: Recommendation, source: Path, fmt: Format) -> None:
    from advisor.cli.formats import recommend as render_recommend

    if fmt is Format.json:
        print(render_recommend.recommendation_json(rec, str(source)))
    elif fmt is Format.csv:
        print(render_recommend.recommendation_csv(rec, str(source)), end="")
    else:
        render_recommend.print_wide(render_recommend.recommendation_table(rec, str(source)))
        print(render_recommend.reasons_text(rec))


def bench_cmd(
    traces: Path = typer.Option(..., "--traces", help="Directory of traces (*.parquet, *.csv)."),
    strategy: str = STRATEGY,
    old_profile: str | None = OLD_PROFILE,
    fmt: Format = format_option(Format.table, Format.json),
) -> None:
    """bench/PROTOCOL.md on every trace: recommend from the first 2/3, score on the last 1/3."""
    from advisor.cli.formats import recommend as render_recommend
    from advisor.engine.bench import BenchSettings, run_trace
    from advisor.engine.simulate import ScalingModel
    from advisor.workload.traces import read_trace

    check_format(fmt, Format.table, Format.json)
    recommend = recommend_settings(strategy_named(strategy, old_profile), 0.001, 7.0, right_size=False)
    settings = BenchSettings(model=ScalingModel(), recommend=recommend)
    results = [run_trace(path.name, read_trace(path), settings) for path in _trace_files(traces)]
    if fmt is Format.json:
        print(render_recommend.bench_json(results))
    else:
        render_recommend.print_wide(render_recommend.bench_table(results))
