"""The wire: how the sandbox's own emulators read requests and write answers, once for both.

App Runner speaks awsJson1_0; CloudWatch speaks smithy-rpc-v2-cbor or awsJson1_0 (botocore picks JSON).
Both answer errors as `{"__type", "message"}` in the request's format, and both page with an opaque
NextToken that is a cursor (the last key sent, not an offset) bound to the request that made it: AWS
rejects a token replayed with other parameters, and resources created or deleted between pages are
never repeated or skipped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import cbor2
import numpy as np

Wire = Literal["json", "cbor"]
K = TypeVar("K", str, tuple[Any, ...])
V = TypeVar("V")


class WireError(ValueError):
    """A request body that is not a map in its format (each service names it SerializationException)."""


class BadToken(ValueError):
    """A NextToken the emulator did not write, or wrote for another request."""


def response_headers(wire: Wire) -> dict[str, str]:
    if wire == "json":
        return {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": str(uuid.uuid4())}
    return {
        "smithy-protocol": "rpc-v2-cbor",
        "Content-Type": "application/cbor",
        "x-amzn-RequestId": str(uuid.uuid4()),
    }


class Floats:
    """A float64 array to encode as a CBOR array of doubles in one numpy pass (100,800 values in ~1 ms)."""

    _DTYPE = np.dtype([("head", "u1"), ("value", ">f8")])

    def __init__(self, values: np.ndarray):
        self.values = np.asarray(values, dtype=np.float64)

    def encode(self) -> bytes:
        packed = np.empty(len(self.values), dtype=self._DTYPE)
        packed["head"], packed["value"] = 0xFB, self.values
        return _head(4, len(self.values)) + packed.tobytes()


class Timestamps:
    """Whole epoch seconds to encode as a CBOR array of tag-1 timestamps for botocore."""

    _DTYPE = np.dtype([("tag", "u1"), ("head", "u1"), ("value", ">u4")])

    def __init__(self, seconds: np.ndarray):
        self.seconds = np.asarray(seconds, dtype=np.int64)

    def encode(self) -> bytes:
        if len(self.seconds) and (self.seconds.min() < 0 or self.seconds.max() >= 2**32):
            return _head(4, len(self.seconds)) + b"".join(encode_cbor(Epoch(int(s))) for s in self.seconds)
        packed = np.empty(len(self.seconds), dtype=self._DTYPE)
        packed["tag"], packed["head"], packed["value"] = 0xC1, 0x1A, self.seconds
        return _head(4, len(self.seconds)) + packed.tobytes()


@dataclass(frozen=True)
class Epoch:
    """One timestamp (epoch seconds), encoded as CBOR tag 1 as smithy-rpc-v2-cbor requires."""

    seconds: float


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError(f"CBOR length too large: {n}")


def encode_cbor(obj: Any) -> bytes:
    """Encode a response; numpy-backed arrays go through in bulk, so large answers cost no Python loop."""
    out = bytearray()
    _encode_into(obj, out)
    return bytes(out)


def _encode_into(obj: Any, out: bytearray) -> None:
    if isinstance(obj, dict):
        items = [(k, v) for k, v in obj.items() if v is not None]
        out += _head(5, len(items))
        for key, value in items:
            _encode_into(key, out)
            _encode_into(value, out)
    elif isinstance(obj, str):
        raw = obj.encode()
        out += _head(3, len(raw)) + raw
    elif isinstance(obj, bool):
        out.append(0xF5 if obj else 0xF4)
    elif isinstance(obj, int):
        out += _head(0, obj) if obj >= 0 else _head(1, -1 - obj)
    elif isinstance(obj, float):
        out += b"\xfb" + struct.pack(">d", obj)
    elif isinstance(obj, list | tuple):
        out += _head(4, len(obj))
        for item in obj:
            _encode_into(item, out)
    elif isinstance(obj, Floats | Timestamps):
        out += obj.encode()
    elif isinstance(obj, Epoch):
        out.append(0xC1)
        _encode_into(int(obj.seconds) if float(obj.seconds).is_integer() else float(obj.seconds), out)
    elif obj is None:
        out.append(0xF6)
    else:
        raise TypeError(f"cannot encode {type(obj).__name__} as CBOR")


def wire_format(body: bytes) -> Wire:
    """'json' or 'cbor': a JSON request is an object; a CBOR request map never starts with '{' (0x7b)."""
    return "json" if body.lstrip()[:1] == b"{" else "cbor"


def decode_request(body: bytes, wire: Wire) -> dict[str, Any]:
    """The request's parameters; an empty body is none (boto3 sends '{}' at least, over JSON)."""
    if not body:
        return {}
    try:
        request = json.loads(body) if wire == "json" else cbor2.loads(body)
    except Exception as exc:
        raise WireError(f"The request body is not valid {wire}: {exc}") from exc
    if not isinstance(request, dict):
        raise WireError(f"The request body must be a {wire} map.")
    return request


def encode_body(response: dict[str, Any], wire: Wire) -> bytes:
    return _encode_json(response) if wire == "json" else encode_cbor(response)


def _encode_json(response: dict[str, Any]) -> bytes:
    """awsJson1_0: timestamps as epoch-second numbers, arrays through numpy's `tolist`."""

    def plain(obj: Any) -> Any:
        if isinstance(obj, Floats):
            return obj.values.tolist()
        if isinstance(obj, Timestamps):
            return obj.seconds.tolist()
        if isinstance(obj, Epoch):
            return obj.seconds
        raise TypeError(f"cannot encode {type(obj).__name__} as JSON")

    return json.dumps(drop_none(response), default=plain, separators=(",", ":")).encode()


def drop_none(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: drop_none(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [drop_none(v) for v in obj]
    return obj


# ---------------------------------------------------------------------------------------------- paging


def fingerprint(*parts: Any) -> str:
    """What a NextToken is bound to: the operation and every parameter but the paging ones (AWS: 'all
    other parameter values must be identical to the ones specified in the initial request')."""
    text = json.dumps(list(parts), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_token(cursor: Any, bound_to: str = "") -> str:
    raw = json.dumps({"c": cursor, "f": bound_to}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_token(token: str, bound_to: str = "") -> Any:
    """The cursor a token carries; BadToken if it is not one of ours or belongs to another request."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["f"] == bound_to:
            return data["c"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError):
        pass
    raise BadToken("the token is not valid for this request")


def page_after(items: Iterable[tuple[K, V]], after: K | None, limit: int | None) -> tuple[list[V], K | None]:
    """One page of (sort key, item) pairs past the cursor key, and the key to resume after (None: the
    last page)."""
    ordered = sorted(items, key=lambda pair: pair[0])
    if after is not None:
        ordered = [pair for pair in ordered if pair[0] > after]
    size = limit or len(ordered)
    page = ordered[:size]
    last = page[-1][0] if len(ordered) > size and page else None
    return [item for _, item in page], last
