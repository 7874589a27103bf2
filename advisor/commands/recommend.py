"""`advisor recommend` and `advisor bench` (filled in by the recommender work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `advisor` app."""
