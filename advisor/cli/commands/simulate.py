"""`advisor simulate`: replay a trace under one configuration (thin: parse flags, call the engine, render)."""

from __future__ import annotations

from pathlib import Path

import typer

from advisor.cli import options as o
from advisor.cli.options import Format, check_format, format_option
from advisor.domain import MAX_RUN_DAYS
from advisor.errors import InputError


def simulate_cmd(
    ctx: typer.Context,
    trace: Path | None = typer.Option(
        None, "--trace", help="Request trace: CSV or Parquet with timestamp, requests."
    ),
    example: str | None = typer.Option(
        None, "--example", help=f"Instead of a trace, a generated one: {', '.join(o.TRAFFIC_SHAPES)}."
    ),
    days: float = typer.Option(30, help=f"Days of traffic for --example (at most {MAX_RUN_DAYS})."),
    seed: int = typer.Option(7, min=0, help="Random seed for --example (0 or more)."),
    max_concurrency: int = typer.Option(100, "--max-concurrency", "-c", help="MaxConcurrency (1-200)."),
    min_size: int = typer.Option(1, "--min-size", "-m", help="MinSize (1-25)."),
    max_size: int = typer.Option(
        25, "--max-size", "-M", help="MaxSize (at least MinSize; above 25 needs a quota)."
    ),
    cpu: str = typer.Option("1", help="vCPU: 0.25, 0.5, 1, 2, 4 (or '1 vCPU', '1024')."),
    memory: str = typer.Option("2", help="Memory in GB: 0.5 to 12 (or '2 GB', '2048')."),
    region: str = typer.Option("us-east-1", help="Region whose prices apply."),
    latency_s: float = typer.Option(o.PROTOCOL_LATENCY_S, "--latency-s", help="Unloaded latency L0 (s)."),
    knee: float = typer.Option(
        o.PROTOCOL_KNEE, help="Per-instance concurrency where latency starts to rise."
    ),
    slo: float = typer.Option(o.PROTOCOL_SLO_FACTOR, help="Latency objective as a multiple of L0."),
    scale_out_delay: int = typer.Option(o.PROTOCOL_SCALE_OUT_DELAY_MIN, help="Scale-out delay (minutes)."),
    scale_in_hold: int = typer.Option(o.PROTOCOL_SCALE_IN_HOLD_MIN, help="Scale-in hold (minutes)."),
    per_minute_out: Path | None = typer.Option(
        None, "--per-minute", help="Also write the minute-by-minute replay here (.csv or .parquet)."
    ),
    fmt: Format = format_option(Format.table, Format.json),
) -> None:
    """Replay a request trace through App Runner's scaling and billing under one configuration."""
    from advisor.cli.formats import common as output
    from advisor.domain import InstanceSize, ScalingConfig
    from advisor.engine.simulate import ScalingModel, demand_from_requests, simulate
    from advisor.workload.traces import per_minute, read_trace
    from advisor.workload.traffic import generate

    check_format(fmt, Format.table, Format.json)
    if (trace is None) == (example is None):
        raise InputError("give exactly one of --trace FILE or --example NAME")
    if trace is not None:
        o.refuse_unused(ctx, ("days", "seed"), "to --example only (a trace has its own length)")
    else:
        o.check_days("--days", days)
    for flag, value in (("--latency-s", latency_s), ("--knee", knee), ("--slo", slo)):
        o.check_positive(flag, value)
    if per_minute_out is not None:
        o.check_output_file("--per-minute", per_minute_out)
    config = ScalingConfig(max_concurrency, min_size, max_size)
    instance = InstanceSize.parse(cpu, memory)
    model = ScalingModel(
        scale_out_delay_min=scale_out_delay,
        scale_in_hold_min=scale_in_hold,
        knee=knee,
        latency_s=latency_s,
        slo_factor=slo,
    )
    if trace is not None:
        requests, source = read_trace(trace), str(trace)
    else:
        assert example is not None
        requests = per_minute(generate(example, days=days, seed=seed), name=f"example {example}")
        source = f"example '{example}' ({days:g} days, seed {seed})"
    demand = requests.copy()
    demand[:] = demand_from_requests(requests.to_numpy(), latency_s)
    result = simulate(demand, config, instance, region, model)
    if per_minute_out is not None:
        frame = result.per_minute.assign(requests=requests.to_numpy())
        if per_minute_out.suffix.lower() == ".parquet":
            frame.to_parquet(per_minute_out)
        else:
            frame.to_csv(per_minute_out)
    if fmt is Format.json:
        print(output.simulation_json(result.summary, source))
    else:
        output.print_table(output.simulation_table(result.summary, source))
