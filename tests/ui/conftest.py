"""A real lake for the dashboard's tests: the sandbox, collected and recommended, once per session."""

from __future__ import annotations

import os

import pytest

from advisor.sandbox.fleet import default_fleet
from advisor.sandbox.server import Sandbox

SANDBOX_ENV = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def sandbox_lake(tmp_path_factory):
    """(sandbox, lake path): 4 services with 2 days of history, collected and recommended."""
    from advisor.aws.session import AwsSession
    from advisor.collect.run import CollectRequest, collect
    from advisor.recommend_lake import recommend_lake

    saved = {k: os.environ.get(k) for k in (*SANDBOX_ENV, "AWS_ENDPOINT_URL", "ADVISOR_LAKE")}
    box = Sandbox(default_fleet(7)[3:7], port=0, days=2, seed=7, operation_seconds=0.5, live=False)
    box.start()
    lake = tmp_path_factory.mktemp("lake")
    os.environ.update({**SANDBOX_ENV, "AWS_ENDPOINT_URL": box.endpoint, "ADVISOR_LAKE": str(lake)})
    summary = collect(
        AwsSession.open(None, box.endpoint), CollectRequest(lake=lake, regions=("all",), days=2)
    )
    assert summary.ok, summary.to_dict()
    recommend_lake(lake)
    yield box, lake
    box.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
