"""A BINHYEN_ variable set to "" reads as unset: compose's `${X:-}` passes "" for every
setting the operator left out, and those must not stop the service as malformed."""

from __future__ import annotations

import pytest

from bot.settings import Settings


def test_an_empty_variable_is_as_if_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "TELEGRAM_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
        "METRICS_TOKEN",
        "MAX_TIPS_PER_DAY",
        "S3_BUCKET",
        "PUBLIC_URL",
    ):
        monkeypatch.setenv(f"BINHYEN_{name}", "")
    settings = Settings()
    settings.check()
    assert settings.telegram_token is None or not settings.telegram_token.get_secret_value()
    assert settings.max_tips_per_day == Settings.model_fields["max_tips_per_day"].default
    assert settings.s3_bucket == ""


def test_a_wrong_value_is_still_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINHYEN_TELEGRAM_TOKEN", "not-a-token")
    with pytest.raises(SystemExit, match="does not look like a bot token"):
        Settings().check()
