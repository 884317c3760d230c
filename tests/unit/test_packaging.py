"""The Dockerfile and compose file are for users; no Docker engine runs here, so lint them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    found = []
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#") and not line.startswith(" "):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest))
    return found


def test_dockerfile_installs_the_package_migrates_then_serves() -> None:
    instructions = _instructions()
    words = [w for w, _ in instructions]
    assert words[0] == "FROM"
    known = {"FROM", "ENV", "WORKDIR", "COPY", "RUN", "USER", "EXPOSE", "HEALTHCHECK", "CMD"}
    assert set(words) <= known
    copied = {rest.split()[0] for w, rest in instructions if w == "COPY"}
    assert {"bot", "handlers", "content", "storage", "admin", "pyproject.toml"} <= copied
    cmd = next(rest for w, rest in instructions if w == "CMD")
    assert cmd.index("binhyen migrate") < cmd.index("binhyen serve")
    assert "USER" in words


def test_compose_has_postgres_redis_and_the_app() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "app"} <= services.keys()
    env = services["app"]["environment"]
    assert env["BINHYEN_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["BINHYEN_REDIS_URL"].startswith("redis://")
    assert set(services["app"]["depends_on"]) == {"postgres", "redis"}


def test_help_lists_the_stable_commands_quickly() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("serve", "migrate", "chat", "content"):
        assert command in done.stdout


def test_production_refuses_the_default_secret() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        capture_output=True,
        text=True,
        env={"BINHYEN_ENV": "production", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode != 0
    assert "BINHYEN_SECRET_KEY" in done.stderr


def test_a_bad_holiday_setting_is_refused_clearly() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        capture_output=True,
        text=True,
        env={"BINHYEN_HOLIDAYS": "2026-09-03,3/9/2026", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode != 0
    assert "BINHYEN_HOLIDAYS" in done.stderr and "3/9/2026" in done.stderr
