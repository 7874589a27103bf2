"""Numbers as people read them, one way everywhere: the CLI tables, the dashboard and the report.

A missing value (None or NaN) is shown as `MISSING`, "?", as the command line always has (and as KRR
does): it says "not known" where a dash could be read as zero or as "not applicable".
"""

from __future__ import annotations

MISSING = "?"


def _missing(value: object) -> bool:
    """None, NaN, pandas' NA and NaT (checked without importing pandas)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pd.NA refuses to be a bool
        return True


def money(value: float | None) -> str:
    """Dollars with the sign in front: "-$18.22", "$1,234.50" (Streamlit's deltas read the sign)."""
    if _missing(value):
        return MISSING
    assert value is not None
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def signed_money(value: float | None) -> str:
    """A change in dollars: "+$3.00", "-$18.22", "$0.00"."""
    if _missing(value):
        return MISSING
    assert value is not None
    return ("+" if value > 0 else "") + money(value)


def count(value: float | None) -> str:
    """A whole number with thousands separators: "12,960"."""
    return MISSING if _missing(value) else f"{value:,.0f}"


def percent(share: float | None, digits: int = 1) -> str:
    """A share of one as a percentage: 0.1234 -> "12.3%"."""
    return MISSING if _missing(share) else f"{share:.{digits}%}"


def duration(seconds: float | None) -> str:
    """Seconds as the largest unit that reads well: "0.4 s", "12.0 s", "3.5 min", "2.0 h", "3.0 days"."""
    if _missing(seconds):
        return MISSING
    assert seconds is not None
    if abs(seconds) < 60:
        return f"{seconds:.1f} s"
    if abs(seconds) < 3600:
        return f"{seconds / 60:.1f} min"
    if abs(seconds) < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def size(n_bytes: int | None) -> str:
    """Bytes in binary units: "512 B", "1.5 KiB", "3.2 MiB"."""
    if _missing(n_bytes):
        return MISSING
    assert n_bytes is not None
    value = float(n_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover
