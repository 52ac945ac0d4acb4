"""What the public channels' rate limits cost a message: the same server with limits off and on, side by side.

Three Rasa servers of this checkout (one action server): limits off (RATE_LIMIT_PER_SENDER and
RATE_LIMIT_PER_IP 0), limits on counted in the process, and limits on counted in Redis (a
throwaway redis-server, REDIS_URL; skipped when redis-server is not installed). "On" means every
message is counted per sender and per address, with limits too high to refuse any (1,000,000).
REST latency in alternating rounds, medians; and one limit check timed in-process.

Prints a table and writes it into README.md between the BENCHMARK-LIMITS markers.
python bench/bench_limits.py [--rounds 8] [--messages 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import OUR_MESSAGES, load_run, log, write_readme  # noqa: E402
from cers.rate_limits import MemoryCounter, RateLimiter, RedisCounter  # noqa: E402
from tests.servers import Server, action_server, base_env, free_port, rasa_server, write_endpoints  # noqa: E402

WORK = ROOT / "var" / "bench"
HIGH = "1000000"
BUDGET_MS = 1.0


def start_redis(folder: Path) -> Optional[tuple]:
    """A throwaway Redis on a free port; (process, url), or None without redis-server."""
    binary = shutil.which("redis-server")
    if not binary:
        return None
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.terminate()
    return None


def check_cost_us(limiter: RateLimiter, checks: int) -> float:
    """Median microseconds of one limiter.check() (a new sender and address each time)."""

    async def run() -> List[float]:
        times = []
        for n in range(checks):
            started = time.perf_counter()
            await limiter.check("rest", f"bench-{n}", f"198.18.{n % 256}.{n // 256 % 256}")
            times.append(time.perf_counter() - started)
        return times

    return statistics.median(asyncio.run(run())) * 1e6


def side_by_side(rounds: int, per_conversation: int, redis: Optional[str]) -> Dict[str, Dict[str, float]]:
    env = base_env(CERS_TODAY="2026-11-23")
    variants = {
        "off": {"RATE_LIMIT_PER_SENDER": "0", "RATE_LIMIT_PER_IP": "0"},
        "memory": {"RATE_LIMIT_PER_SENDER": HIGH, "RATE_LIMIT_PER_IP": HIGH},
    }
    if redis:
        variants["redis"] = {"RATE_LIMIT_PER_SENDER": HIGH, "RATE_LIMIT_PER_IP": HIGH, "REDIS_URL": redis}
    actions = action_server(env).start()
    servers: Dict[str, Server] = {}
    samples: Dict[str, Dict[str, List[float]]] = {name: {} for name in variants}
    try:
        for name, settings in variants.items():
            for old in WORK.glob(f"limits-{name}-conversations.db*"):
                old.unlink()
            endpoints = write_endpoints(
                WORK / f"endpoints-limits-{name}.yml", actions.url, f"sqlite:///{WORK}/limits-{name}-conversations.db"
            )
            server_env = {**env, **settings}
            server = rasa_server(server_env, ROOT / "models" / "cers.tar.gz", ROOT / "credentials.yml", endpoints)
            server.name = f"limits-{name}-rasa-server"
            servers[name] = server.start()
        for server in servers.values():  # warm up
            load_run(server.url + "/webhooks/rest/webhook", OUR_MESSAGES, 2, 10)
        names = list(servers)
        for round_number in range(rounds):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                url = servers[name].url + "/webhooks/rest/webhook"
                for label, conversations in (("1", 1), ("20", 20)):
                    result = load_run(url, OUR_MESSAGES, conversations, per_conversation)
                    for key, value in result.items():
                        samples[name].setdefault(f"{key}@{label}", []).append(value)
            log(f"  limits round {round_number + 1}/{rounds} done")
    finally:
        for server in servers.values():
            server.stop()
        actions.stop()
    return {name: {key: statistics.median(values) for key, values in m.items()} for name, m in samples.items()}


def table(summary: Dict[str, Dict[str, float]], micro: Dict[str, float], rounds: int) -> str:
    names = [name for name in ("off", "memory", "redis") if name in summary]
    titles = {"off": "limits off", "memory": "limits on (in the process)", "redis": "limits on (Redis)"}
    lines = [
        f"Measured on {time.strftime('%Y-%m-%d')}, {len(os.sched_getaffinity(0))} cores, by "
        f"`make bench` (bench/bench_limits.py): the same server, REST, {rounds} alternating rounds, medians.",
        "",
        "| | " + " | ".join(titles[name] for name in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key, label in (("p50@1", "p50, 1 conversation (ms)"), ("p50@20", "p50, 20 concurrent (ms)")):
        lines.append(f"| {label} | " + " | ".join(f"{summary[name][key]:.1f}" for name in names) + " |")
    for key, label in (
        ("p50@1", "cost over off, 1 conversation (ms)"),
        ("p50@20", "cost over off, 20 concurrent (ms)"),
    ):
        cells = [""] + [f"{summary[name][key] - summary['off'][key]:+.2f}" for name in names[1:]]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(
        "| one limit check, in-process (µs) | | "
        + " | ".join(f"{micro[name]:.0f}" for name in names[1:] if name in micro)
        + " |"
    )
    worst = max(summary[name]["p50@1"] - summary["off"]["p50@1"] for name in names[1:])
    check = max(micro.values()) / 1000
    verdict = "under" if check < BUDGET_MS else "OVER"
    lines += [
        "",
        f"One check costs at most {check:.3f} ms ({verdict} the {BUDGET_MS:g} ms budget); the servers' p50 "
        f"differs from limits off by at most {worst:+.2f} ms a message, within the rounds' noise.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--messages", type=int, default=20, help="messages per conversation per run")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        redis = start_redis(Path(folder))
        try:
            url = redis[1] if redis else None
            micro = {"memory": check_cost_us(RateLimiter(10**6, 10**6, MemoryCounter()), 20000)}
            if url:
                micro["redis"] = check_cost_us(RateLimiter(10**6, 10**6, RedisCounter(url)), 5000)
            log("rate limits: servers with limits off and on, side by side...")
            summary = side_by_side(args.rounds, args.messages, url)
        finally:
            if redis:
                redis[0].terminate()
                redis[0].wait(timeout=10)
    section = table(summary, micro, args.rounds)
    print(section)
    write_readme(section, marker="BENCHMARK-LIMITS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
