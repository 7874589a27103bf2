"""Errors a person can act on: each names what was wrong and what to do instead."""

from __future__ import annotations


class AdvisorError(Exception):
    """Base of every error the advisor raises on purpose."""


class InputError(AdvisorError, ValueError):
    """Bad input from a user (a flag, a file, a value): the CLI exits 2 with this one-line message."""


class ConfigError(InputError):
    """A value outside what App Runner accepts, naming the field, the value and the allowed range."""

    def __init__(self, field: str, value: object, allowed: str):
        self.field, self.value, self.allowed = field, value, allowed
        super().__init__(f"{field}={value!r} is invalid: allowed {allowed}")


class TraceError(InputError):
    """A request trace that cannot be read or makes no sense."""


class LakeError(AdvisorError):
    """The lake cannot be used as asked (read-only, damaged beyond skipping): exit 1, saying what to do."""
