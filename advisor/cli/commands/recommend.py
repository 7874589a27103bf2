"""`advisor recommend` and `advisor bench`: parse flags, call the engine, render. No logic here.

The engine (scikit-learn), the lake reader and the renderers are imported inside the commands, so that
`advisor --help` and the other commands start without loading them.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from advisor.domain import DEFAULT_SCALING, InstanceSize
from advisor.engine.profiles import PROFILES, profile_named
from advisor.engine.simulate import PROTOCOL_MODEL, ScalingModel
from advisor.errors import InputError
from advisor.settings import load_settings
from advisor.workload.traces import read_trace

if TYPE_CHECKING:
    from advisor.engine.recommender import RecommendSettings


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _positive(name: str, value: float) -> float:
    if not value > 0:
        raise InputError(f"{name}={value!r} is invalid: allowed a number above 0")
    return value


def _settings(profile: str, budget: float, horizon_days: float, right_size: bool) -> RecommendSettings:
    from advisor.engine.recommender import RecommendSettings

    profile_named(profile)  # a bad name is bad input, before any work
    if not 0 <= budget < 1:
        raise InputError(f"--budget={budget!r} is invalid: allowed a share of minutes from 0 to below 1")
    _positive("--horizon-days", horizon_days)
    return RecommendSettings(profile=profile, budget=budget, horizon_days=horizon_days, right_size=right_size)


def _trace_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise InputError(f"--traces {directory}: no such directory")
    files = sorted(p for p in directory.iterdir() if p.suffix.lower() in (".parquet", ".csv"))
    if not files:
        raise InputError(f"--traces {directory}: no .parquet or .csv traces in it")
    return files


def _recommend_lake(lake: Path | None, services: tuple[str, ...], settings, fmt: Format) -> None:
    from advisor.cli.formats import recommend as render_recommend
    from advisor.recommend.pipeline import recommend_lake

    slo = load_settings().slo
    settings = replace(
        settings,
        capacity=replace(settings.capacity, slo_factor=slo.latency_factor, cpu_limit_pct=slo.max_cpu_percent),
    )
    fleet = recommend_lake(lake or load_settings().lake, services, settings)
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


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `advisor` app."""

    @app.command("recommend")
    def recommend_cmd(
        from_trace: Path | None = typer.Option(
            None,
            "--from-trace",
            help="Offline: a request trace (CSV or Parquet: timestamp, requests) treated as a service "
            "running the current configuration. Without it: every service in the lake.",
        ),
        lake: Path | None = typer.Option(None, "--lake", help="Lake directory (default: settings)."),
        service: list[str] = typer.Option(
            [], "--service", help="Only this service, by name or ARN (repeatable; lake mode)."
        ),
        profile: str = typer.Option("balanced", help=f"Risk profile: {', '.join(PROFILES)}."),
        knee: float = typer.Option(
            PROTOCOL_MODEL.knee, help="Hidden truth of the simulated service: where its latency rises."
        ),
        latency_s: float = typer.Option(
            PROTOCOL_MODEL.latency_s, "--latency-s", help="Hidden truth: the service's unloaded latency (s)."
        ),
        cpu: str = typer.Option("1", help="Instance vCPU: 0.25, 0.5, 1, 2, 4."),
        memory: str = typer.Option("2", help="Instance memory in GB: 0.5 to 12."),
        region: str = typer.Option("us-east-1", help="Region whose prices apply."),
        horizon_days: float = typer.Option(7.0, "--horizon-days", help="How long the recommendation holds."),
        budget: float = typer.Option(0.001, help="SLO error budget: share of minutes allowed to breach."),
        right_size: bool = typer.Option(True, "--right-size/--no-right-size", help="Compare instance sizes."),
        seed: int = typer.Option(0, help="Seed of the simulated metrics' noise."),
        fmt: Format = typer.Option(Format.table, "--format", help="Output format."),
    ) -> None:
        """Recommend MaxConcurrency, MinSize and MaxSize from a service's metrics, with the evidence.

        Without --from-trace: every service of the lake's latest inventory (or the --service ones),
        printed and written to the lake's `recommendations` table (one row per service).
        """
        settings = _settings(profile, budget, horizon_days, right_size)
        if from_trace is None:
            _recommend_lake(lake, tuple(service), settings, fmt)
            return
        if lake is not None or service:
            raise InputError("--lake and --service read the lake; they do not go with --from-trace")
        from advisor.cli.formats import recommend as render_recommend
        from advisor.engine.offline import recommend_from_trace
        from advisor.engine.telemetry import ServiceBehavior

        behavior = ServiceBehavior(
            knee=_positive("--knee", knee), latency_s=_positive("--latency-s", latency_s)
        )
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

    @app.command("bench")
    def bench_cmd(
        traces: Path = typer.Option(..., "--traces", help="Directory of traces (*.parquet, *.csv)."),
        profile: str = typer.Option("balanced", help=f"Risk profile: {', '.join(PROFILES)}."),
        fmt: Format = typer.Option(Format.table, "--format", help="Output format."),
    ) -> None:
        """bench/PROTOCOL.md on every trace: recommend from the first 2/3, score on the last 1/3."""
        from advisor.cli.formats import recommend as render_recommend
        from advisor.engine.bench import BenchSettings, run_trace

        settings = BenchSettings(
            model=ScalingModel(), recommend=_settings(profile, 0.001, 7.0, right_size=False)
        )
        results = [run_trace(path.name, read_trace(path), settings) for path in _trace_files(traces)]
        if fmt is not Format.table:
            print(render_recommend.bench_json(results))
        else:
            render_recommend.print_wide(render_recommend.bench_table(results))
