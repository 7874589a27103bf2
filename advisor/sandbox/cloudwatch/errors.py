"""CloudWatch's errors: the query-protocol code (`x-amzn-query-error`), the modeled `__type`, the status."""

from __future__ import annotations

from advisor.sandbox.wire import Wire, encode_body, response_headers

# botocore maps the `x-amzn-query-error` code to the modeled exception classes (awsQueryCompatible).
_SHAPES = {
    "InvalidParameterValue": "InvalidParameterValueException",
    "MissingParameter": "MissingRequiredParameterException",
    "InvalidParameterCombination": "InvalidParameterCombinationException",
    "InvalidNextToken": "InvalidNextToken",
    "InternalServiceError": "InternalServiceFault",
}


class CloudWatchError(Exception):
    """An API error as CloudWatch reports it: query-protocol code, message, HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def response(self, wire: Wire = "cbor") -> tuple[int, dict[str, str], bytes]:
        shape = _SHAPES.get(self.code, self.code)
        fault = "Receiver" if self.status >= 500 else "Sender"
        headers = response_headers(wire) | {"x-amzn-query-error": f"{self.code};{fault}"}
        body = {"__type": f"com.amazonaws.cloudwatch#{shape}", "message": self.message}
        if self.code == "InternalServiceError":
            body["Message"] = self.message
        return self.status, headers, encode_body(body, wire)


def invalid(message: str) -> CloudWatchError:
    return CloudWatchError("InvalidParameterValue", message)


def missing(name: str) -> CloudWatchError:
    return CloudWatchError("MissingParameter", f"The parameter {name} is required.")
