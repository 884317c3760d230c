"""The Dockerfile and compose file are for users; no Docker engine runs here, so lint them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

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
    known = {"FROM", "ARG", "ENV", "WORKDIR", "COPY", "RUN", "USER", "VOLUME", "EXPOSE"}
    known |= {"HEALTHCHECK", "CMD"}
    assert set(words) <= known
    copied = {rest.split()[0] for w, rest in instructions if w == "COPY"}
    assert {"bot", "handlers", "content", "storage", "admin", "pyproject.toml"} <= copied
    cmd = next(rest for w, rest in instructions if w == "CMD")
    assert cmd.index("binhyen migrate") < cmd.index("binhyen serve")
    assert "USER" in words


def test_compose_has_postgres_redis_and_the_app() -> None:
    """The stack itself is linted in tests/unit/test_deploy_files.py."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "serve-1", "serve-2", "worker"} <= services.keys()
    env = services["serve-1"]["environment"]
    assert env["BINHYEN_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["BINHYEN_REDIS_URL"].startswith("redis://")
    assert {"migrate", "redis"} <= set(services["serve-1"]["depends_on"])
    assert set(services["migrate"]["depends_on"]) == {"postgres"}


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


def test_a_metrics_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    from bot.settings import Settings

    not_a_dir = tmp_path / "metrics"
    not_a_dir.write_text("")
    with pytest.raises(SystemExit, match="BINHYEN_METRICS_DIR"):
        Settings(metrics_dir=str(not_a_dir)).check()


def test_a_metrics_dir_that_cannot_be_made_stops_start_up_without_a_traceback(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        capture_output=True,
        text=True,
        env={"BINHYEN_METRICS_DIR": str(blocker / "metrics"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode != 0
    assert "BINHYEN_METRICS_DIR: cannot create" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_typo_in_the_environment_name_stops_start_up() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "migrate"],
        capture_output=True,
        text=True,
        env={"BINHYEN_ENV": "prodution", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode != 0
    assert "BINHYEN_ENV" in done.stderr and "'production'" in done.stderr
    assert "Traceback" not in done.stderr


# -- the lock ---------------------------------------------------------------------------------


def _lock() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return {p["name"]: p["version"] for p in lock["package"] if p["name"] != "binhyen"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_installed_dependency_has_exactly_the_locked_version() -> None:
    locked = _lock()
    installed = {_normal(d.metadata["Name"]): d.version for d in metadata.distributions()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]
    ]
    for requirement in wanted:
        if requirement.marker and not requirement.marker.evaluate():
            continue
        name = _normal(requirement.name)
        assert name in locked, f"{name} is in pyproject.toml but not in uv.lock: run make lock"
        assert requirement.specifier.contains(locked[name]), (name, locked[name])
    differ = {n: (v, locked[n]) for n, v in installed.items() if n in locked and v != locked[n]}
    assert differ == {}, "installed versions differ from uv.lock: run make install"


def test_the_lock_has_hashes_and_the_install_bootstrap_takes_its_uv() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    for package in lock["package"]:
        if package["name"] == "binhyen":
            continue
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert files and all(f["hash"].startswith("sha256:") for f in files), package["name"]
    uv = _lock()["uv"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"ARG UV_VERSION={uv}" in dockerfile
    assert "COPY pyproject.toml uv.lock" in dockerfile
    assert dockerfile.count("uv sync --locked") == 2 and "pip install ." not in dockerfile
    assert "UV_COMPILE_BYTECODE=1" in dockerfile
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "sync -q --frozen --extra test" in makefile and "pip install -q -e" not in makefile


@pytest.mark.e2e
def test_the_images_install_from_the_lock_has_the_service_and_no_test_tools(
    tmp_path: Path,
) -> None:
    """The Dockerfile's two `uv sync` steps, run here without Docker: the service installs from
    the lock alone (from uv's cache: no network needed once `make install` has run)."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    if uv is None:
        pytest.skip("uv is not installed in this environment (make install puts it there)")
    app = tmp_path / "app"
    app.mkdir()
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy(ROOT / name, app / name)
    for folder in ("bot", "handlers", "content", "storage", "admin"):
        shutil.copytree(ROOT / folder, app / folder, ignore=shutil.ignore_patterns("__pycache__"))
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(tmp_path / "image"),
        "UV_PYTHON_DOWNLOADS": "never",
    }
    env.pop("VIRTUAL_ENV", None)
    for step in (["--no-install-project"], ["--no-editable"]):
        subprocess.run(
            [uv, "sync", "-q", "--frozen", "--offline", "--python", sys.executable, *step],
            cwd=app,
            env=env,
            check=True,
            timeout=300,
        )
    image = tmp_path / "image" / "bin"
    done = subprocess.run(
        [image / "binhyen", "--help"], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert "serve" in done.stdout
    for tool in ("pytest", "ruff", "mypy", "playwright"):
        assert not (image / tool).exists(), f"{tool} would ship in the image"
