"""What every AWS call site shares: the IAM actions it needs, errors a person can act on, NextToken paging.

Each public function that calls AWS wears `@aws_call("service:Action", ...)`. The decorator does two plain
things: it records the actions in `IAM_ACTIONS` (so `advisor iam-policy` is generated from the code, and a
test checks that no call site is missing one), and it turns botocore's `ClientError` into an `AwsCallError`
that names the action, so "AccessDenied" tells the user which permission to add. The policy itself is
advisor.apply.policy's: it imports every client module, so every call site is registered before it reads.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from advisor.errors import AdvisorError

if TYPE_CHECKING:
    from botocore.client import BaseClient

F = TypeVar("F", bound=Callable[..., Any])

IAM_ACTIONS: dict[str, tuple[str, ...]] = {}  # "module.function" -> the IAM actions it needs
WRITE_CALLS: set[str] = set()  # "module.function" of the call sites that change AWS (apply only)
REPORT_CALLS: set[str] = set()  # "module.function" of the report's delivery calls (S3, SES): opt-in

NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "NotFoundException", "NoSuchEntity"})
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
THROTTLED_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException"})


class AwsCallError(AdvisorError):
    """An AWS call failed after botocore's retries; names the IAM action and AWS's error code."""

    def __init__(self, actions: tuple[str, ...], code: str, message: str):
        self.actions, self.code, self.aws_message = actions, code, message
        super().__init__(f"{' / '.join(actions)} failed: {code}: {message}")


class ResourceNotFound(AwsCallError):
    """The service, configuration or log group is not there (deleted, or never created)."""


class AccessDenied(AwsCallError):
    """The credentials lack the IAM action; the message names it."""

    def __init__(self, actions: tuple[str, ...], code: str, message: str):
        super().__init__(actions, code, message)
        self.args = (f"{self.args[0]} (the policy needs: {', '.join(actions)})",)


class Throttled(AwsCallError):
    """Still throttled after every adaptive retry: the account's quota is saturated."""


def _translate(actions: tuple[str, ...], exc: ClientError) -> AwsCallError:
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "Unknown")), str(error.get("Message", exc))
    for codes, kind in ((NOT_FOUND_CODES, ResourceNotFound), (DENIED_CODES, AccessDenied)):
        if code in codes:
            return kind(actions, code, message)
    return (Throttled if code in THROTTLED_CODES else AwsCallError)(actions, code, message)


def aws_call(*actions: str, writes: bool = False, delivers: bool = False) -> Callable[[F], F]:
    """Declare the IAM actions a function's AWS calls need; translate its ClientErrors.

    `writes=True` marks a call that changes the account: its actions go only into the apply policy, so
    the default policy stays read-only. `delivers=True` marks the cost report's delivery (an S3 upload,
    an e-mail): only someone who schedules reports to S3 or SES needs those, so they get their own
    statement (`advisor.apply.policy.iam_policy(report=True)`), never the read or apply policy.
    """
    if not actions or not all(a.count(":") == 1 for a in actions):
        raise ValueError(f"IAM actions look like 'service:Action', got {actions!r}")

    def decorate(func: F) -> F:
        key = f"{func.__module__}.{func.__qualname__}"
        IAM_ACTIONS[key] = actions
        if writes:
            WRITE_CALLS.add(key)
        if delivers:
            REPORT_CALLS.add(key)
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    yield from func(*args, **kwargs)
                except ClientError as exc:
                    raise _translate(actions, exc) from exc
                except BotoCoreError as exc:  # no credentials, endpoint unreachable, timeout
                    raise AwsCallError(actions, type(exc).__name__, str(exc)) from exc

            gen_wrapper.iam_actions = actions  # type: ignore[attr-defined]
            return gen_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except ClientError as exc:
                raise _translate(actions, exc) from exc
            except BotoCoreError as exc:
                raise AwsCallError(actions, type(exc).__name__, str(exc)) from exc

        wrapper.iam_actions = actions  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def pages(
    client: BaseClient,
    operation: str,
    *,
    token_key: str = "NextToken",
    before_page: Callable[[], object] | None = None,
    **params: Any,
) -> Iterator[dict[str, Any]]:
    """Every page of a token-paged operation (App Runner has no botocore paginators; write the loop once).

    Stops when the token is absent, empty, or repeats (a server that echoes the token back would
    otherwise loop forever). `before_page` runs before each call: a rate limiter or a counter hooks in.
    """
    method = getattr(client, operation)
    token: str | None = None
    while True:
        if before_page is not None:
            before_page()
        page = method(**params, **({token_key: token} if token else {}))
        yield page
        next_token = page.get(token_key)
        if not next_token or next_token == token:
            return
        token = next_token


def paginate(
    client: BaseClient,
    operation: str,
    result_key: str,
    *,
    token_key: str = "NextToken",
    before_page: Callable[[], object] | None = None,
    **params: Any,
) -> Iterator[Any]:
    """Every item under `result_key` of every page: `paginate(c, "list_services", "ServiceSummaryList")`."""
    for page in pages(client, operation, token_key=token_key, before_page=before_page, **params):
        yield from page.get(result_key, [])
