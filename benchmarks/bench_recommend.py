"""`recommend` for one service (issue 16 item 4): the sandbox fleet with 14 days of 1-minute metrics,
each service recommended in turn as `advisor recommend` does (lake read included), one process; the
median and the slowest over the fleet (target: median under 1 s on one core). Every thread of the
process is pinned to one core once the lake is built (Linux), so CPU seconds cannot exceed wall time, and
the numeric libraries' thread pools are held to one thread (threadpoolctl, scikit-learn's own dependency)."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from threadpoolctl import threadpool_limits

from advisor.demo_lake import build_sandbox_lake
from advisor.engine.recommender import RecommendSettings
from advisor.engine.simulate import forget_grid_bases
from advisor.recommend.pipeline import inventory, recommend_service

TARGET_S = 1.0
DAYS = 14


def _one_core() -> None:
    """Pin every thread of the process (numpy's and scikit-learn's pools included) to one core; threads
    started later inherit it. Linux only: elsewhere the figure is for all cores."""
    tasks = Path("/proc/self/task")
    if not hasattr(os, "sched_setaffinity") or not tasks.is_dir():
        return
    core = {min(os.sched_getaffinity(0))}
    for task in tasks.iterdir():
        os.sched_setaffinity(int(task.name), core)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lake = build_sandbox_lake(Path(tmp) / "lake", days=DAYS)
        # scikit-learn loads on the first capacity fit: once per process, not per service
        import sklearn.isotonic
        import sklearn.linear_model  # noqa: F401

        _one_core()
        threadpool_limits(1)  # one BLAS/OpenMP thread: pool threads spinning on that core would be timed
        now = datetime.now(UTC)
        rows = inventory(lake).to_dict("records")
        walls, cpus = [], []
        for row in rows:
            forget_grid_bases()  # nothing kept from building the lake or the service before
            wall, cpu = time.perf_counter(), time.process_time()
            outcome = recommend_service(lake, row, RecommendSettings(), now)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            if outcome.error:
                raise SystemExit(f"recommend failed for {row['service_name']}: {outcome.error}")
    print(
        f"recommend per service, {len(rows)} services x {DAYS} days: "
        f"CPU median {statistics.median(cpus):.2f} s, max {max(cpus):.2f} s "
        f"(target median < {TARGET_S:g} s on one core); "
        f"wall median {statistics.median(walls):.2f} s, max {max(walls):.2f} s"
    )


if __name__ == "__main__":
    main()
