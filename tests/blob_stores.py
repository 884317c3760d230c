"""Both file stores for the contract tests: the local folder (storage/blobs.py) and object
storage (storage/blobs_s3.py) on a real S3-compatible HTTP server on loopback (moto's, one a
test session, a fresh bucket per test). Helpers that age a file, or write one as a crash or
another program would, on either store."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from storage.blobs import RECEIVED_DIR, Blobs, BlobStore
from storage.blobs_s3 import S3BlobStore, client_config

KEY_ID, SECRET = "binhyen-test-key", "binhyen-test-secret"  # moto takes any
REGION = "us-east-1"
STORES = ["local", "s3"]


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Silent:
    """A server on loopback that accepts every connection and never answers (a store that
    hangs): how many connections it took, one for each attempt of a request."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.listener.settimeout(0.05)
        self.accepted: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted.append(conn)  # kept open, never read, never answered

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self.listener.close()
        for conn in self.accepted:
            conn.close()

    def __enter__(self) -> Silent:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def attempts(self, at_least: int) -> int:
        """How many connections it took, once `at_least` came (or a few seconds passed):
        the client may give up before this thread took the last one from the backlog."""
        for _ in range(100):
            if len(self.accepted) >= at_least:
                break
            self.stopping.wait(0.05)
        return len(self.accepted)


def hanging_store(server: Silent, bucket: str = "binhyen-files") -> S3BlobStore:
    """Object storage that hangs, with the service's retries and time-outs shortened (the
    test counts attempts, it does not wait the 8 s)."""
    from botocore.config import Config

    client = boto3.session.Session().client(
        "s3",
        endpoint_url=server.endpoint,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        config=client_config().merge(Config(connect_timeout=1, read_timeout=0.3)),
    )
    return S3BlobStore(client, bucket, "", server.endpoint)  # type: ignore[arg-type]


def s3_client(endpoint: str) -> object:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        config=client_config(),
    )


def new_bucket(endpoint: str) -> str:
    name = f"binhyen-{uuid.uuid4().hex[:20]}"
    s3_client(endpoint).create_bucket(Bucket=name)  # type: ignore[attr-defined]
    return name


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A fresh, empty bucket for this test."""
    return new_bucket(s3_endpoint)


def s3_store(endpoint: str, bucket: str, prefix: str = "") -> S3BlobStore:
    return S3BlobStore.connect(
        bucket=bucket,
        endpoint_url=endpoint,
        region=REGION,
        access_key_id=KEY_ID,
        secret_access_key=SECRET,
        prefix=prefix,
    )


def make_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Blobs:
    if kind == "local":
        return BlobStore(tmp_path / "media")
    endpoint = str(request.getfixturevalue("s3_endpoint"))
    return s3_store(endpoint, new_bucket(endpoint), prefix="tips/")


@pytest.fixture(params=STORES)
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Blobs:
    """Each contract test once on the local folder, once on object storage."""
    return make_store(str(request.param), request, tmp_path)


# -- files as the tests make them --------------------------------------------------------------


def _moto_key(store: S3BlobStore, key: str) -> object:
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets[store.bucket].keys[key]


def age(store: Blobs, name: str, when: datetime) -> None:
    """Make a file (a path under the store's root: "ab/<sha>", "received/<token>") look last
    written at `when`: utime on disk; on the server, its object's time (S3 has no call that
    sets it)."""
    if isinstance(store, BlobStore):
        os.utime(store.root / name, (when.timestamp(), when.timestamp()))
        return
    assert isinstance(store, S3BlobStore)
    key = _moto_key(store, store.prefix + name)
    key.last_modified = when.astimezone(UTC).replace(tzinfo=None)  # type: ignore[attr-defined]


def blob_name(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


def held_name(ref: str) -> str:
    return f"{RECEIVED_DIR}/{ref.removeprefix('received:')}"


def write_raw(store: Blobs, name: str, data: bytes) -> None:
    """A file the store did not write through put (a crash's temporary file, a stranger's, a
    damaged copy)."""
    if isinstance(store, BlobStore):
        path = store.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert isinstance(store, S3BlobStore)
    store.client.put_object(Bucket=store.bucket, Key=store.prefix + name, Body=data)


def read_raw(store: Blobs, name: str) -> bytes:
    """A file's bytes as they are in the store, unchecked."""
    if isinstance(store, BlobStore):
        return (store.root / name).read_bytes()
    assert isinstance(store, S3BlobStore)
    return store.client.get_object(Bucket=store.bucket, Key=store.prefix + name)["Body"].read()


def exists_raw(store: Blobs, name: str) -> bool:
    if isinstance(store, BlobStore):
        return (store.root / name).exists()
    assert isinstance(store, S3BlobStore)
    found = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix + name)
    return any(o["Key"] == store.prefix + name for o in found.get("Contents", []))


def held_count(store: Blobs) -> int:
    if isinstance(store, BlobStore):
        folder = store.root / RECEIVED_DIR
        return len(list(folder.iterdir())) if folder.is_dir() else 0
    assert isinstance(store, S3BlobStore)
    found = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix + RECEIVED_DIR)
    return len(found.get("Contents", []))


def s3_settings(endpoint: str, bucket: str, prefix: str = "") -> dict[str, object]:
    """The BINHYEN_S3_* settings of a bucket on the test server (Settings' field names)."""
    from pydantic import SecretStr

    return {
        "s3_bucket": bucket,
        "s3_endpoint_url": endpoint,
        "s3_region": REGION,
        "s3_access_key_id": KEY_ID,
        "s3_secret_access_key": SecretStr(SECRET),
        "s3_prefix": prefix,
    }
