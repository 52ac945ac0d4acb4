"""What the public channels' rate limits cost a message: the same server with limits off and on, side by side.

Three Rasa servers of this checkout (one action server): limits off (RATE_LIMIT_PER_SENDER and
RATE_LIMIT_PER_IP 0), limits on counted in the process, and limits on counted in Redis (a
throwaway redis-server, REDIS_URL; skipped when redis-server is not installed). "On" means every
message is counted per sender and per address, with limits too high to refuse any (1,000,000).
REST latency in alternating rounds over fresh sets of servers, medians; and what the limits add
to one message, timed in-process.

Prints a table and writes it into README.md between the BENCHMARK-LIMITS markers.
python bench/bench_limits.py [--rounds 10] [--messages 20] [--restarts 2]
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import OUR_MESSAGES, log, one_conversation, write_readme  # noqa: E402
from cers.rate_limits import MemoryCounter, RateLimiter, RedisCounter  # noqa: E402
from channels.clients import client_address  # noqa: E402
from channels.limits import request_problem  # noqa: E402
from channels.text import cut_metadata  # noqa: E402
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


def added_work_us(limiter: RateLimiter, messages: int) -> float:
    """Median microseconds of what the limits add to one REST message in the server: the body
    check, the client's address, the rate-limit check, and the long-message check (the JSON is
    parsed once either way); a new sender and address for each message."""
    os.environ.setdefault("TRUSTED_PROXIES", "127.0.0.1")  # as the servers have it: X-Forwarded-For is read
    body = {"sender": "", "message": OUR_MESSAGES[0], "metadata": {"message_id": "m-1"}}

    async def run() -> List[float]:
        times = []
        for n in range(messages):
            body["sender"] = f"bench-{n}"
            started = time.perf_counter()
            request_problem(body)
            client = client_address("127.0.0.1", f"198.18.{n % 256}.{n // 256 % 256}")
            await limiter.check("rest", body["sender"], client)
            cut_metadata(body["message"])
            times.append(time.perf_counter() - started)
        return times

    return statistics.median(asyncio.run(run())) * 1e6


def one_message_latencies(url: str, conversations: int, per_conversation: int) -> List[float]:
    """Every message's latency (ms) of `conversations` conversations at once."""
    script = [OUR_MESSAGES[i % len(OUR_MESSAGES)] for i in range(per_conversation)]
    with ThreadPoolExecutor(max_workers=conversations) as pool:
        results = list(pool.map(lambda _: one_conversation(url, script), range(conversations)))
    return [t * 1000 for times in results for t in times]


def side_by_side(
    rounds: int, per_conversation: int, restarts: int, redis: Optional[str]
) -> Dict[str, Dict[str, float]]:
    """Per-message latencies of each variant's server, pooled over alternating rounds and over
    `restarts` fresh sets of servers (started in rotating order: two servers of the same code
    differ by several percent from start to start); medians."""
    env = base_env(CERS_TODAY="2026-11-23")
    variants = {
        "off": {"RATE_LIMIT_PER_SENDER": "0", "RATE_LIMIT_PER_IP": "0"},
        "memory": {"RATE_LIMIT_PER_SENDER": HIGH, "RATE_LIMIT_PER_IP": HIGH},
    }
    if redis:
        variants["redis"] = {"RATE_LIMIT_PER_SENDER": HIGH, "RATE_LIMIT_PER_IP": HIGH, "REDIS_URL": redis}
    pooled: Dict[str, Dict[str, List[float]]] = {name: {"1": [], "20": []} for name in variants}
    actions = action_server(env).start()
    try:
        for restart in range(restarts):
            names = list(variants)
            names = names[restart % len(names) :] + names[: restart % len(names)]
            servers: Dict[str, Server] = {}
            try:
                for name in names:
                    for old in WORK.glob(f"limits-{name}-conversations.db*"):
                        old.unlink()
                    endpoints = write_endpoints(
                        WORK / f"endpoints-limits-{name}.yml",
                        actions.url,
                        f"sqlite:///{WORK}/limits-{name}-conversations.db",
                    )
                    server = rasa_server(
                        {**env, **variants[name]}, ROOT / "models" / "cers.tar.gz", ROOT / "credentials.yml", endpoints
                    )
                    server.name = f"limits-{name}-rasa-server"
                    servers[name] = server.start()
                for server in servers.values():  # warm up
                    one_message_latencies(server.url + "/webhooks/rest/webhook", 2, 10)
                for round_number in range(rounds):
                    shift = round_number % len(names)
                    for name in names[shift:] + names[:shift]:
                        url = servers[name].url + "/webhooks/rest/webhook"
                        pooled[name]["1"] += one_message_latencies(url, 1, per_conversation)
                        pooled[name]["20"] += one_message_latencies(url, 20, max(2, per_conversation // 4))
                log(f"  limits: servers {restart + 1}/{restarts} done")
            finally:
                for server in servers.values():
                    server.stop()
    finally:
        actions.stop()
    return {
        name: {f"p50@{label}": statistics.median(values) for label, values in samples.items()}
        for name, samples in pooled.items()
    }


def table(summary: Dict[str, Dict[str, float]], micro: Dict[str, float], rounds: int, restarts: int) -> str:
    names = [name for name in ("off", "memory", "redis") if name in summary]
    titles = {"off": "limits off", "memory": "limits on (in the process)", "redis": "limits on (Redis)"}
    lines = [
        f"Measured on {time.strftime('%Y-%m-%d')}, {len(os.sched_getaffinity(0))} cores, by `make bench` "
        f"(bench/bench_limits.py): {restarts} sets of servers, {rounds} alternating rounds each, medians of "
        "every message's latency.",
        "",
        "| | " + " | ".join(titles[name] for name in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key, label in (("p50@1", "p50, 1 conversation (ms)"), ("p50@20", "p50, 20 concurrent (ms)")):
        lines.append(f"| {label} | " + " | ".join(f"{summary[name][key]:.1f}" for name in names) + " |")
    for key, label in (
        ("p50@1", "difference from off, 1 conversation (ms)"),
        ("p50@20", "difference from off, 20 concurrent (ms)"),
    ):
        cells = [""] + [f"{summary[name][key] - summary['off'][key]:+.2f}" for name in names[1:]]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(
        "| what the limits add to a message, in-process (ms) | | "
        + " | ".join(f"{micro[name] / 1000:.3f}" for name in names[1:] if name in micro)
        + " |"
    )
    cost = max(micro.values()) / 1000
    verdict = "under" if cost < BUDGET_MS else "OVER"
    differences = "; ".join(
        f"{titles[name]}: {summary[name]['p50@1'] - summary['off']['p50@1']:+.2f} ms (1 conversation), "
        f"{summary[name]['p50@20'] - summary['off']['p50@20']:+.2f} ms (20 concurrent)"
        for name in names[1:]
    )
    lines += [
        "",
        f"The limits add at most {cost:.3f} ms of work to a message ({verdict} the {BUDGET_MS:g} ms budget): the "
        "check of the body, the client's address, the count and the long-message check, timed in-process "
        f"(with Redis, one round trip). The servers' medians against limits off: {differences}.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--messages", type=int, default=20, help="messages per conversation per run")
    parser.add_argument("--restarts", type=int, default=2, help="fresh sets of servers, rounds pooled")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        redis = start_redis(Path(folder))
        try:
            url = redis[1] if redis else None
            micro = {"memory": added_work_us(RateLimiter(10**6, 10**6, MemoryCounter()), 20000)}
            if url:
                micro["redis"] = added_work_us(RateLimiter(10**6, 10**6, RedisCounter(url)), 5000)
            log("rate limits: servers with limits off and on, side by side...")
            summary = side_by_side(args.rounds, args.messages, args.restarts, url)
        finally:
            if redis:
                redis[0].terminate()
                redis[0].wait(timeout=10)
    section = table(summary, micro, args.rounds, args.restarts)
    print(section)
    write_readme(section, marker="BENCHMARK-LIMITS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
