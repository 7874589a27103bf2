"""A user's data file (CSV or Parquet) as a DataFrame, and its timestamps as UTC: one way for every file
the advisor reads from a person (request traces, exported metrics), so each says what is wrong the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from advisor.errors import InputError


def read_data_file(path: Path, label: str, error: type[InputError]) -> pd.DataFrame:
    """The rows of a .csv or .parquet file; `error(f"{label}: ...")` saying why it cannot be read."""
    if not path.is_file():
        raise error(f"{label}: no such file")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv", ".gz", ".txt"):
        raise error(f"{label}: unknown file type {suffix!r}; use .csv or .parquet")
    if path.stat().st_size == 0:
        raise error(f"{label}: the file is empty")
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except Exception as exc:  # the parser's own words say what is wrong with the file
        raise error(f"{label}: cannot be read ({type(exc).__name__}: {exc})") from None


def utc_timestamps(column: pd.Series, label: str, error: type[InputError]) -> pd.DatetimeIndex:
    """ISO dates (with Z or an offset; naive ones are UTC) or epoch seconds (milliseconds when too large
    to be seconds) as a UTC index; `error` naming the first that is neither."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        parsed = pd.to_datetime(
            column, unit="ms" if column.abs().max() > 1e11 else "s", utc=True, errors="coerce"
        )
    else:
        parsed = pd.to_datetime(column, utc=True, errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise error(
            f"{label}: {int(bad.sum())} timestamps cannot be read as dates, "
            f"first at row {first} ({column.iloc[first]!r})"
        )
    return pd.DatetimeIndex(parsed).as_unit("ns")
