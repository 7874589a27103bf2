"""The Streamlit dashboard: pages and components only; data comes from advisor.lake.views and the engine."""
