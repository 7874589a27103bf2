"""App Runner's errors as the service returns them: the modeled exception name, a message, the status."""

from __future__ import annotations

import functools
from typing import Any

import botocore.session
from botocore.model import ServiceModel

INVALID_REQUEST = "InvalidRequestException"


NOT_FOUND = "ResourceNotFoundException"


INVALID_STATE = "InvalidStateException"


QUOTA_EXCEEDED = "ServiceQuotaExceededException"


INTERNAL_ERROR = "InternalServiceErrorException"


# Not in App Runner's model: the generic JSON-protocol errors AWS front ends return for a bad envelope.
SERIALIZATION = "SerializationException"


UNKNOWN_OPERATION = "UnknownOperationException"


@functools.cache
def service_data() -> dict[str, Any]:
    """botocore's App Runner model as it is stored: the shapes' raw members ('fault' included)."""
    data: dict[str, Any] = botocore.session.get_session().get_service_data("apprunner")
    return data


@functools.cache
def service_model() -> ServiceModel:
    """botocore's App Runner model: the contract the emulator answers to."""
    return ServiceModel(service_data(), service_name="apprunner")


class AppRunnerError(Exception):
    """An error as App Runner returns it: the modeled exception name, a message and the HTTP status."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message

    @property
    def status(self) -> int:
        return error_status(self.code)

    def body(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message}


@functools.cache
def error_status(code: str) -> int:
    """The HTTP status of an error, from the model. App Runner's error shapes carry no explicit status
    (ServiceQuotaExceededException included), so the JSON protocol's rule applies: 500 for a fault,
    else 400."""
    shape = service_data()["shapes"].get(code)
    if shape is None:  # not a modeled error (SerializationException, UnknownOperationException)
        return 400
    status = shape.get("error", {}).get("httpStatusCode")
    return int(status) if status else (500 if shape.get("fault", False) else 400)
