"""Numbers as people read them, one way everywhere: the CLI tables, the dashboard and the report.

A missing value (None or NaN) is shown as `MISSING`, "?", as the command line always has (and as KRR
does): it says "not known" where a dash could be read as zero or as "not applicable".
"""

from __future__ import annotations

MISSING = "?"
KEEP_CURRENT = "keep current"  # where a recommendation keeps the configuration it has
ESTIMATE = "≈"  # in front of money priced from a rate AWS does not publish (docs/pricing.md)


def _missing(value: object) -> bool:
    """None, NaN, pandas' NA and NaT (checked without importing pandas)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pd.NA refuses to be a bool
        return True


def money(value: float | None, estimate: bool = False) -> str:
    """Dollars with the sign in front: "-$18.22", "$1,234.50" (Streamlit's deltas read the sign).

    `estimate`: priced from a rate AWS does not publish for the region, shown "≈$12.00", "≈-$3.10".
    A value that rounds to zero cents has no sign ("$0.00", never "-$0.00").
    """
    if _missing(value):
        return MISSING
    assert value is not None
    mark = ESTIMATE if estimate else ""
    cents = round(value, 2)
    return f"{mark}-${-cents:,.2f}" if cents < 0 else f"{mark}${abs(cents):,.2f}"


def signed_money(value: float | None, estimate: bool = False) -> str:
    """A change in dollars: "+$3.00", "-$18.22", "$0.00" ("≈+$3.00" for an estimate)."""
    if _missing(value):
        return MISSING
    assert value is not None
    shown = money(value, estimate)
    if round(value, 2) > 0:
        return f"{ESTIMATE}+{shown[1:]}" if estimate else f"+{shown}"
    return shown


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


def shortened(text: str, width: int = 60) -> str:
    """The first sentence of `text`, cut at a word to at most `width` characters with "…" if cut: a table
    cell's reason (the whole text is in JSON and `advisor explain`)."""
    first = text.strip().split(". ", 1)[0].split("\n", 1)[0].rstrip(".:;")
    if len(first) <= width:
        return first
    cut = first[: width - 1].rsplit(" ", 1)[0] if " " in first[: width - 1] else first[: width - 1]
    return cut.rstrip(",;:") + "…"
