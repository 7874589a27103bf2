"""Migration tests that collect from the sandbox use the collector tests' credentials and helpers."""

from tests.collect.conftest import _sandbox_credentials  # noqa: F401  (autouse: no real AWS reached)
