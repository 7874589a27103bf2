"""Shared fixtures. ../shared (traces, reference scorer) exists for developers and CI only: tests that
read it skip cleanly without it."""

from __future__ import annotations

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
