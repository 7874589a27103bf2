"""Where the lake's bytes live: a local folder, or an S3 prefix that Athena can read.

The lake's code is written against `pathlib.Path`: `root / "metrics"`, `is_dir()`, `glob()`, `open()`,
`replace()`. An S3 lake is the same code over `S3Path`, a `Path` whose I/O goes to
`pyarrow.fs.S3FileSystem` (the one filesystem for the lake's reads, writes and pyarrow datasets), so
there is one lake with two places to keep it, not two lakes. `S3Path` refuses `os.fspath`: a call that
would have touched the local disk (`open(path)`, `os.replace`, a pyarrow path string) fails loudly
instead of writing `./bucket/prefix/...` beside the user's shell.

What S3 does not have, the writer does without: there is no rename, but one PUT is atomic (an object
appears whole when its upload completes, and replaces the old one whole; a killed multipart upload
leaves no object), and there is no flock (see writer.partition_lock).

Credentials come from the standard AWS chain (environment, shared files, instance role), as boto3's
do; the endpoint from `--endpoint-url`, `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` (the sandbox).
"""

from __future__ import annotations

import fnmatch
import io
import os
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path, PosixPath
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.fs as pafs

from advisor.errors import InputError, LakeError

S3_SCHEME = "s3://"


def lake_location(text: str | os.PathLike[str]) -> Path:
    """A `--lake` value as a path: `s3://bucket/prefix` as an `S3Path`, anything else a local folder."""
    if isinstance(text, Path):
        return text
    value = str(text)
    if not value.startswith(S3_SCHEME):
        return Path(value).expanduser()
    parts = urlsplit(value)
    bucket, prefix = parts.netloc, parts.path.strip("/")
    if not bucket or parts.query or parts.fragment or "//" in prefix:
        raise InputError(f"--lake {value}: allowed s3://BUCKET/PREFIX (a bucket, an optional key prefix)")
    return S3Path(bucket, *prefix.split("/")) if prefix else S3Path(bucket)


def on_s3(path: Path) -> bool:
    return isinstance(path, S3Path)


def arrow_location(path: Path) -> tuple[pafs.FileSystem | None, str]:
    """(filesystem, path) for pyarrow: None and the local path, or the S3 filesystem and `bucket/key`."""
    return (s3_filesystem(), path.key) if isinstance(path, S3Path) else (None, str(path))


@dataclass(frozen=True)
class S3Stat:
    """What the lake reads of a stat: size and modification time (S3 has no inode; 0)."""

    st_size: int
    st_mtime_ns: int
    st_ino: int = 0

    @property
    def st_mtime(self) -> float:
        return self.st_mtime_ns / 1e9


class S3Path(PosixPath):
    """`bucket/key/...` on S3, with the `Path` methods the lake uses; derived paths stay S3Paths."""

    @property
    def key(self) -> str:
        """The path as pyarrow's S3 filesystem names it: `bucket/key`."""
        return "/".join(self.parts)

    @property
    def bucket(self) -> str:
        return self.parts[0]

    def __str__(self) -> str:
        return S3_SCHEME + self.key

    def __repr__(self) -> str:
        return f"S3Path({str(self)!r})"

    def __fspath__(self) -> str:
        raise TypeError(f"{self} is an S3 object, not a local file: use its Path methods")

    def as_posix(self) -> str:
        return str(self)

    def expanduser(self) -> S3Path:
        return self

    def resolve(self, strict: bool = False) -> S3Path:
        return self

    def absolute(self) -> S3Path:
        return self

    def _info(self) -> pafs.FileInfo:
        return s3_filesystem().get_file_info(self.key)

    def exists(self, *, follow_symlinks: bool = True) -> bool:
        return self._info().type != pafs.FileType.NotFound

    def is_file(self) -> bool:
        return self._info().type == pafs.FileType.File

    def is_dir(self) -> bool:
        if len(self.parts) == 1:
            return self.exists()  # a bucket
        return self._info().type == pafs.FileType.Directory

    def stat(self, *, follow_symlinks: bool = True) -> S3Stat:  # type: ignore[override]
        info = self._info()
        if info.type != pafs.FileType.File:
            raise FileNotFoundError(f"{self}: no such object")
        return S3Stat(info.size or 0, info.mtime_ns or 0)

    def open(self, mode: str = "r", buffering: int = -1, encoding: str | None = None, **_: Any) -> Any:  # type: ignore[override]
        """Reading streams the object; writing buffers it and PUTs it whole on close (atomic)."""
        binary = "b" in mode
        if mode.startswith("r"):
            try:
                raw: Any = s3_filesystem().open_input_file(self.key)
            except FileNotFoundError:
                raise
            except OSError as exc:
                if "does not exist" in str(exc) or "NoSuchKey" in str(exc):
                    raise FileNotFoundError(f"{self}: no such object") from None
                raise
            return raw if binary else io.TextIOWrapper(raw, encoding=encoding or "utf-8")
        if mode.startswith(("w", "x")):
            raw = s3_filesystem().open_output_stream(self.key)
            return raw if binary else io.TextIOWrapper(raw, encoding=encoding or "utf-8")
        raise ValueError(f"{self}: mode {mode!r} is not supported on S3 (read or write whole objects)")

    def read_bytes(self) -> bytes:
        with self.open("rb") as f:
            return bytes(f.read())

    def read_text(self, encoding: str | None = None, errors: str | None = None) -> str:
        return self.read_bytes().decode(encoding or "utf-8", errors or "strict")

    def write_bytes(self, data: bytes) -> int:  # type: ignore[override]
        with self.open("wb") as f:
            f.write(data)
        return len(data)

    def write_text(
        self, data: str, encoding: str | None = None, errors: str | None = None, newline: str | None = None
    ) -> int:
        return self.write_bytes(data.encode(encoding or "utf-8", errors or "strict"))

    def mkdir(self, mode: int = 0o777, parents: bool = False, exist_ok: bool = False) -> None:
        """S3 has no directories: a prefix exists once an object is under it. Checks the bucket (once)."""
        if self.bucket in _BUCKETS:
            return
        if S3Path(self.bucket).exists():
            _BUCKETS.add(self.bucket)
        else:
            raise LakeError(
                f"the lake's bucket {S3_SCHEME}{self.bucket} does not exist (or these credentials cannot "
                "see it): create it (aws s3 mb) or pass --lake an existing bucket"
            )

    def unlink(self, missing_ok: bool = False) -> None:
        try:
            s3_filesystem().delete_file(self.key)
        except FileNotFoundError:
            if not missing_ok:
                raise
        except OSError as exc:
            if not (missing_ok and "does not exist" in str(exc)):
                raise

    def rmdir(self) -> None:
        """Nothing to remove: an S3 prefix goes with its last object."""

    def replace(self, target: str | os.PathLike[str]) -> S3Path:
        """Server-side copy, then delete: S3 has no rename (used to quarantine, never to commit)."""
        destination = target if isinstance(target, S3Path) else S3Path(*Path(str(target)).parts)
        s3_filesystem().copy_file(self.key, destination.key)
        self.unlink(missing_ok=True)
        return destination

    def _files(self) -> list[pafs.FileInfo]:
        selector = pafs.FileSelector(self.key, recursive=True, allow_not_found=True)
        try:
            return s3_filesystem().get_file_info(selector)
        except OSError as exc:
            raise LakeError(f"cannot list the lake at {self}: {exc}") from None

    def iterdir(self) -> Generator[S3Path, None, None]:
        selector = pafs.FileSelector(self.key, recursive=False, allow_not_found=True)
        for info in s3_filesystem().get_file_info(selector):
            yield S3Path(*info.path.split("/"))

    def glob(self, pattern: str) -> Iterator[S3Path]:  # type: ignore[override]
        """Match `pattern`'s parts (`*`, `?`, no `**`) against the objects and prefixes below."""
        wanted = pattern.split("/")
        base = len(self.parts)
        for info in self._files():
            parts = info.path.split("/")[base:]
            if len(parts) == len(wanted) and all(map(fnmatch.fnmatchcase, parts, wanted)):
                yield S3Path(*info.path.split("/"))

    def rglob(self, pattern: str) -> Iterator[S3Path]:  # type: ignore[override]
        for info in self._files():
            if fnmatch.fnmatchcase(info.path.rpartition("/")[2], pattern):
                yield S3Path(*info.path.split("/"))


_BUCKETS: set[str] = set()  # buckets seen to exist: a partition write need not ask again
_S3: dict[str, pafs.S3FileSystem] = {}
_S3_GUARD = threading.Lock()
_ENDPOINT: list[str] = []  # set by `configure_s3` (the --endpoint-url of this run)


def configure_s3(endpoint_url: str | None) -> None:
    """Use this endpoint for S3 lakes in this process (`--endpoint-url`, the sandbox)."""
    with _S3_GUARD:
        _ENDPOINT[:] = [endpoint_url] if endpoint_url else []


def s3_filesystem() -> pafs.S3FileSystem:
    """The process's S3 filesystem for the configured endpoint, region and standard credentials."""
    endpoint = (
        next(iter(_ENDPOINT), None)
        or os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL")
    )
    with _S3_GUARD:
        if (endpoint or "") not in _S3:
            options: dict[str, Any] = {
                "region": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
                "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=5),
            }
            if endpoint:
                parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
                options.update(endpoint_override=parts.netloc, scheme=parts.scheme or "https")
            try:
                _S3[endpoint or ""] = pafs.S3FileSystem(**options)
            except (OSError, pa.ArrowException) as exc:
                raise LakeError(f"cannot open S3 for the lake ({exc}): check the AWS credentials") from None
        return _S3[endpoint or ""]
