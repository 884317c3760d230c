"""Resident memory of `binhyen serve` (embedded default) at idle and after web chat traffic.

Per run: start `binhyen serve` on a free 127.0.0.1 port with a fresh SQLite file
(BINHYEN_DATABASE_URL) and no other BINHYEN_ settings, wait for /healthz, let it settle,
read VmRSS from /proc/PID/status; then send N web chat messages (POST /chat/api/messages)
from C browsers (each its own cookie: onboarding, then menu navigation), settle again and
read VmRSS and VmHWM (peak). The server is stopped with SIGTERM.

    .venv/bin/python bench/bench_rss.py            # 3 runs, 1000 messages each
    .venv/bin/python bench/bench_rss.py --runs 1 --messages 5000 --json
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _common import emit, machine, median, venv_bin, wait_quiet

TARGET_IDLE_MB = 120.0
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM and friends from /proc/PID/status, in kB."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
            out[key] = int(value.split()[0])
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mb(kb: int) -> float:
    return round(kb / 1024, 1)


class Server:
    def __init__(self, workdir: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BINHYEN_")}
        env["BINHYEN_DATABASE_URL"] = f"sqlite+aiosqlite:///{workdir / 'binhyen.db'}"
        self.log = (workdir / "serve.log").open("w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(venv_bin("binhyen")), "serve", "--host", HOST, "--port", str(port)],
            cwd=workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://{HOST}:{port}"
        self.logpath = workdir / "serve.log"

    def wait_healthy(self, timeout: float = 30.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.logpath.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"no /healthz within {timeout}s:\n{self.logpath.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


def _next_body(choices: list[dict[str, str]], rng: random.Random) -> dict[str, str]:
    """The same kind of menu navigation mix as bench_core, as a browser would send it."""
    if not choices:
        return {"text": "menu"}
    ids = [c["id"] for c in choices]
    if any(i.startswith("province:") for i in ids):
        return {"text": "ha noi"}
    if "area:province" in ids:
        return {"text": "phuong ba dinh"}
    r = rng.random()
    if r < 0.40:
        return {"kind": "choice", "choice": rng.choice(ids)}
    if r < 0.60:
        return {"text": str(rng.randrange(len(ids)) + 1)}
    if r < 0.70:
        return {"text": rng.choice(("menu", "/menu", "/help"))}
    if r < 0.78:
        return {"text": rng.choice(("/sos", "khẩn cấp"))}
    if r < 0.90:
        choice = "menu:settings" if "menu:settings" in ids else "nav:menu"
        return {"kind": "choice", "choice": choice}
    return {"text": "tôi muốn hỏi về lừa đảo qua điện thoại"}


async def traffic(base: str, messages: int, clients: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    budget = [messages]
    statuses: dict[int, int] = {}
    onboarding = (
        {"text": "/start"},
        {"kind": "choice", "choice": "lang:vi"},
        {"text": "ha noi"},
        {"text": "phuong ba dinh"},
    )

    async def browser() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            choices: list[dict[str, str]] = []
            step = 0
            while budget[0] > 0:
                budget[0] -= 1
                body = onboarding[step] if step < len(onboarding) else _next_body(choices, rng)
                step += 1
                resp = await client.post("/chat/api/messages", json=body)
                statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
                if resp.status_code == 200:
                    replies = resp.json()["replies"]
                    offered = next((r["choices"] for r in reversed(replies) if r["choices"]), [])
                    choices = offered or choices

    start = time.perf_counter()
    await asyncio.gather(*(browser() for _ in range(clients)))
    wall = time.perf_counter() - start
    return {"messages": messages, "seconds": round(wall, 2), "statuses": statuses}


def one_run(args: argparse.Namespace, seed: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="binhyen-rss-") as tmp:
        server = Server(Path(tmp), free_port())
        try:
            ready_s = server.wait_healthy()
            time.sleep(args.settle)
            idle = status_kb(server.proc.pid)
            cpu0 = cpu_seconds(server.proc.pid)
            sent = asyncio.run(traffic(server.base, args.messages, args.clients, seed))
            server_cpu = cpu_seconds(server.proc.pid) - cpu0
            time.sleep(args.settle)
            after = status_kb(server.proc.pid)
        finally:
            server.stop()
    return {
        "ready_s": round(ready_s, 2),
        "idle_rss_mb": mb(idle["VmRSS"]),
        "idle_anon_mb": mb(idle.get("RssAnon", 0)),
        "after_rss_mb": mb(after["VmRSS"]),
        "after_anon_mb": mb(after.get("RssAnon", 0)),
        "peak_rss_mb": mb(after["VmHWM"]),
        "threads_after": after.get("Threads", 0),
        "traffic": sent,
        "http_msg_per_s": round(sent["messages"] / sent["seconds"], 1),
        "server_cpu_ms_per_msg": round(server_cpu / sent["messages"] * 1000, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20, help="browsers sending at once")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds before reading RSS")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--wait-quiet", type=float, default=0.0, help="wait up to S s for an idle host per run"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.wait_quiet = max(0.0, min(args.wait_quiet, 600.0))
    args.runs = max(1, min(args.runs, 10))
    args.messages = max(1, min(args.messages, 50_000))
    args.clients = max(1, min(args.clients, 200))
    args.settle = max(0.0, min(args.settle, 30.0))

    runs = []
    for i in range(args.runs):
        if args.wait_quiet:
            wait_quiet(args.wait_quiet)
        run = one_run(args, args.seed + i)
        runs.append(run)
        if not args.json:
            print(
                f"  run {i + 1}: ready in {run['ready_s']:.2f} s, idle {run['idle_rss_mb']} MB, "
                f"after {args.messages} messages {run['after_rss_mb']} MB "
                f"(peak {run['peak_rss_mb']} MB), {run['http_msg_per_s']} msg/s over HTTP "
                f"(server CPU {run['server_cpu_ms_per_msg']} ms/msg), "
                f"statuses {run['traffic']['statuses']}",
                file=sys.stderr,
                flush=True,
            )
    idle = median([r["idle_rss_mb"] for r in runs])
    out = {
        "benchmark": "rss",
        "machine": machine(),
        "messages": args.messages,
        "clients": args.clients,
        "target_idle_mb": TARGET_IDLE_MB,
        "median_idle_rss_mb": idle,
        "median_after_rss_mb": median([r["after_rss_mb"] for r in runs]),
        "median_peak_rss_mb": median([r["peak_rss_mb"] for r in runs]),
        "median_ready_s": median([r["ready_s"] for r in runs]),
        "median_server_cpu_ms_per_msg": median([r["server_cpu_ms_per_msg"] for r in runs]),
        "met": idle <= TARGET_IDLE_MB,
        "all_200": all(set(r["traffic"]["statuses"]) == {200} for r in runs),
        "runs": runs,
    }
    if args.json:
        emit(out, True)
    else:
        print(
            f"\nidle RSS {out['median_idle_rss_mb']} MB (target <= {TARGET_IDLE_MB:.0f} MB: "
            f"{'met' if out['met'] else 'NOT met'}); after {args.messages} web chat messages "
            f"{out['median_after_rss_mb']} MB, peak {out['median_peak_rss_mb']} MB; "
            f"/healthz after {out['median_ready_s']} s (median of {len(runs)})"
        )
    return 0 if out["met"] and out["all_200"] else 1


if __name__ == "__main__":
    sys.exit(main())
