"""`advisor recommend --from-metrics`: one service's exported metrics through the engine, as the lake's are.

The file becomes the lake's wide frame (`workload.metrics_file`) and goes to the same `recommend` the
lake pipeline calls, with the configuration, size and region the user says the service runs (the file
cannot tell them). Nothing is written: the user kept their AWS account to themselves, and the advisor
keeps no lake for them.
"""

from __future__ import annotations

from pathlib import Path

from advisor.domain import InstanceSize, ScalingConfig
from advisor.engine import explain
from advisor.engine.explain import Recommendation
from advisor.engine.recommender import RecommendSettings, recommend
from advisor.errors import InputError
from advisor.workload.metrics_file import read_metrics_file


def recommend_from_metrics(
    path: str | Path,
    current: ScalingConfig,
    instance: InstanceSize,
    region: str = "us-east-1",
    settings: RecommendSettings = RecommendSettings(),
) -> Recommendation:
    """The recommendation for the service whose metrics are in the file at `path`.

    Too short a file is bad input, by the recommender's own data rule (a lake's short history is a
    row that says so instead: collecting longer is the fix there, exporting longer here)."""
    metrics = read_metrics_file(path)
    rec = recommend(metrics.frame, current, instance, region, settings)
    if rec.status == explain.INSUFFICIENT_DATA and rec.data.days < settings.min_days:
        raise InputError(
            f"metrics file {metrics.path}: {rec.data_rule} Export a longer span: CloudWatch keeps "
            "1-minute metrics for 15 days"
        )
    return rec
