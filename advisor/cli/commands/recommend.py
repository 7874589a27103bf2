"""`advisor recommend` and `advisor bench`: parse flags, call the engine, render. No logic here.

The engine (scikit-learn), the lake reader and the renderers are imported inside the commands, so that
`advisor --help` and the other commands start without loading them.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from advisor.cli import options
from advisor.cli.options import Format, check_format, format_option
from advisor.engine.profiles import DEFAULT_PROFILE, PROFILES, profile_named
from advisor.errors import InputError

if TYPE_CHECKING:
    from advisor.engine.recommender import RecommendSettings

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


# What a trace cannot tell and the lake can: the service's hidden truth, its size, region and noise.
TRACE_ONLY = ("knee", "latency_s", "cpu", "memory", "region", "seed")


def _recommend_settings(
    strategy: str, budget: float, horizon_days: float, right_size: bool
) -> RecommendSettings:
    from advisor.engine.recommender import RecommendSettings

    profile_named(strategy)  # a bad name is bad input, before any work
    if not 0 <= budget < 1:
        raise InputError(f"--budget={budget!r} is invalid: allowed a share of minutes from 0 to below 1")
    options.check_days("--horizon-days", horizon_days)
    return RecommendSettings(
        profile=strategy, budget=budget, horizon_days=horizon_days, right_size=right_size
    )


def _trace_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise InputError(f"--traces {directory}: no such directory")
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in (".parquet", ".csv"))
    if not files:
        raise InputError(f"--traces {directory}: no .parquet or .csv traces in it")
    return files


def _recommend_lake(
    lake: Path | None, services: tuple[str, ...], recommend: RecommendSettings, fmt: Format
) -> None:
    from advisor.cli.formats import recommend as render_recommend
    from advisor.recommend.pipeline import recommend_lake

    settings = options.settings(lake)
    slo = settings.slo
    recommend = replace(
        recommend,
        capacity=replace(
            recommend.capacity, slo_factor=slo.latency_factor, cpu_limit_pct=slo.max_cpu_percent
        ),
    )
    fleet = recommend_lake(settings.lake, services, recommend)
    if fmt is Format.json:
        print(render_recommend.fleet_json(fleet))
    elif fmt is Format.csv:
        print(render_recommend.fleet_csv(fleet), end="")
    else:
        render_recommend.print_wide(render_recommend.fleet_table(fleet))
    if not fleet.ok:
        for failed in fleet.failed:
            print(f"advisor: error: {failed.service_name}: {failed.error}", file=sys.stderr)
        raise typer.Exit(1)


def recommend_cmd(
    ctx: typer.Context,
    from_trace: Path | None = typer.Option(
        None,
        "--from-trace",
        help="Offline: a request trace (CSV or Parquet: timestamp, requests) treated as a service "
        "running the current configuration. Without it: every service in the lake.",
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
    seed: int = typer.Option(0, min=0, help="Seed of the simulated metrics' noise (0 or more)."),
    fmt: Format = format_option(Format.table, Format.json, Format.csv),
) -> None:
    """Recommend MaxConcurrency, MinSize and MaxSize from a service's metrics, with the evidence.

    Without --from-trace: every service of the lake's latest inventory (or the --service ones),
    printed and written to the lake's `recommendations` table (one row per service).
    """
    settings = _recommend_settings(strategy_named(strategy, old_profile), budget, horizon_days, right_size)
    if from_trace is None:
        why = "to --from-trace only (the lake has each service's own size, region and metrics)"
        options.refuse_unused(ctx, TRACE_ONLY, why)
        _recommend_lake(lake, tuple(service), settings, fmt)
        return
    if lake is not None or service:
        raise InputError("--lake and --service read the lake; they do not go with --from-trace")
    from advisor.cli.formats import recommend as render_recommend
    from advisor.domain import DEFAULT_SCALING, InstanceSize
    from advisor.engine.offline import recommend_from_trace
    from advisor.engine.telemetry import ServiceBehavior
    from advisor.workload.traces import read_trace

    behavior = ServiceBehavior(knee=_positive("--knee", knee), latency_s=_positive("--latency-s", latency_s))
    instance = InstanceSize.parse(cpu, memory)
    requests = read_trace(from_trace)
    rec = recommend_from_trace(requests, behavior, DEFAULT_SCALING, instance, region, settings, seed)
    if fmt is Format.json:
        print(render_recommend.recommendation_json(rec, str(from_trace)))
    elif fmt is Format.csv:
        print(render_recommend.recommendation_csv(rec, str(from_trace)), end="")
    else:
        render_recommend.print_wide(render_recommend.recommendation_table(rec, str(from_trace)))
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
    recommend = _recommend_settings(strategy_named(strategy, old_profile), 0.001, 7.0, right_size=False)
    settings = BenchSettings(model=ScalingModel(), recommend=recommend)
    results = [run_trace(path.name, read_trace(path), settings) for path in _trace_files(traces)]
    if fmt is Format.json:
        print(render_recommend.bench_json(results))
    else:
        render_recommend.print_wide(render_recommend.bench_table(results))
