"""The analysis notebooks: committed without outputs, shaped alike, and runnable top to bottom.

Each run builds its own sandbox lake (the notebooks' `LAKE = None` default) in a fresh kernel, exactly
as an analyst's first run does; `pytest --nbmake notebooks/` executes them the same way.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SECONDS_PER_NOTEBOOK = 240  # the CI limit; each notebook takes under 2 minutes on a 2-core machine

by_name = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_three_analysis_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01_fleet_overview.ipynb",
        "02_capacity_and_forecast.ipynb",
        "03_backtest_configs.ipynb",
    ]


@by_name
def test_a_committed_notebook_has_no_outputs_or_execution_counts(path):
    notebook = read(path)
    dirty = [i for i, cell in enumerate(code_cells(notebook)) if cell.outputs or cell.execution_count]
    assert not dirty, f"{path.name}: code cells {dirty} carry outputs; clear them before committing"


@by_name
def test_a_notebook_is_valid_nbformat(path):
    nbformat.validate(read(path))


@by_name
def test_a_notebook_opens_with_its_question(path):
    first = read(path).cells[0]
    assert first.cell_type == "markdown"
    assert "**The question:**" in first.source


@by_name
def test_the_first_code_cell_is_the_only_parameter_cell_and_defaults_to_a_sandbox_lake(path):
    cells = code_cells(read(path))
    tagged = [i for i, cell in enumerate(cells) if "parameters" in cell.metadata.get("tags", [])]
    assert tagged == [0]
    assert re.search(r"^LAKE = None\b", cells[0].source, re.MULTILINE)


@by_name
def test_a_notebook_ends_with_the_answer(path):
    notebook = read(path)
    assert notebook.cells[-2].cell_type == "markdown" and "answer" in notebook.cells[-2].source.lower()
    assert notebook.cells[-1].cell_type == "code"


def executed(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """The notebook run top to bottom in a fresh kernel, within SECONDS_PER_NOTEBOOK in all."""
    from nbclient import NotebookClient

    notebook = read(path)
    deadline = time.monotonic() + SECONDS_PER_NOTEBOOK
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        startup_timeout=60,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    started = time.monotonic()
    client.execute()
    return notebook, time.monotonic() - started


def answer_text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/markdown") or output.data.get("text/plain") or "")
    return "\n".join(parts)


@pytest.mark.slow
@by_name
def test_a_notebook_runs_top_to_bottom_and_answers_in_numbers(path):
    notebook, seconds = executed(path)
    assert seconds <= SECONDS_PER_NOTEBOOK
    answer = answer_text(notebook.cells[-1])
    assert re.search(r"\d", answer), f"{path.name}: the last cell printed no numbers: {answer!r}"


@pytest.mark.slow
def test_the_sandbox_lake_every_notebook_starts_from_is_collected_and_recommended(tmp_path, monkeypatch):
    import os

    from advisor.demo_lake import build_sandbox_lake
    from advisor.engine.recommender import RecommendSettings
    from advisor.lake import views as overview

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "mine")
    before = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    lake = build_sandbox_lake(
        tmp_path / "lake", services=2, days=1.5, settings=RecommendSettings(right_size=False)
    )
    fleet = overview.fleet(lake)
    assert sorted(fleet["service_name"]) == ["orders-api", "shop-web"]
    assert fleet["recommended"].notna().all()
    after = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    assert after == before  # the sandbox's endpoint and credentials do not leak out
