"""The dashboard's entry: page setup and navigation (app.py only calls `run`)."""

from __future__ import annotations

import streamlit as st

from advisor.ui import data_page, fleet, move, service, state


def run() -> None:
    st.set_page_config(page_title="App Runner advisor", page_icon=":material/savings:", layout="wide")
    pages = {
        "fleet": st.Page(
            fleet.render, title="Fleet", icon=":material/dashboard:", url_path="fleet", default=True
        ),
        "service": st.Page(service.render, title="Service", icon=":material/monitoring:", url_path="service"),
        "move": st.Page(move.render_fleet, title="Move?", icon=":material/moving:", url_path="move"),
        "data": st.Page(data_page.render, title="Data", icon=":material/database:", url_path="data"),
    }
    st.session_state["pages"] = pages
    page = st.navigation(list(pages.values()))
    with st.sidebar:
        st.caption(f"Lake: `{state.lake_path()}`")
        st.caption(
            "Apply: enabled" if state.apply_allowed() else "Apply: read-only (ADVISOR_ALLOW_APPLY=1 enables)"
        )
    page.run()
