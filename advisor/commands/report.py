"""`advisor report` and `advisor schedule` (thin: parse flags, call advisor.report, print where it went)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `advisor` app."""
