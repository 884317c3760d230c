"""Typed settings, read once per process from BINHYEN_* variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from content.holidays import parse_dates
from storage.sealing import ring_entries

DEFAULT_SECRET = "dev-only-secret-change-me"


class Settings(BaseSettings):
    # A variable set to "" is as if unset (compose's `${X:-}` passes "" for what the operator
    # left out: a token or key that is not there, not one that is wrong).
    model_config = SettingsConfigDict(env_prefix="BINHYEN_", extra="ignore", env_ignore_empty=True)

    # Anything else stops start-up: a typo must not silently turn off the production checks.
    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite+aiosqlite:///./binhyen.db"
    redis_url: str = ""
    redis_prefix: str = "binhyen:"
    # Without Redis: the SQLite file that keeps conversation state, event dedupe and rate
    # limits across restarts (storage/state_sqlite.py). Empty: beside a SQLite database
    # (binhyen.state.db beside binhyen.db); with PostgreSQL, in process (not kept).
    state_path: str = ""
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    public_url: str = ""
    max_text_length: int = 4000
    media_dir: str = "./media"
    # Tips' files and notices' photos in S3-compatible object storage (MinIO, a cloud's), for a
    # service on several machines (storage/blobs_s3.py): set the bucket (created beforehand,
    # never by the service); unset, they stay in BINHYEN_MEDIA_DIR. Empty endpoint: the
    # provider's default; empty keys: boto3's own chain (an instance role).
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = ""
    # Key rings (storage/sealing.py): one Fernet key or several separated by commas, newest
    # first; unset, a key derived from the secret. Contacts: reporters' details; accounts:
    # TOTP secrets and Zalo OA tokens.
    contact_key: SecretStr | None = None
    account_key: SecretStr | None = None
    max_tips_per_day: int = 5
    # Tips a day through the web chat from one network (an IPv4 address, an IPv6 /64),
    # whatever the cookie: clearing cookies does not buy new tips. A few times the above, for
    # a family or a commune behind one NAT. 0: no such limit (bot/channels/web_guard.py).
    web_tips_per_address: int = Field(default=20, ge=0, le=10_000)
    # Broadcasts a neighbourhood leader may make in a day (the police have no such limit).
    leader_broadcasts_per_day: int = Field(default=5, ge=1, le=100)
    holidays: str = ""
    # Retention (issue 18, storage/retention.py, docs/PRIVACY.md): a closed tip loses its
    # contact details and files this many days after closing; conversation state, delivered
    # outbox messages (the web chat's inbox among them) and what a scam check was given last
    # this many days.
    retention_closed_tip_days: int = Field(default=1825, ge=1, le=36_500)
    retention_chat_days: int = Field(default=30, ge=1, le=36_500)
    # The organisation that runs the service and how residents reach it (a phone, an email,
    # an address), named in the privacy notice beside the commune police unit.
    operator_name: str = Field(default="", max_length=200)
    operator_contact: str = Field(default="", max_length=200)
    # Send the outbox (the police's messages to residents) from this process. Turn it off
    # where `binhyen worker` processes do it instead.
    outbox_worker: bool = True
    # Where every `binhyen serve` and `binhyen worker` process of this machine writes its
    # metrics, for /metrics to add them up; empty: PROMETHEUS_MULTIPROC_DIR, else kept in
    # this process. One directory per machine, emptied at boot (bot/metrics.py).
    metrics_dir: str = ""
    # /metrics answers a request with `Authorization: Bearer <this>`; unset (or empty), only a
    # client on this machine (loopback, not through a proxy), never with a public URL or in
    # production (bot/metrics.py, status_for).
    metrics_token: SecretStr | None = None
    # What one resident (a channel, account and user) may send: this many events a minute on
    # average, `burst` of them back to back (bot/inbound.py). Past it an event is not handled
    # and the first of a spell gets one polite "please slow down"; the emergency button and
    # danger words still go through. 0: no limit. A resident tapping through a whole tip
    # (onboarding and some 15 steps) in a minute stays under it; a flood does not.
    inbound_per_minute: float = Field(default=30.0, ge=0)
    inbound_burst: int = Field(default=20, ge=1, le=1000)

    telegram_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_webhook_secret: SecretStr | None = None
    # Messages per second to all chats of the bot (Telegram's guidance: about 30).
    telegram_rate: float = 30.0
    # Webhook requests Telegram keeps open at once (setWebhook's max_connections, 1-100; set
    # by `binhyen telegram set-webhook`). 40 is Telegram's own default: a webhook answers in
    # milliseconds (replies go out in the background), so 40 is far more than one process
    # needs, and fewer would let one slow update (a file, a slow commit) hold up the rest.
    telegram_max_connections: int = Field(default=40, ge=1, le=100)
    # A turn's one reply goes in the webhook's answer (no Bot API call of its own) when its
    # loss would be harmless: the turn recorded nothing, nothing else of the chat is queued,
    # and the shared limiter has its slot now (bot/channels/telegram/channel.py _in_answer).
    telegram_answer_in_response: bool = True
    zalo_bot_token: SecretStr | None = None
    zalo_bot_api_base: str = "https://bot-api.zaloplatforms.com"
    zalo_bot_webhook_secret: SecretStr | None = None
    zalo_oa_app_id: str = ""
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_access_token: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = None
    zalo_oa_api_base: str = "https://openapi.zalo.me"
    # The app secret (developers.zalo.me), sent in the `secret_key` header of an OAuth
    # refresh; not the OA secret key above, which signs the webhooks.
    zalo_oa_app_secret: SecretStr | None = None
    zalo_oa_oauth_base: str = "https://oauth.zaloapp.com"
    # Where the files Zalo's webhooks name (photos, voice clips, attachments) are fetched
    # from: host suffixes, comma-separated, over https and at public addresses only. Empty:
    # Zalo's own CDN (bot/channels/common.py, ZALO_MEDIA_HOSTS).
    zalo_media_hosts: str = ""
    # Tests and local fakes only, refused in production: exact origins, comma-separated
    # (http://127.0.0.1:8081), whose files are fetched over http and at a private address.
    zalo_media_test_origins: str = ""

    @property
    def s3_key_prefix(self) -> str:
        """BINHYEN_S3_PREFIX as the keys start: "" or ending in one slash."""
        prefix = self.s3_prefix.strip("/")
        return f"{prefix}/" if prefix else ""

    def _check_s3(self) -> None:
        import re
        from urllib.parse import urlsplit

        if not self.s3_bucket:
            return
        if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", self.s3_bucket):
            raise SystemExit(
                "BINHYEN_S3_BUCKET must be a bucket name: 3-63 lowercase letters, digits, dots "
                "and hyphens."
            )
        if self.s3_endpoint_url:
            parts = urlsplit(self.s3_endpoint_url)
            try:
                parts.port  # noqa: B018 (raises on a port that is not one)
            except ValueError:
                parts = parts._replace(netloc="")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SystemExit(
                    "BINHYEN_S3_ENDPOINT_URL must be an http(s) URL (http://minio:9000), "
                    "or empty for the provider's default."
                )
            if parts.username or parts.password or parts.query or parts.path not in ("", "/"):
                raise SystemExit(
                    "BINHYEN_S3_ENDPOINT_URL is scheme://host[:port] only: the keys go in "
                    "BINHYEN_S3_ACCESS_KEY_ID and BINHYEN_S3_SECRET_ACCESS_KEY."
                )
        if not re.fullmatch(r"[a-z0-9-]{1,32}", self.s3_region):
            raise SystemExit("BINHYEN_S3_REGION must be a region name (us-east-1).")
        secret = self.s3_secret_access_key.get_secret_value() if self.s3_secret_access_key else ""
        if bool(self.s3_access_key_id) != bool(secret):
            raise SystemExit(
                "BINHYEN_S3_ACCESS_KEY_ID and BINHYEN_S3_SECRET_ACCESS_KEY go together: set both, "
                "or neither (boto3's own credentials, an instance role)."
            )
        if not re.fullmatch(r"[A-Za-z0-9._/-]{0,200}", self.s3_prefix) or "//" in self.s3_prefix:
            raise SystemExit(
                "BINHYEN_S3_PREFIX: letters, digits and . _ - / only (tips or binhyen/files)."
            )
        if any(segment in (".", "..") for segment in self.s3_prefix.split("/")):
            raise SystemExit(
                'BINHYEN_S3_PREFIX: no "." or ".." between slashes: the files go under the '
                "prefix as written (tips or binhyen/files)."
            )

    def _check_media_origins(self) -> None:
        from urllib.parse import urlsplit

        origins = [o.strip() for o in self.zalo_media_test_origins.split(",") if o.strip()]
        if origins and self.is_production:
            raise SystemExit(
                "BINHYEN_ZALO_MEDIA_TEST_ORIGINS is for tests: unset it in production."
            )
        for origin in origins:
            parts = urlsplit(origin)
            try:
                port = parts.port
            except ValueError:
                port = None
            if parts.scheme not in ("http", "https") or not parts.hostname or port is None:
                raise SystemExit(
                    "BINHYEN_ZALO_MEDIA_TEST_ORIGINS: each origin is scheme://host:port "
                    "(http://127.0.0.1:8081)."
                )

    @classmethod
    def load(cls) -> Settings:
        """The settings from the environment, or a stop that names each bad variable."""
        try:
            return cls()
        except ValidationError as exc:
            lines = [
                f"BINHYEN_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
            ]
            raise SystemExit("Bad settings:\n" + "\n".join(lines)) from None

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check(self) -> None:
        """Refuse to run in production with the development secret."""
        if self.is_production and self.secret_key.get_secret_value() == DEFAULT_SECRET:
            raise SystemExit("BINHYEN_SECRET_KEY must be set in production.")
        for name, ring in (("CONTACT", self.contact_key), ("ACCOUNT", self.account_key)):
            if ring is None:
                continue
            try:
                ring_entries(ring.get_secret_value())
            except (ValueError, UnicodeEncodeError):
                raise SystemExit(
                    f"BINHYEN_{name}_KEY must be a Fernet key (32 url-safe base64 bytes), "
                    "or several separated by commas, newest first."
                ) from None

        if self.telegram_webhook_secret is not None:
            import re

            hook_secret = self.telegram_webhook_secret.get_secret_value()
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", hook_secret):
                raise SystemExit(
                    "BINHYEN_TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -."
                )
        if self.telegram_rate <= 0:
            raise SystemExit("BINHYEN_TELEGRAM_RATE must be a positive number of messages/s.")
        if self.telegram_token is not None and ":" not in self.telegram_token.get_secret_value():
            raise SystemExit("BINHYEN_TELEGRAM_TOKEN does not look like a bot token (id:secret).")
        app_id = self.zalo_oa_app_id
        if app_id and not (app_id.isdigit() and len(app_id) <= 32):
            raise SystemExit("BINHYEN_ZALO_OA_APP_ID must be the numeric app id.")
        try:
            parse_dates(self.holidays)
        except ValueError as exc:
            raise SystemExit(f"BINHYEN_HOLIDAYS: {exc}") from None
        if self.metrics_token is not None and 0 < len(self.metrics_token.get_secret_value()) < 16:
            raise SystemExit("BINHYEN_METRICS_TOKEN must be at least 16 characters.")
        self._check_media_origins()
        self._check_s3()
        if self.metrics_dir:
            import os

            if os.path.exists(self.metrics_dir) and not os.path.isdir(self.metrics_dir):
                raise SystemExit("BINHYEN_METRICS_DIR must be a directory.")
            try:
                os.makedirs(self.metrics_dir, exist_ok=True)
            except OSError as exc:
                raise SystemExit(
                    f"BINHYEN_METRICS_DIR: cannot create {self.metrics_dir} ({exc.strerror})."
                ) from None
            if not os.access(self.metrics_dir, os.W_OK | os.X_OK):
                raise SystemExit(f"BINHYEN_METRICS_DIR: {self.metrics_dir} is not writable.")
