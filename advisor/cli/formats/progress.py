"""A progress bar over services on stderr, so that stdout (a table, JSON or CSV) stays clean.

Drawn only where stderr is a terminal (rich draws nothing live into a pipe or a file), and gone when
the work is done (transient): what remains on the screen is the command's output.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class ServiceBar:
    """`with ServiceBar("recommend") as bar: work(progress=bar.advance)`: one step per service."""

    def __init__(self, verb: str, enabled: bool = True, console: Console | None = None):
        console = console or Console(stderr=True)
        self.enabled = enabled and console.is_terminal
        self._bar = Progress(
            TextColumn(f"[bold]{verb}[/bold] {{task.description}}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> ServiceBar:
        if self.enabled:
            self._bar.start()
        return self

    def advance(self, service: str, done: int, total: int) -> None:
        """One service done of `total` (the pipeline's Progress callback)."""
        if not self.enabled:
            return
        if self._task is None:
            self._task = self._bar.add_task("", total=total)
        self._bar.update(self._task, completed=done, total=total, description=f"{service} done", refresh=True)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.enabled:
            self._bar.stop()
