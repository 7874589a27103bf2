"""Static PNG charts for the Markdown report and the e-mail, drawn by kaleido in a headless Chromium.

kaleido starts a browser for every image unless its sync server runs: started once per process here (a
scheduler renders a report a week for months), the first image takes a few seconds and the next ones
a fraction of one. kaleido finds Debian's /usr/bin/chromium by itself; `BROWSER_PATH` points it at
another. Without kaleido or a browser the report still renders, without images, and says so.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

import plotly.graph_objects as go

WIDTH, HEIGHT_DEFAULT, SCALE = 900, 400, 2  # 900 px reads in a mail client; scale 2 stays sharp on HiDPI

_lock = threading.Lock()
_started = False


class ImagesUnavailable(RuntimeError):
    """No static renderer here (kaleido missing, or no Chromium for it to drive)."""


def _ensure_server() -> None:
    global _started
    if _started:
        return
    try:
        import kaleido
    except ImportError as exc:
        raise ImagesUnavailable("kaleido is not installed (pip install 'kaleido>=1.0')") from exc
    try:
        kaleido.start_sync_server(silence_warnings=True)
    except Exception as exc:  # kaleido raises its own types when it finds no browser
        raise ImagesUnavailable(f"kaleido could not start a browser: {exc}") from exc
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
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, figure in figures.items():
        path = directory / f"{name}.png"
        path.write_bytes(png(figure))
        written[name] = path
    return written
