"""App Runner control-plane emulator for the sandbox endpoint (moto has no App Runner backend).

It speaks App Runner's JSON 1.0 protocol and answers as the real service would, judged by botocore's service
model (apprunner 2020-05-15): every request is checked against its input shape (required members, types,
lengths, ranges, enums, patterns) because botocore's client-side validation checks only minimums, and every
response is built to the output shapes. What the model does not say comes from the App Runner developer guide
(reference/apprunner.md §1 and §5): quotas, revisions, the account default, and operations that take time.

Time is read from an injected clock and every state is derived from it on read, so tests need no sleeping and
the emulator needs no background threads. One lock guards all state: the HTTP router is threaded.

Read in this order: `errors` (the modeled exceptions and their status), `validation` (requests against the
model's input shapes), `state` (revisions, services, operations per Region), `emulator` (one handler per
operation, and the seeding API). The wire format and NextToken paging are `advisor.sandbox.wire`'s.
"""

from advisor.sandbox.apprunner.emulator import AppRunnerEmulator
from advisor.sandbox.apprunner.errors import AppRunnerError, service_model
from advisor.sandbox.apprunner.quotas import ServiceQuotasEmulator
from advisor.sandbox.apprunner.state import Quotas

__all__ = ["AppRunnerEmulator", "AppRunnerError", "Quotas", "ServiceQuotasEmulator", "service_model"]
