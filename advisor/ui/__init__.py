"""The Streamlit dashboard: pages and components only; data comes from advisor.overview and the engine."""
