"""A ready-to-read lake from the sandbox: start it, collect every region, recommend, stop.

It lives outside `advisor/sandbox/` because it runs the recommender, which the sandbox's world must never
import (the import contract in pyproject.toml).

The notebooks, and anyone who wants a realistic lake without an AWS account, call `build_sandbox_lake`
and get the same tables a real `advisor collect` + `advisor recommend` would write.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from advisor.aws.session import AwsSession
from advisor.collect.run import CollectRequest, collect
from advisor.engine.recommender import RecommendSettings
from advisor.recommend.pipeline import recommend_lake
from advisor.sandbox.fleet import default_fleet
from advisor.sandbox.server import Sandbox

SANDBOX_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """`values` in os.environ for the duration, then the environment exactly as it was."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build_sandbox_lake(
    path: str | Path,
    services: int = 8,
    days: float = 8,  # a full weekly cycle (what the recommender wants for full confidence) and a day more
    seed: int = 7,
    settings: RecommendSettings = RecommendSettings(),
) -> Path:
    """Collect `days` of the seeded sandbox fleet's history into the lake at `path` and recommend for it
    with `settings` (those of `advisor recommend` by default).

    The sandbox serves on a free local port only while collecting; the caller's AWS environment variables
    are left as they were. Raises RuntimeError when the collection did not succeed.
    """
    lake = Path(path)
    lake.mkdir(parents=True, exist_ok=True)
    box = Sandbox(default_fleet(services), port=0, days=days, seed=seed, operation_seconds=0.5, live=False)
    box.start()
    try:
        with _environment({**SANDBOX_CREDENTIALS, "AWS_ENDPOINT_URL": box.endpoint}):
            summary = collect(
                AwsSession.open(None, box.endpoint),
                CollectRequest(lake=lake, regions=("all",), days=days),
            )
    finally:
        box.stop()
    if not summary.ok:
        raise RuntimeError(f"collecting the sandbox into {lake} failed: {summary.to_dict()}")
    recommend_lake(lake, settings=settings)
    return lake
