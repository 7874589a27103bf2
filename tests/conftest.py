"""Shared fixtures. ../shared (traces, reference scorer) exists for developers and CI only: tests that
read it skip cleanly without it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_traces() -> Path:
    traces = SHARED / "traces"
    if not traces.is_dir():
        pytest.skip("../shared/traces is not here (a user's clone has none)")
    return traces


@pytest.fixture(scope="session")
def reference_scorer():
    """bench/score.py, the independent implementation of PROTOCOL.md, imported from ../shared."""
    path = SHARED / "bench" / "score.py"
    if not path.is_file():
        pytest.skip("../shared/bench/score.py is not here (a user's clone has none)")
    import importlib.util

    spec = importlib.util.spec_from_file_location("reference_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SANDBOX_ENV = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_DEFAULT_REGION": "us-east-1",
}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` set, and as it was again afterwards (for fixtures wider than one test)."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        yield


@pytest.fixture(scope="session")
def sandbox_lake(tmp_path_factory):
    """(sandbox, lake path): 4 services with 2 days of history, collected and recommended, the sandbox
    still serving (for apply); AWS_ENDPOINT_URL and ADVISOR_LAKE point at them meanwhile."""
    from advisor.aws.session import AwsSession
    from advisor.collect.run import CollectRequest, collect
    from advisor.recommend.pipeline import recommend_lake
    from advisor.sandbox.fleet import default_fleet
    from advisor.sandbox.server import Sandbox

    box = Sandbox(default_fleet(7)[3:7], port=0, days=2, seed=7, operation_seconds=0.5, live=False)
    box.start()
    lake = tmp_path_factory.mktemp("lake")
    try:
        with environment({**SANDBOX_ENV, "AWS_ENDPOINT_URL": box.endpoint, "ADVISOR_LAKE": str(lake)}):
            summary = collect(
                AwsSession.open(None, box.endpoint), CollectRequest(lake=lake, regions=("all",), days=2)
            )
            assert summary.ok, summary.to_dict()
            recommend_lake(lake)
            yield box, lake
    finally:
        box.stop()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (its own browser download does not work offline)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def cli(args: list, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    """`advisor ...` in process: (exit code, stdout, stderr)."""
    from advisor.cli import main

    monkeypatch.setattr(sys, "argv", ["advisor", *map(str, args)])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def refused(args: list, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> str:
    """The one-line error of a command that must refuse its input (exit 2), for the test to read."""
    code, _, err = cli(args, monkeypatch, capsys)
    assert code == 2, err
    assert err.startswith("advisor: error: "), err
    assert err.strip().count("\n") == 0, err
    return err.strip().removeprefix("advisor: error: ")
