"""Streamlit entry point: `streamlit run app.py` (configured by ADVISOR_LAKE and the AWS environment)."""

from advisor.ui.main import run

run()
