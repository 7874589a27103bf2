"""First paint of the dashboard's fleet page for a fleet of 100 services (target: under 2 s).

Builds a lake of 100 services by copying a real recommendation (evidence and all) from a small sandbox
lake, then times the fleet page's script run in Streamlit's headless test runner, cold (empty cache).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd

from advisor.demo_lake import build_sandbox_lake
from advisor.lake.reader import read_table
from advisor.lake.writer import write

SERVICES = 100


def fleet_page():
    from advisor.ui import fleet

    fleet.render()


def copy_fleet(source: Path, target: Path, count: int) -> None:
    services = read_table(source, "services").drop(columns=["snapshot_date"])
    recs = read_table(source, "recommendations").drop(columns=["date"])
    recs = recs[recs["recommended_max_concurrency"].notna()]
    rows_s, rows_r = [], []
    for i in range(count):
        s = services.iloc[i % len(services)].copy()
        r = recs[recs["service_arn"] == s["service_arn"]]
        r = (r if len(r) else recs).iloc[0].copy()
        sid = uuid.UUID(int=i).hex
        arn = f"arn:aws:apprunner:{s['region']}:123456789012:service/{s['service_name']}-{i}/{sid}"
        s["service_arn"], s["service_id"], s["service_name"] = arn, sid, f"{s['service_name']}-{i}"
        r["service_arn"], r["service_name"] = arn, s["service_name"]
        rows_s.append(s)
        rows_r.append(r)
    write(target, "services", pd.DataFrame(rows_s))
    write(target, "recommendations", pd.DataFrame(rows_r))


def main() -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp) / "small", Path(tmp) / "big"
        build_sandbox_lake(small, services=8, days=2)
        copy_fleet(small, big, SERVICES)
        os.environ["ADVISOR_LAKE"] = str(big)
        AppTest.from_function(fleet_page, default_timeout=120).run()  # imports warm, cache per process
        times = []
        for _ in range(3):
            st.cache_data.clear()  # cold: the lake is read and joined again
            at = AppTest.from_function(fleet_page, default_timeout=120)
            began = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - began)
            assert not at.exception and at.metric[0].value == str(SERVICES)
        print(
            f"dashboard fleet page, {SERVICES} services: first paint {min(times):.2f} s best, "
            f"{max(times):.2f} s worst of {len(times)} cold runs (target < 2 s)"
        )


if __name__ == "__main__":
    main()
