"""Tips' files and notices' photos in S3-compatible object storage (MinIO, a cloud's), for a
service on several machines: the same store as the local folder (storage/blobs.py, the
`Blobs` protocol), keyed the same way under an optional prefix:

    <prefix><sha256[:2]>/<sha256>     a stored file
    <prefix>received/<random>         a tip's file held as it came until the tip is sent

Calls are blocking (boto3): the async callers run them in a thread, as for the folder. Path-
style addresses (http://minio:9000/bucket/key), one retry and short time-outs.

Every read is checked: a stored file's bytes must hash to its name, a held file's to the
SHA-256 recorded in its metadata when it came; anything else is refused (BlobCorrupted, a
FileNotFoundError: callers treat it as gone) and logged, never served. Nothing is public: no
presigned address is made, the panel reads the bytes and sends them itself.

Renewal: a put of a file already stored uploads it again, which gives it a new
LastModified (retention deletes a file no row names only when that is older than the chat
period, storage/retention.py); it also repairs a damaged copy. Retention deletes a file after
reading its LastModified once more just before the delete; unlike the folder's rename, S3
has no atomic "delete if not renewed", so a put landing within that one round trip can still
lose to the delete (the same bytes sent again by a resident at that millisecond).

The bucket is never created here: `check` (at start-up) says, for an operator, when it is
missing, unreachable or refused, or when a small file cannot be written, read back and
deleted under the prefix (read-only credentials, a prefix the policy refuses).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from storage.blobs import (
    PREFIX_NAME,
    RECEIVED_DIR,
    RECEIVED_REF,
    BlobCorrupted,
    BlobStoreUnavailable,
    Listed,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger("binhyen.blobs")
SHA256 = "sha256"  # the metadata entry of a file's digest
NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
DELETE_BATCH = 1000  # DeleteObjects' limit
CONNECT_TIMEOUT, READ_TIMEOUT, ATTEMPTS = 3, 8, 2
CHECK_DIR = "check"  # the start-up probe: written, read back and deleted (never a prefix folder)
CHECK_BYTES = b"binhyen start-up check"


def client_config() -> Config:
    return Config(
        s3={"addressing_style": "path"},
        # A store that hangs must not hold a tip back: at most two attempts in all (the
        # first and one retry) of 3 s to connect and 8 s to answer each.
        retries={"total_max_attempts": ATTEMPTS, "mode": "standard"},
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_pool_connections=32,  # the threads of asyncio.to_thread
        # Only the checksums S3 requires: not every S3-compatible server takes the newer
        # ones; each read is checked against the file's SHA-256 anyway.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


def shown_endpoint(endpoint_url: str) -> str:
    """The endpoint for an operator: scheme, host and port only (never a user or password)."""
    if not endpoint_url:
        return "the provider's default endpoint"
    parts = urlsplit(endpoint_url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3BlobStore:
    def __init__(
        self, client: S3Client, bucket: str, prefix: str = "", endpoint_url: str = ""
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url

    @classmethod
    def connect(
        cls,
        *,
        bucket: str,
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
        prefix: str = "",
    ) -> S3BlobStore:
        """A store on its own boto3 session (no credentials given: boto3's usual chain, an
        instance role for example)."""
        client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None,
            config=client_config(),
        )
        return cls(client, bucket, prefix, endpoint_url)

    # -- keys ----------------------------------------------------------------------------------

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{sha256[:2]}/{sha256}"

    def received_key(self, ref: str) -> str | None:
        found = RECEIVED_REF.fullmatch(ref)
        return None if found is None else f"{self.prefix}{RECEIVED_DIR}/{found.group(1)}"

    def _unavailable(self, exc: Exception) -> BlobStoreUnavailable:
        what = _code(exc) if isinstance(exc, ClientError) else type(exc).__name__
        return BlobStoreUnavailable(
            f"object storage: bucket {self.bucket} at {shown_endpoint(self.endpoint_url)}: {what}"
        )

    def _call(self, method: str, **kwargs: Any) -> Any:
        """One S3 call: FileNotFoundError for a missing key, BlobStoreUnavailable for the
        rest of what can go wrong."""
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            if _code(exc) in NOT_FOUND:
                raise FileNotFoundError(kwargs.get("Key", "")) from None
            raise self._unavailable(exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable(exc) from exc

    def _write(self, key: str, data: bytes, digest: str) -> None:
        self._call(
            "put_object",
            Key=key,
            Body=data,
            ContentType="application/octet-stream",
            Metadata={SHA256: digest},
        )

    def _read(self, key: str) -> tuple[bytes, dict[str, str]]:
        found = self._call("get_object", Key=key)
        try:
            return found["Body"].read(), found.get("Metadata", {})
        except BotoCoreError as exc:  # the connection dropped mid-body
            raise self._unavailable(exc) from exc

    # -- stored files --------------------------------------------------------------------------

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self._write(self.key(digest), data, digest)  # stored before: renewed (and whole again)
        return digest

    def get(self, sha256: str) -> bytes:
        data, _ = self._read(self.key(sha256))
        if hashlib.sha256(data).hexdigest() != sha256:
            log.error("a stored file does not match its SHA-256: refused (%s)", sha256[:12])
            raise BlobCorrupted(sha256)
        return data

    def has(self, sha256: str) -> bool:
        if len(sha256) != 64:
            return False
        try:
            self._call("head_object", Key=self.key(sha256))
        except FileNotFoundError:
            return False
        return True

    # -- held files ----------------------------------------------------------------------------

    def receive(self, data: bytes) -> str:
        token = secrets.token_hex(16)
        self._write(f"{self.prefix}{RECEIVED_DIR}/{token}", data, hashlib.sha256(data).hexdigest())
        return f"received:{token}"

    def received(self, ref: str) -> bytes | None:
        key = self.received_key(ref)
        if key is None:
            return None
        try:
            data, metadata = self._read(key)
        except FileNotFoundError:
            return None
        if metadata.get(SHA256) != hashlib.sha256(data).hexdigest():
            log.error("a held file does not match the SHA-256 it came with: refused")
            return None
        return data

    def forget(self, ref: str) -> None:
        key = self.received_key(ref)
        if key is not None:
            self._call("delete_object", Key=key)

    def sweep_received(
        self, max_age_seconds: float, now: float | None = None, *, dry_run: bool = False
    ) -> int:
        cutoff = (time.time() if now is None else now) - max_age_seconds
        old = [
            o["Key"]
            for o in self._objects(f"{self.prefix}{RECEIVED_DIR}/")
            if o["LastModified"].timestamp() < cutoff
        ]
        if not dry_run:
            self._delete_keys(old)
        return len(old)

    def _delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": k} for k in keys[start : start + DELETE_BATCH]]
            done = self._call("delete_objects", Delete={"Objects": batch, "Quiet": True})
            if done.get("Errors"):
                raise BlobStoreUnavailable(f"object storage: {len(done['Errors'])} not deleted")

    def _objects(self, prefix: str, **kwargs: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in self._pages(prefix, **kwargs):
            found.extend(page.get("Contents", []))
        return found

    def _pages(self, prefix: str, **kwargs: Any) -> list[dict[str, Any]]:
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            pages = paginator.paginate(Bucket=self.bucket, Prefix=prefix, **kwargs)
            return [dict(page) for page in pages]
        except (ClientError, BotoCoreError) as exc:
            raise self._unavailable(exc) from exc

    # -- retention (storage/retention.py) ------------------------------------------------------

    def prefixes(self) -> list[str]:
        names = {
            p["Prefix"].removeprefix(self.prefix).rstrip("/")
            for page in self._pages(self.prefix, Delimiter="/")
            for p in page.get("CommonPrefixes", [])
        }
        return sorted(n for n in names if PREFIX_NAME.fullmatch(n))

    def listing(self, prefix: str) -> list[Listed]:
        folder = f"{self.prefix}{prefix}/"
        found = []
        for o in self._objects(folder):
            name = o["Key"].removeprefix(folder)
            if "/" not in name:
                found.append(Listed(name, o["LastModified"].timestamp()))
        return found

    def delete_if_older(self, prefix: str, name: str, limit: float) -> bool:
        key = f"{self.prefix}{prefix}/{name}"
        if self._call("head_object", Key=key)["LastModified"].timestamp() >= limit:
            return False  # renewed by a put since it was listed
        self._call("delete_object", Key=key)
        return True

    def holds_files(self) -> bool:
        for prefix in self.prefixes():
            page = self._call("list_objects_v2", Prefix=f"{self.prefix}{prefix}/", MaxKeys=1)
            if page.get("Contents"):
                return True
        return False

    def check(self) -> None:
        where = f"bucket {self.bucket!r} at {shown_endpoint(self.endpoint_url)}"
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            code = _code(exc)
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise BlobStoreUnavailable(
                    f"BINHYEN_S3_BUCKET: the {where} does not exist: create it first "
                    "(the service never creates it)."
                ) from None
            if code in ("403", "AccessDenied", "Forbidden"):
                raise BlobStoreUnavailable(
                    f"BINHYEN_S3_BUCKET: access to the {where} was refused: check "
                    "BINHYEN_S3_ACCESS_KEY_ID and BINHYEN_S3_SECRET_ACCESS_KEY."
                ) from None
            raise BlobStoreUnavailable(f"BINHYEN_S3_BUCKET: the {where} answered {code}.") from None
        except BotoCoreError as exc:
            raise BlobStoreUnavailable(
                f"BINHYEN_S3_ENDPOINT_URL: cannot reach the {where} ({type(exc).__name__})."
            ) from None
        self._probe(where)

    def _probe(self, where: str) -> None:
        """A small file written, read back and deleted under the prefix: credentials that
        only read, or a prefix the policy refuses, stop the start-up rather than a tip."""
        key = f"{self.prefix}{CHECK_DIR}/{secrets.token_hex(8)}"
        under = f"under {self.prefix!r}" if self.prefix else "at the top of the bucket"
        step = "write"
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=CHECK_BYTES)
            step = "read back"
            read = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            step = "delete"
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            raise BlobStoreUnavailable(
                f"BINHYEN_S3_BUCKET: the {where} refused to {step} a file {under} "
                f"({_code(exc)}): the service writes, reads and deletes files there; check "
                "the access key's permissions and BINHYEN_S3_PREFIX."
            ) from None
        except BotoCoreError as exc:
            raise BlobStoreUnavailable(
                f"BINHYEN_S3_ENDPOINT_URL: cannot reach the {where} ({type(exc).__name__})."
            ) from None
        if read != CHECK_BYTES:
            raise BlobStoreUnavailable(
                f"BINHYEN_S3_BUCKET: the {where} gave back other bytes than a file written "
                f"{under}: it cannot keep files."
            )

    def describe(self) -> str:
        shown = f"bucket {self.bucket} at {shown_endpoint(self.endpoint_url)}"
        return f"{shown}, under {self.prefix}" if self.prefix else shown
