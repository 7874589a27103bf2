"""Fixtures of the recommender's tests (helpers in shapes.py)."""

from __future__ import annotations

import pandas as pd
import pytest
from shapes import scaled

from advisor.workload.traces import per_minute
from advisor.workload.traffic import generate


@pytest.fixture(scope="session")
def diurnal_3d() -> pd.Series:
    """Three days of daily-cycle traffic at the bench's scale (p99 demand 250)."""
    return scaled(per_minute(generate("diurnal", days=3, seed=3)))
