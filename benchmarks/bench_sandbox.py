"""Sandbox start-up: the default fleet (8 services) with 14 days of history, ready to serve."""

from __future__ import annotations

import time

from advisor.sandbox.fleet import default_fleet
from advisor.sandbox.server import Sandbox


def main() -> None:
    began = time.perf_counter()
    sandbox = Sandbox(default_fleet(8), port=0, days=14, seed=7, live=False)
    counts = sandbox.start()
    elapsed = time.perf_counter() - began
    sandbox.stop()
    print(
        f"sandbox start-up: 8 services x 14 days in {elapsed:.1f} s (target < 30 s, the independent world): "
        f"{counts['datapoints']:,} datapoints, {counts['log_events']:,} log events"
    )


if __name__ == "__main__":
    main()
