"""The `advisor` command. Thin: parse flags, call the package, render with advisor.output."""

from __future__ import annotations

import sys
import warnings
from enum import StrEnum
from pathlib import Path

import typer

try:  # typer 0.2x ships its own copy of click; older ones use click itself
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException, NoArgsIsHelpError

from advisor.cli.commands import apply as apply_commands
from advisor.cli.commands import collect as collect_commands
from advisor.cli.commands import demo as demo_commands
from advisor.cli.commands import recommend as recommend_commands
from advisor.cli.commands import report as report_commands
from advisor.cli.commands import sandbox as sandbox_commands
from advisor.cli.formats import common as output
from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine.simulate import PROTOCOL_MODEL, ScalingModel, demand_from_requests, simulate
from advisor.errors import AdvisorError, InputError
from advisor.workload.traces import per_minute, read_trace
from advisor.workload.traffic import SHAPES, generate

app = typer.Typer(
    name="advisor",
    help="Observability and autoscaling advisor for AWS App Runner.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Format(StrEnum):
    table = "table"
    json = "json"


@app.callback()
def _root() -> None:
    """Observability and autoscaling advisor for AWS App Runner."""


@app.command("simulate")
def simulate_cmd(
    trace: Path | None = typer.Option(
        None, "--trace", help="Request trace: CSV or Parquet with timestamp, requests."
    ),
    example: str | None = typer.Option(
        None, "--example", help=f"Instead of a trace, a generated one: {', '.join(SHAPES)}."
    ),
    days: float = typer.Option(30, help="Days of traffic for --example."),
    seed: int = typer.Option(7, help="Random seed for --example."),
    max_concurrency: int = typer.Option(100, "--max-concurrency", "-c", help="MaxConcurrency (1-200)."),
    min_size: int = typer.Option(1, "--min-size", "-m", help="MinSize (1-25)."),
    max_size: int = typer.Option(
        25, "--max-size", "-M", help="MaxSize (at least MinSize; above 25 needs a quota)."
    ),
    cpu: str = typer.Option("1", help="vCPU: 0.25, 0.5, 1, 2, 4 (or '1 vCPU', '1024')."),
    memory: str = typer.Option("2", help="Memory in GB: 0.5 to 12 (or '2 GB', '2048')."),
    region: str = typer.Option("us-east-1", help="Region whose prices apply."),
    latency_s: float = typer.Option(PROTOCOL_MODEL.latency_s, "--latency-s", help="Unloaded latency L0 (s)."),
    knee: float = typer.Option(
        PROTOCOL_MODEL.knee, help="Per-instance concurrency where latency starts to rise."
    ),
    slo: float = typer.Option(PROTOCOL_MODEL.slo_factor, help="Latency objective as a multiple of L0."),
    scale_out_delay: int = typer.Option(
        PROTOCOL_MODEL.scale_out_delay_min, help="Scale-out delay (minutes)."
    ),
    scale_in_hold: int = typer.Option(PROTOCOL_MODEL.scale_in_hold_min, help="Scale-in hold (minutes)."),
    per_minute_out: Path | None = typer.Option(
        None, "--per-minute", help="Also write the minute-by-minute replay here (.csv or .parquet)."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format."),
) -> None:
    """Replay a request trace through App Runner's scaling and billing under one configuration."""
    if (trace is None) == (example is None):
        raise InputError("give exactly one of --trace FILE or --example NAME")
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


for commands in (
    sandbox_commands,
    collect_commands,
    recommend_commands,
    apply_commands,
    report_commands,
    demo_commands,
):
    commands.register(app)


def _warn_on_stderr(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"advisor: warning: {message}", file=sys.stderr)


def main() -> None:
    """Entry point: one-line errors and exit 2 for bad input, 1 for failures."""
    warnings.showwarning = _warn_on_stderr
    try:
        code = app(standalone_mode=False)
    except InputError as exc:
        print(f"advisor: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except NoArgsIsHelpError as exc:
        print(exc.ctx.get_help())
        sys.exit(0)
    except ClickException as exc:  # unknown flag, missing value, bad type: click's own words, one line
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        print(f"advisor: error: {exc.format_message()}{hint}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except AdvisorError as exc:
        print(f"advisor: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except typer.Abort:
        print("advisor: aborted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
