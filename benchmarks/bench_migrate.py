"""`advisor migrate-whatif --all` on the demo's sandbox lake (8 services, 8 days): the fleet table with
totals, wall time of the command as a user runs it (target: under 30 s, issue 15)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from advisor.demo_lake import build_sandbox_lake

TARGET_S = 30.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lake = build_sandbox_lake(Path(tmp) / "lake")
        args = [sys.executable, "-m", "advisor.cli", "migrate-whatif", "--all", "--lake", str(lake)]
        began = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True)
        took = time.perf_counter() - began
        if done.returncode != 0:
            raise SystemExit(f"migrate-whatif --all failed ({done.returncode}): {done.stderr}")
        total = next(line for line in done.stdout.splitlines() if line.lstrip().startswith("total ("))
        print(
            f"migrate-whatif --all, 8 services x 8 days: {took:.1f} s (target < {TARGET_S:g} s); "
            f"{total.strip()}"
        )


if __name__ == "__main__":
    main()
