"""A rich progress bar on stderr while a collection runs (stdout stays clean for the summary)."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class RichProgress:
    """One bar of service stages; the description names the last thing finished."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self._bar = Progress(
            TextColumn("[bold]collect[/bold] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._task: TaskID | None = None
        self._lock = threading.Lock()

    def begin(self, services: int, stages: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task(f"{services} services", total=services * stages)

    def advance(self, service: str, stage: str) -> None:
        with self._lock:
            if self._task is not None:
                self._bar.update(self._task, advance=1, description=f"{service}: {stage} done")

    def waiting(self, what: str) -> None:
        with self._lock:
            if self._task is not None:
                self._bar.update(self._task, description=f"{what}…")

    def end(self) -> None:
        self._bar.stop()
