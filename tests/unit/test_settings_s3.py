"""BINHYEN_S3_*: where the files go (bot/runtime.py blob_store), and the settings refused
with a message that names the variable, never the secret."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from bot.runtime import blob_store
from bot.settings import Settings
from storage.blobs import BlobStore, BlobStoreUnavailable
from storage.blobs_s3 import CHECK_BYTES, S3BlobStore

SECRET = "s3-secret-never-shown"


def test_without_a_bucket_the_files_stay_in_the_media_folder(tmp_path: Path) -> None:
    store = blob_store(Settings(media_dir=str(tmp_path / "media"), s3_endpoint_url="bad"))
    assert isinstance(store, BlobStore) and store.root == tmp_path / "media"


def test_a_bucket_sends_them_to_object_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINHYEN_S3_BUCKET", "binhyen-files")
    monkeypatch.setenv("BINHYEN_S3_ENDPOINT_URL", "http://minio:9000")
    monkeypatch.setenv("BINHYEN_S3_ACCESS_KEY_ID", "binhyen")
    monkeypatch.setenv("BINHYEN_S3_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("BINHYEN_S3_PREFIX", "/tips/")
    settings = Settings.load()
    settings.check()
    assert settings.s3_region == "us-east-1" and settings.s3_key_prefix == "tips/"
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump())
    store = blob_store(settings)
    assert isinstance(store, S3BlobStore)
    assert (store.bucket, store.prefix) == ("binhyen-files", "tips/")
    assert store.client.meta.endpoint_url == "http://minio:9000"
    assert getattr(store.client.meta.config, "s3", None) == {"addressing_style": "path"}
    assert store.describe() == "bucket binhyen-files at http://minio:9000, under tips/"
    assert SECRET not in store.describe()


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("S3_BUCKET", "Binhyen_Files", "BINHYEN_S3_BUCKET must be a bucket name"),
        ("S3_BUCKET", "ab", "BINHYEN_S3_BUCKET must be a bucket name"),
        ("S3_ENDPOINT_URL", "minio:9000", "BINHYEN_S3_ENDPOINT_URL must be an http(s) URL"),
        ("S3_ENDPOINT_URL", "ftp://minio", "BINHYEN_S3_ENDPOINT_URL must be an http(s) URL"),
        ("S3_ENDPOINT_URL", "http://minio:99999", "BINHYEN_S3_ENDPOINT_URL must be an http(s)"),
        ("S3_ENDPOINT_URL", f"http://key:{SECRET}@minio:9000", "scheme://host[:port] only"),
        ("S3_ENDPOINT_URL", "http://minio:9000/bucket", "scheme://host[:port] only"),
        ("S3_REGION", "US East", "BINHYEN_S3_REGION must be a region name"),
        ("S3_SECRET_ACCESS_KEY", "", "go together"),
        ("S3_PREFIX", "tips//photos", "BINHYEN_S3_PREFIX"),
        ("S3_PREFIX", "tip s", "BINHYEN_S3_PREFIX"),
        ("S3_PREFIX", "../b", 'BINHYEN_S3_PREFIX: no "." or ".."'),
        ("S3_PREFIX", "x/../../b", 'BINHYEN_S3_PREFIX: no "." or ".."'),
        ("S3_PREFIX", "./", 'BINHYEN_S3_PREFIX: no "." or ".."'),
        ("S3_PREFIX", "tips/.", 'BINHYEN_S3_PREFIX: no "." or ".."'),
        ("S3_PREFIX", "..", 'BINHYEN_S3_PREFIX: no "." or ".."'),
    ],
)
def test_bad_object_storage_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    good = {
        "S3_BUCKET": "binhyen-files",
        "S3_ENDPOINT_URL": "https://s3.example.test",
        "S3_ACCESS_KEY_ID": "binhyen",
        "S3_SECRET_ACCESS_KEY": SECRET,
    }
    for name, setting in {**good, variable: value}.items():
        monkeypatch.setenv(f"BINHYEN_{name}", setting)
    with pytest.raises(SystemExit) as refused:
        Settings.load().check()
    assert said in str(refused.value) and SECRET not in str(refused.value)


def test_the_settings_of_the_media_folder_are_not_checked_for_object_storage() -> None:
    Settings(s3_endpoint_url="not a url", s3_region="?").check()  # no bucket: not used


def test_a_prefix_may_hold_dots_inside_its_names() -> None:
    settings = Settings(s3_bucket="binhyen-files", s3_prefix="binhyen.v2/..files/tips.")
    settings.check()
    assert settings.s3_key_prefix == "binhyen.v2/..files/tips./"


class UnderPrefix:
    """A probe's key: in the prefix's own "check/" folder, never where files are."""

    def __eq__(self, key: object) -> bool:
        return isinstance(key, str) and re.fullmatch(r"tips/check/[0-9a-f]{16}", key) is not None


def probed(refused: str | None) -> tuple[S3BlobStore, Stubber]:
    """A store whose server (botocore's Stubber) takes the bucket, then answers the
    start-up probe, refusing `refused` (AccessDenied)."""
    store = S3BlobStore.connect(
        bucket="binhyen-files",
        endpoint_url="http://minio:9000",
        access_key_id="binhyen",
        secret_access_key=SECRET,
        prefix="tips/",
    )
    stub = Stubber(store.client)
    stub.add_response("head_bucket", {}, {"Bucket": "binhyen-files"})
    key = {"Bucket": "binhyen-files", "Key": UnderPrefix()}
    answers = [
        ("put_object", {}, {**key, "Body": ANY}),
        ("get_object", {"Body": StreamingBody(io.BytesIO(CHECK_BYTES), len(CHECK_BYTES))}, key),
        ("delete_object", {}, key),
    ]
    for method, answer, params in answers:
        if method == refused:
            stub.add_client_error(method, "AccessDenied", http_status_code=403)
            break
        stub.add_response(method, answer, params)
    return store, stub


@pytest.mark.parametrize(
    ("refused", "step"),
    [("put_object", "write"), ("get_object", "read back"), ("delete_object", "delete")],
)
def test_a_store_that_cannot_write_read_and_delete_under_the_prefix_stops_start_up(
    refused: str, step: str
) -> None:
    """Read-only credentials, or a policy that refuses the prefix: the bucket is there, but
    the start-up probe is refused, and the operator is told where (never the secret)."""
    store, stub = probed(refused)
    with stub, pytest.raises(BlobStoreUnavailable) as stopped:
        store.check()
    said = str(stopped.value)
    assert f"refused to {step} a file under 'tips/'" in said and "AccessDenied" in said
    assert "'binhyen-files' at http://minio:9000" in said and SECRET not in said
    stub.assert_no_pending_responses()


def test_the_probe_is_written_read_back_and_deleted_under_the_prefix() -> None:
    store, stub = probed(None)
    with stub:
        store.check()
    stub.assert_no_pending_responses()
