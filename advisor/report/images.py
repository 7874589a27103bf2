"""Static PNG charts for the Markdown report and the e-mail, drawn by kaleido in a headless Chromium.

kaleido starts a browser for every image unless its sync server runs: started once per process here (a
scheduler renders a report a week for months), the first image takes a few seconds and the next ones
a fraction of one. kaleido finds Debian's /usr/bin/chromium by itself; `BROWSER_PATH` points it at
another. Without kaleido or a browser the report still renders, without images, and says so.

The browser is looked up before kaleido starts: kaleido 1.x raises ChromeNotFoundError in its server
thread and leaves the caller waiting forever (seen with `BROWSER_PATH=/nonexistent`), so a missing
browser must be found out here, and a start that hangs for another reason is given up after a while.
"""

from __future__ import annotations

import atexit
import os
import shutil
import threading
from pathlib import Path

import plotly.graph_objects as go

WIDTH, HEIGHT_DEFAULT, SCALE = 900, 400, 2  # 900 px reads in a mail client; scale 2 stays sharp on HiDPI

START_TIMEOUT_S = 60.0  # a cold Chromium starts in a few seconds here
INSTALL_HINT = "install Chromium (Debian: apt-get install chromium) or set BROWSER_PATH to a Chrome/Chromium"

_lock = threading.Lock()
_started = False


class ImagesUnavailable(RuntimeError):
    """No static renderer here (kaleido missing, or no Chromium for it to drive)."""


def browser() -> str:
    """The Chrome/Chromium kaleido will drive: BROWSER_PATH when set, else the first one found."""
    configured = os.environ.get("BROWSER_PATH")
    if configured is not None:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise ImagesUnavailable(f"BROWSER_PATH={configured!r} is not an executable browser; {INSTALL_HINT}")
    try:
        from choreographer.browsers.chromium import Chromium
    except ImportError:  # kaleido without choreographer cannot draw anyway
        found = None
    else:
        found = Chromium.find_browser(skip_local=False)
    found = found or next(
        (p for name in ("chromium", "chromium-browser", "google-chrome") if (p := shutil.which(name))), None
    )
    if not found:
        raise ImagesUnavailable(f"no Chrome or Chromium found; {INSTALL_HINT}")
    return found


def _ensure_server() -> None:
    global _started
    if _started:
        return
    try:
        import kaleido
    except ImportError as exc:
        raise ImagesUnavailable("kaleido is not installed (pip install 'kaleido>=1.0')") from exc
    browser()
    failure: list[BaseException] = []

    def start() -> None:
        try:
            kaleido.start_sync_server(silence_warnings=True)
        except BaseException as exc:  # kaleido raises its own types when it finds no browser
            failure.append(exc)

    starter = threading.Thread(target=start, name="kaleido-start", daemon=True)
    starter.start()
    starter.join(START_TIMEOUT_S)
    if starter.is_alive():
        raise ImagesUnavailable(f"kaleido did not start a browser within {START_TIMEOUT_S:.0f} s")
    if failure:
        raise ImagesUnavailable(f"kaleido could not start a browser: {failure[0]}") from failure[0]
    atexit.register(stop)
    _started = True


def stop() -> None:
    """Close the browser kaleido keeps (at exit, or by a test that wants a clean process)."""
    global _started
    with _lock:
        if _started:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
            _started = False


def png(figure: go.Figure, width: int = WIDTH) -> bytes:
    """The figure as PNG bytes, at its own height (its layout's) and `width`."""
    height = int(figure.layout.height or HEIGHT_DEFAULT)
    with _lock:
        _ensure_server()
        import kaleido

        try:
            return kaleido.calc_fig_sync(
                figure, opts={"format": "png", "width": width, "height": height, "scale": SCALE}
            )
        except Exception as exc:
            raise ImagesUnavailable(f"kaleido failed to draw a chart: {exc}") from exc


def write_pngs(figures: dict[str, go.Figure], directory: Path) -> dict[str, Path]:
    """Each figure to `directory/<name>.png`; returns name -> file."""
    written = {}
    for name, figure in figures.items():
        image = png(figure)  # before any folder is made: no empty charts/ when there is no browser
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.png"
        path.write_bytes(image)
        written[name] = path
    return written
