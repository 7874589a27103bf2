"""What every AWS call site shares: the IAM actions it needs, errors a person can act on, NextToken paging.

Each public function that calls AWS wears `@aws_call("service:Action", ...)`. The decorator does two plain
things: it records the actions in `IAM_ACTIONS` (so `advisor iam-policy` is generated from the code, and a
test checks that no call site is missing one), and it turns botocore's `ClientError` into an `AwsCallError`
that names the action, so "AccessDenied" tells the user which permission to add.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from advisor.errors import AdvisorError

F = TypeVar("F", bound=Callable[..., Any])

IAM_ACTIONS: dict[str, tuple[str, ...]] = {}  # "module.function" -> the IAM actions it needs

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


def aws_call(*actions: str) -> Callable[[F], F]:
    """Declare the IAM actions a function's AWS calls need; translate its ClientErrors."""
    if not actions or not all(a.count(":") == 1 for a in actions):
        raise ValueError(f"IAM actions look like 'service:Action', got {actions!r}")

    def decorate(func: F) -> F:
        IAM_ACTIONS[f"{func.__module__}.{func.__qualname__}"] = actions
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
                try:
                    yield from func(*args, **kwargs)
                except ClientError as exc:
                    raise _translate(actions, exc) from exc

            gen_wrapper.iam_actions = actions  # type: ignore[attr-defined]
            return gen_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except ClientError as exc:
                raise _translate(actions, exc) from exc

        wrapper.iam_actions = actions  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def pages(
    client: Any,
    operation: str,
    *,
    token_key: str = "NextToken",
    before_page: Callable[[], None] | None = None,
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
    client: Any,
    operation: str,
    result_key: str,
    *,
    token_key: str = "NextToken",
    before_page: Callable[[], None] | None = None,
    **params: Any,
) -> Iterator[Any]:
    """Every item under `result_key` of every page: `paginate(c, "list_services", "ServiceSummaryList")`."""
    for page in pages(client, operation, token_key=token_key, before_page=before_page, **params):
        yield from page.get(result_key, [])


def required_actions() -> list[str]:
    """Every IAM action some call site declared, sorted: the read side of the least-privilege policy."""
    import advisor.aws.apprunner
    import advisor.aws.cloudwatch
    import advisor.aws.logs
    import advisor.aws.session  # noqa: F401  (importing registers their call sites)

    return sorted({a for actions in IAM_ACTIONS.values() for a in actions})


def iam_policy(actions: list[str] | None = None) -> dict[str, Any]:
    """A least-privilege IAM policy document for the given (default: all declared) actions."""
    wanted = sorted(actions if actions is not None else required_actions())
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "AppRunnerAdvisor", "Effect": "Allow", "Action": wanted, "Resource": "*"}],
    }
