"""The house rules of DESIGN.md that keep the lake and the engine free of AWS."""

from __future__ import annotations

import ast
from pathlib import Path

ADVISOR = Path(__file__).resolve().parents[2] / "advisor"


def imports(package: str) -> dict[str, set[str]]:
    """file -> the modules it imports, for every file of an advisor sub-package (or top-level module)."""
    found = {}
    paths = (ADVISOR / package).rglob("*.py") if (ADVISOR / package).is_dir() else [ADVISOR / package]
    for path in paths:
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
        found[str(path.relative_to(ADVISOR))] = names
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> dict[str, set[str]]:
    return {
        path: bad
        for path, names in imports(package).items()
        if (bad := {n for n in names if n.split(".")[0] in forbidden or n in forbidden})
    }


def test_the_lake_never_imports_aws():
    assert offenders("lake", ("boto3", "botocore")) == {}


def test_the_engine_never_imports_aws_or_the_lake_writer():
    assert offenders("engine", ("boto3", "botocore", "advisor.lake.writer", "advisor.lake.state")) == {}


def test_settings_never_imports_aws():
    assert offenders("settings.py", ("boto3", "botocore")) == {}
