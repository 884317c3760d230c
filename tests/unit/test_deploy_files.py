"""compose.yaml, deploy/Caddyfile and deploy/prometheus/ are for operators; no Docker engine
runs here, so lint them: the processes and services the stack needs, one environment for all
the service's processes, migrations once, pinned images, and alert rules that name metrics
bot/metrics.py really exports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import metrics, ops_metrics

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SHARED_ENV = (
    "BINHYEN_ENV",
    "BINHYEN_DATABASE_URL",
    "BINHYEN_REDIS_URL",
    "BINHYEN_SECRET_KEY",
    "BINHYEN_PUBLIC_URL",
    "BINHYEN_METRICS_TOKEN",
    "BINHYEN_S3_BUCKET",
    "BINHYEN_S3_ENDPOINT_URL",
    "BINHYEN_S3_ACCESS_KEY_ID",
    "BINHYEN_S3_SECRET_ACCESS_KEY",
    "BINHYEN_OUTBOX_WORKER",
)
# Names the rules may use that are not the service's: Prometheus's own and the blackbox
# exporter's.
FOREIGN = {"up", "probe_success"}


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else list(command)


def _app_services() -> dict[str, dict[str, Any]]:
    """The services that run the image: those with a `binhyen ...` command."""
    return {n: s for n, s in _services().items() if _command(s)[:1] == ["binhyen"]}


def _by_command(word: str) -> list[str]:
    return sorted(n for n, s in _app_services().items() if _command(s)[1:2] == [word])


def test_two_serve_processes_one_worker_a_proxy_and_object_storage() -> None:
    services = _services()
    assert _by_command("serve") == ["serve-1", "serve-2"]
    assert _by_command("worker") == ["worker"]
    assert _by_command("migrate") == ["migrate"]
    assert services["proxy"]["image"].startswith("caddy:")
    assert services["minio"]["image"].startswith("minio/minio:")
    assert services["minio-bucket"]["image"].startswith("minio/mc:")
    assert {"postgres", "redis", "prometheus"} <= services.keys()
    for name in ("serve-1", "serve-2"):
        assert "--host" in _command(services[name]) and "0.0.0.0" in _command(services[name])
        assert "ports" not in services[name], "only the proxy is published"


def test_every_process_of_the_service_gets_the_same_environment() -> None:
    apps = _app_services()
    assert len(apps) == 4
    first = next(iter(apps.values()))["environment"]
    for name, service in apps.items():
        env = service["environment"]
        for key in SHARED_ENV:
            assert env.get(key) == first.get(key), (name, key)
        assert env["BINHYEN_ENV"] == "production"
        assert env["BINHYEN_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "@postgres:5432/" in env["BINHYEN_DATABASE_URL"]
        assert env["BINHYEN_REDIS_URL"].startswith("redis://redis:6379/")
        assert env["BINHYEN_S3_ENDPOINT_URL"] == "http://minio:9000"
        # Outbox from the worker only.
        assert env["BINHYEN_OUTBOX_WORKER"] == "false"


def test_secrets_stop_compose_when_unset_and_no_setting_is_passed_empty() -> None:
    env = _app_services()["serve-1"]["environment"]
    for key in ("BINHYEN_SECRET_KEY", "BINHYEN_METRICS_TOKEN", "BINHYEN_S3_SECRET_ACCESS_KEY"):
        assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", env[key]), key
    assert ":?" in env["BINHYEN_DATABASE_URL"]  # the database password
    # `${X:-}` hands the service "" (read as unset since bot/settings.py ignores empty
    # variables); optional settings go in binhyen.env all the same, where they are listed.
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert not re.search(r"\$\{\w+:-\}", text)
    for name in ("postgres", "minio"):
        values = _services()[name]["environment"].values()
        assert any(":?" in v for v in values), name


def test_migrations_run_once_before_every_other_process() -> None:
    services = _services()
    assert services["migrate"]["restart"] == "no"
    for name in _by_command("serve") + _by_command("worker"):
        needs = services[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}, name
        assert "migrate" not in " ".join(_command(services[name]))
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_the_worker_shares_serve_1s_metrics_and_pid_namespace() -> None:
    """bot/metrics.py: one metrics directory per PID namespace (its files are named by PID)."""
    services = _services()
    worker, serve_1 = services["worker"], services["serve-1"]
    assert worker["pid"] == "service:serve-1"
    metrics_mount = [v for v in worker["volumes"] if v.endswith(":/run/binhyen-metrics")]
    assert metrics_mount and metrics_mount[0] in serve_1["volumes"]
    assert not any(v.endswith(":/run/binhyen-metrics") for v in services["serve-2"]["volumes"])
    volume = _compose()["volumes"][metrics_mount[0].split(":")[0]]
    assert volume["driver_opts"]["type"] == "tmpfs"  # emptied when mounted anew
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "ENV BINHYEN_METRICS_DIR=/run/binhyen-metrics" in dockerfile
    assert "chown binhyen:binhyen /app/media /run/binhyen-metrics" in dockerfile


def test_the_media_volume_is_made_for_the_service_user_before_it_is_declared() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    made = next(i for i, line in enumerate(lines) if "chown binhyen:binhyen /app/media" in line)
    declared = lines.index("VOLUME /app/media")
    assert made < declared
    # Nothing writes to /app/media after VOLUME (Docker would drop it).
    assert not any("/app/media" in line for line in lines[declared + 1 :])
    for service in _app_services().values():
        assert "media:/app/media" in service["volumes"]


def test_images_are_pinned() -> None:
    for name, service in _services().items():
        image = service.get("image", "")
        if "build" in service:
            continue
        assert image and ":" in image, name
        tag = image.rsplit(":", 1)[1]
        assert tag != "latest" and re.search(r"\d+\.\d+|RELEASE\.\d{4}", tag), (name, image)
    base = (ROOT / "Dockerfile").read_text(encoding="utf-8").split("FROM ", 1)[1].split()[0]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base), base


def test_long_running_services_have_healthchecks_or_say_why_not() -> None:
    for name, service in _services().items():
        if service.get("restart") == "no":
            continue
        check = service.get("healthcheck")
        assert check, name
        if check.get("disable"):
            assert name == "worker"  # no HTTP port; restarted when it exits
        else:
            assert check["test"], name


def test_the_proxy_forwards_the_client_address_and_only_it_is_trusted() -> None:
    services = _services()
    caddyfile = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddyfile)
    assert upstreams
    assert upstreams[1].split() == ["serve-1:8080", "serve-2:8080"]
    assert "header_up X-Forwarded-For {remote_host}" in caddyfile
    assert "health_uri /readyz" in caddyfile
    assert re.search(r"respond /metrics 404", caddyfile)
    assert "{$BINHYEN_SITE}" in caddyfile
    assert services["proxy"]["environment"]["BINHYEN_SITE"] == "${BINHYEN_DOMAIN:-:80}"
    subnet = _compose()["networks"]["edge"]["ipam"]["config"][0]["subnet"]
    for name in _by_command("serve"):
        assert services[name]["environment"]["FORWARDED_ALLOW_IPS"] == subnet
        assert "edge" in services[name]["networks"]
    for name in ("postgres", "redis", "minio", "migrate", "worker"):
        assert services[name]["networks"] == ["backend"], name


def test_redis_keeps_its_data() -> None:
    redis = _services()["redis"]
    assert "--appendonly" in redis["command"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert any(v.endswith(":/data") for v in redis["volumes"])


def test_the_bucket_is_made_once_for_a_user_of_its_own_and_keeps_no_old_versions() -> None:
    bucket = _services()["minio-bucket"]
    script = " ".join(bucket["command"])
    assert "mc mb --ignore-existing" in script
    # A deleted file (an anonymous reporter's original, retention's) must be gone for good.
    assert "version enable" not in script
    assert "mc admin user add" in script and "mc admin policy attach" in script
    policy = re.search(r"printf '([^']+)'", script)
    assert policy and "s3:DeleteObject" in policy[1] and "s3:*" not in policy[1]
    assert bucket["depends_on"]["minio"] == {"condition": "service_healthy"}
    for name in _by_command("serve"):
        needs = _services()[name]["depends_on"]["minio-bucket"]
        assert needs == {"condition": "service_completed_successfully"}
    # The service signs in as that user, never as MinIO's root.
    env = _app_services()["serve-1"]["environment"]
    assert "MINIO_ROOT" not in env["BINHYEN_S3_ACCESS_KEY_ID"]
    assert "MINIO_ROOT" not in env["BINHYEN_S3_SECRET_ACCESS_KEY"]
    made = bucket["environment"]
    assert made["BINHYEN_S3_ACCESS_KEY_ID"] == env["BINHYEN_S3_ACCESS_KEY_ID"]
    assert made["BINHYEN_S3_SECRET_ACCESS_KEY"] == env["BINHYEN_S3_SECRET_ACCESS_KEY"]


# -- Prometheus ------------------------------------------------------------------------------


def _exported() -> set[str]:
    """What /metrics shows: every family of bot/metrics.py (counters gain `_total` once) and
    the shared state's gauges of bot/ops_metrics.py."""
    names = {metrics.START_TIME, metrics.UPTIME, *ops_metrics.HELP}
    for family in vars(metrics).values():
        if isinstance(family, metrics.Family):
            names.add(family.name)
    return names


def _rules() -> list[dict[str, Any]]:
    loaded = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def _metric_names(expr: str) -> set[str]:
    """Identifiers in a PromQL expression that name series: not functions, keywords, label
    names in by(...)/{...} or quoted strings."""
    expr = re.sub(r'"[^"]*"', "", expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    words = set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()", expr))
    return words - {"and", "or", "unless", "offset", "bool"}


def test_the_exported_names_are_read_from_bot_metrics() -> None:
    exported = _exported()
    assert "binhyen_deliveries_total" in exported and "binhyen_outbox_total" in exported
    assert len(exported) == 9 + len(ops_metrics.HELP)


@pytest.mark.parametrize("rule", _rules(), ids=lambda r: str(r["alert"]))
def test_each_alert_rule_names_only_metrics_that_exist(rule: dict[str, Any]) -> None:
    names = _metric_names(rule["expr"])
    assert names, rule["expr"]
    assert names <= _exported() | FOREIGN, names - _exported() - FOREIGN
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert rule["annotations"]["summary"]


def test_the_alerts_cover_what_matters() -> None:
    exprs = {r["alert"]: r["expr"] for r in _rules()}
    assert 'outcome="rate_limited"' in " ".join(exprs.values())  # 429s from the platforms
    assert any("up{" in e for e in exprs.values())  # a process down
    assert any("binhyen_process_start_time_seconds" in e for e in exprs.values())  # restarts
    assert any("probe_success" in e for e in exprs.values())  # readiness
    assert any("binhyen_outbox_total" in e for e in exprs.values())
    everything = " ".join(exprs.values())
    for gauge in (  # deadline breaches, the outbox's backlog, failed sign-ins, the worker
        ops_metrics.TIPS_OVERDUE,
        ops_metrics.OUTBOX_OLDEST,
        ops_metrics.SIGNIN_FAILURES,
        ops_metrics.OUTBOX_SENDERS,
    ):
        assert gauge in everything, gauge


def test_the_metric_name_reader_would_catch_a_made_up_name() -> None:
    expr = 'sum by (channel) (rate(binhyen_tips_overdue{job="x"}[5m])) > 0 unless up == 0'
    assert _metric_names(expr) == {"binhyen_tips_overdue", "up"}


def test_prometheus_scrapes_every_serve_process_with_the_token_and_loads_the_rules() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text("utf-8"))
    assert config["rule_files"] == ["alerts.yml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    targets = jobs["binhyen"]["static_configs"][0]["targets"]
    assert sorted(targets) == [f"{n}:8080" for n in _by_command("serve")]
    assert jobs["binhyen"]["authorization"]["credentials_file"] == "/run/secrets/metrics_token"
    probed = jobs["binhyen-readyz"]["static_configs"][0]["targets"]
    assert sorted(probed) == [f"http://{n}:8080/readyz" for n in _by_command("serve")]
    prometheus = _services()["prometheus"]
    assert "metrics_token" in prometheus["secrets"]
    assert _compose()["secrets"]["metrics_token"] == {"environment": "BINHYEN_METRICS_TOKEN"}


def test_postgres_accepts_every_process_pool_at_once() -> None:
    from storage.db import make_engine

    pool = make_engine("postgresql+asyncpg://u:p@localhost:5432/d").sync_engine.pool
    per_process = pool.size() + pool._max_overflow  # type: ignore[attr-defined]
    command = _services()["postgres"]["command"]
    allowed = int(next(c.split("=")[1] for c in command if c.startswith("max_connections=")))
    long_running = len(_by_command("serve")) + len(_by_command("worker"))
    # The long-running processes, one-off commands (migrate, keys rotate) and a pg_dump.
    assert allowed >= per_process * (long_running + 1) + 10
