"""One apply per service at a time: a second attempt is refused at once, never queued behind the first
(a queued apply would run on a plan the first one made stale).

Two layers: a thread lock (two dashboard clicks in one process) and an flock on a file in the lake's
hidden state directory (the CLI and the dashboard on one machine; for a lake on S3, in the machine's temp
folder). Between machines App Runner itself
arbitrates: UpdateService refuses while another operation runs, and `execute` cleans up after a refusal.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from advisor.domain import ServiceRef
from advisor.lake.layout import Lake
from advisor.lake.storage import on_s3

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: in-process locking only
    fcntl = None  # type: ignore[assignment]

_HELD: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


@contextlib.contextmanager
def service_lock(lake: Lake | str | Path, service_arn: str) -> Iterator[bool]:
    """Yields True when this caller holds the service's lock, False when someone else does."""
    with _GUARD:
        lock = _HELD.setdefault(service_arn, threading.Lock())
    if not lock.acquire(blocking=False):
        yield False
        return
    try:
        with _file_lock(Lake.of(lake), service_arn) as held:
            yield held
    finally:
        lock.release()


@contextlib.contextmanager
def _file_lock(lake: Lake, service_arn: str) -> Iterator[bool]:
    if fcntl is None:  # pragma: no cover
        yield True
        return
    directory = lake.state_dir / "apply-locks"
    if on_s3(directory):  # S3 has no lock to take: processes on this machine are kept apart here
        directory = Path(tempfile.gettempdir()) / "advisor-apply-locks" / quote(str(lake.root), safe="")
    directory.mkdir(parents=True, exist_ok=True)
    ref = ServiceRef.from_arn(service_arn)
    with open(directory / f"{ref.region}-{ref.service_id}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
