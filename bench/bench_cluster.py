"""`make bench-cluster`: the cluster (haproxy, PostgreSQL, Redis; 1 and 2 replicas) against the single process (`make run`: SQLite, no Redis), side by side on this machine, for docs/deploy.md's capacity plan.

All three run at once and take turns (alternating rounds; the order rotates each round), so a
busy machine slows each alike; the figures are medians over the rounds. "1 replica" is the same
cluster with rasa-2 put in maintenance in haproxy (every request to rasa-1), so the two cluster
figures differ only in the replicas serving. The Redis lock's cost per message is measured
in-process: taking and releasing a conversation's lock with channels/lock_store.py's
RedisTicketLockStore against Rasa's InMemoryLockStore, one conversation and 20 at once. Memory is
each process's resident set after the rounds.

Writes the table into docs/deploy.md between the BENCH-CLUSTER markers, deploy/sizes.json (the
memory the Kubernetes manifests must request: make deploy-check holds them to it) and
var/bench/cluster.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import OUR_MESSAGES, load_run, log, rss_mb  # noqa: E402
from tests.servers import action_server, base_env, rasa_server, write_endpoints  # noqa: E402

WORK = ROOT / "var" / "bench"
CLUSTER_DIR = ROOT / "var" / "cluster-bench"
SCRIPT = ROOT / "scripts" / "cluster.sh"
# Ports of their own, so that a cluster of the tests or of `make cluster` can run beside it.
PORTS = dict(
    CLUSTER_PORT="5105",
    CLUSTER_POSTGRES_PORT="5533",
    CLUSTER_REDIS_PORT="6480",
    CLUSTER_RASA_PORT_BASE="5110",
    CLUSTER_ACTIONS_PORT_BASE="5160",
    DEMO_PORT="8180",
)
CONFIGS = ("single process", "cluster, 1 replica", "cluster, 2 replicas")


def common_env() -> Dict[str, str]:
    # Benchmarks turn the public rate limits off (README, "Security").
    return base_env(CERS_TODAY="2026-11-23", RATE_LIMIT_PER_SENDER="0", RATE_LIMIT_PER_IP="0")


def cluster_env() -> Dict[str, str]:
    env = common_env()
    for name in ("REDIS_URL", "DATABASE_URL", "TRACKER_STORE_URL", "ACTION_SERVER_URL"):
        env.pop(name, None)  # the script sets them
    env.update(PORTS, CLUSTER_DIR=str(CLUSTER_DIR), REPLICAS="2", TRUSTED_PROXIES="127.0.0.1")
    return env


def cluster(*args: str) -> None:
    subprocess.run([str(SCRIPT), *args], cwd=ROOT, env=cluster_env(), check=True, timeout=600)


def haproxy(command: str) -> str:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(CLUSTER_DIR / "haproxy.sock"))
        sock.sendall(command.encode() + b"\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data.decode()


def serving(replicas: int) -> None:
    """haproxy sends requests to rasa-1 only (1) or to both (2)."""
    state = "ready" if replicas == 2 else "maint"
    haproxy(f"set server rasa/rasa-2 state {state}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = [line.split(",") for line in haproxy("show stat").splitlines() if line.startswith("rasa,rasa-")]
        up = sum(1 for row in rows if row[17].startswith("UP"))
        if up == replicas:
            return
        time.sleep(0.2)
    raise RuntimeError(f"haproxy did not get to {replicas} replicas serving")


def pid(name: str) -> int:
    return int((CLUSTER_DIR / f"{name}.pid").read_text().strip())


def postgres_rss_mb() -> float:
    """PostgreSQL's server and its processes (shared buffers counted in each that touched them: an upper bound)."""
    server = pid("postgres")
    children = subprocess.run(["pgrep", "-P", str(server)], capture_output=True, text=True).stdout.split()
    return rss_mb(server) + sum(rss_mb(int(child)) for child in children)


# ------------------------------------------------------------------ the lock's cost
async def lock_cost(redis_url: str, rounds: int) -> Dict[str, float]:
    """Milliseconds to take and release a conversation's lock: Redis ticket lock vs in-memory, alone and 20 at once."""
    from rasa.core.lock_store import InMemoryLockStore

    from channels.lock_store import RedisTicketLockStore

    stores = {"redis": RedisTicketLockStore(url=redis_url, lock_lifetime=10), "memory": InMemoryLockStore()}

    async def one(store, sender: str, times: List[float]) -> None:
        started = time.perf_counter()
        async with store.lock(sender):
            pass
        times.append(time.perf_counter() - started)

    samples: Dict[str, List[float]] = {}
    for round_number in range(rounds):
        for name in list(stores) if round_number % 2 == 0 else list(reversed(list(stores))):
            store = stores[name]
            alone: List[float] = []
            for _ in range(200):
                await one(store, f"bench-{uuid.uuid4().hex[:8]}", alone)
            together: List[float] = []
            started = time.perf_counter()
            for _ in range(10):
                await asyncio.gather(*(one(store, f"bench-{uuid.uuid4().hex[:8]}", together) for _ in range(20)))
            per_message = (time.perf_counter() - started) / len(together)
            samples.setdefault(f"{name}@1", []).append(statistics.median(alone) * 1000)
            samples.setdefault(f"{name}@20", []).append(per_message * 1000)
    await stores["redis"].redis.close()
    return {key: statistics.median(values) for key, values in samples.items()}


# ------------------------------------------------------------------ report
def report(results: dict) -> str:
    latency, memory, lock = results["latency"], results["memory"], results["lock"]
    lines = [
        f"Measured on {results['date']} by `make bench-cluster`, on this 2-core machine, with other "
        f"engineers' tests running on it ({results['load']}). All three ran at once, taking turns "
        f"({results['rounds']} alternating rounds of {results['messages']} messages per conversation); medians:",
        "",
        "| | " + " | ".join(CONFIGS) + " |",
        "|---|" + "---|" * len(CONFIGS),
    ]
    for key, label in (
        ("p50@1", "p50, 1 conversation (ms)"),
        ("p95@1", "p95, 1 conversation (ms)"),
        ("throughput@1", "throughput, 1 conversation (msg/s)"),
        ("p50@20", "p50, 20 conversations at once (ms)"),
        ("p95@20", "p95, 20 conversations at once (ms)"),
        ("throughput@20", "throughput, 20 conversations at once (msg/s)"),
    ):
        lines.append(f"| {label} | " + " | ".join(f"{latency[c][key]:.1f}" for c in CONFIGS) + " |")
    lines += [
        "",
        f"The Redis lock per message (in-process, {results['rounds']} alternating rounds): "
        f"{lock['redis@1']:.2f} ms to take and release it alone (in memory: {lock['memory@1']:.3f} ms), "
        f"{lock['redis@20']:.2f} ms per message with 20 conversations at once (in memory: {lock['memory@20']:.3f} ms).",
        "",
        "Reading it: for a lone conversation the cluster adds "
        f"{latency[CONFIGS[1]]['p50@1'] - latency[CONFIGS[0]]['p50@1']:.1f} ms per message to the single "
        "process (p50): haproxy, PostgreSQL instead of SQLite, and the Redis lock "
        f"({lock['redis@1']:.1f} ms of it). With two replicas a lone conversation's messages alternate (haproxy takes turns between idle replicas) "
        "between them, and each replica re-reads from PostgreSQL a conversation the other one wrote to "
        "(channels/tracker_store.py): the difference between the first two cluster columns "
        f"({latency[CONFIGS[2]]['p50@1'] - latency[CONFIGS[1]]['p50@1']:+.1f} ms). With 20 conversations at "
        f"once, two replicas answered {latency[CONFIGS[2]]['throughput@20'] / latency[CONFIGS[1]]['throughput@20']:.2f}x "
        f"the messages of one, p95 {latency[CONFIGS[1]]['p95@20']:.0f} to {latency[CONFIGS[2]]['p95@20']:.0f} ms: "
        "not twice, because here both share 2 cores with PostgreSQL, the action servers, haproxy and the "
        "load generator; replicas on cores of their own share only PostgreSQL and Redis.",
        "",
        "Resident memory after the rounds (MB): "
        + ", ".join(f"{name} {value:.0f}" for name, value in memory.items())
        + ".",
    ]
    return "\n".join(lines)


# The peak-load estimate docs/deploy.md plans for. Estimates, not counts: a county replaces
# FACILITIES with its own (CERS's regulated-facility count for its jurisdiction).
FACILITIES = {"a small county (Plumas-sized)": 1_000, "a large county": 40_000, "the whole state": 200_000}
SHARE_IN_PEAK_WEEK = 0.25  # of facilities start a conversation in the week before March 1
BUSIEST_DAY = 0.30  # of that week's conversations on its busiest day
BUSIEST_HOUR = 0.20  # of that day's in its busiest hour (office hours)
MESSAGES_PER_CONVERSATION = 12  # a status check and a walkthrough (the load tests send 10)
BURST = 3  # the busiest minutes of that hour, against its average
HEADROOM = 0.5  # plan each replica at half the throughput it reached
EVENT_BYTES_PER_MESSAGE = 3_500  # PostgreSQL, events table with its indexes (measured: see docs/deploy.md)


def sizes_section(results: dict) -> str:
    """docs/deploy.md's capacity plan, from this run's measurements and the estimate above."""
    one = results["latency"]["cluster, 1 replica"]
    two = results["latency"]["cluster, 2 replicas"]
    per_replica = one["throughput@20"]
    plan = per_replica * HEADROOM
    memory = results["memory"]
    rasa_mb = max(memory["rasa-1"], memory["rasa-2"])
    actions_mb = max(memory["actions-1"], memory["actions-2"])
    lines = [
        "The estimate of the peak (change it in bench/bench_cluster.py, or redo the sums with your own "
        "numbers): in the week before March 1, "
        f"{SHARE_IN_PEAK_WEEK:.0%} of facilities start a conversation; {BUSIEST_DAY:.0%} of that week's "
        f"come on its busiest day, {BUSIEST_HOUR:.0%} of that day's in its busiest hour, and its busiest "
        f"minutes run at {BURST}x that hour's average; {MESSAGES_PER_CONVERSATION} messages per conversation "
        "(a status check and a walkthrough). Facility counts are round estimates: use your jurisdiction's "
        "count from CERS.",
        "",
        f'Measured here ("Measurements" below): one replica answered {per_replica:.0f} messages a second '
        f"with 20 conversations at once (p95 {one['p95@20']:.0f} ms), two {two['throughput@20']:.0f} "
        "(p95 " + f"{two['p95@20']:.0f} ms), on 2 cores shared with PostgreSQL, Redis, haproxy, the action "
        f"servers and other work. The plan counts {plan:.0f} messages a second per replica (half of that), "
        "and one replica more than the load needs, so that an upgrade or a crash leaves enough.",
        "",
        "| | facilities | conversations, peak week | messages/s, busiest minutes | Rasa replicas | "
        "action servers | memory, bot (GiB) | PostgreSQL, a year of conversations |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, facilities in FACILITIES.items():
        week = facilities * SHARE_IN_PEAK_WEEK
        peak = week * BUSIEST_DAY * BUSIEST_HOUR * MESSAGES_PER_CONVERSATION / 3600 * BURST
        replicas = max(2, int(-(-peak // plan)) + 1)
        actions = replicas
        gib = (replicas * 1024 + actions * 192) / 1024  # the manifests' requests: 1 GiB and 192 MiB
        # A year: about as many conversations again as the peak week, spread over the other months (estimate).
        year_gb = 2 * week * MESSAGES_PER_CONVERSATION * EVENT_BYTES_PER_MESSAGE / 1e9
        lines.append(
            f"| {name} | {facilities:,} | {week:,.0f} | {peak:.1f} | {replicas} | {actions} | {gib:.1f} | "
            f"{max(year_gb, 0.1):.1f} GB |"
        )
    lines += [
        "",
        f"Memory per process, measured after the load: a Rasa replica {rasa_mb:.0f} MB (the model; it does "
        f"not grow with traffic), an action server {actions_mb:.0f} MB with the demo's 31 facilities, plus "
        "its facility name index, about 10 MB per 10,000 facilities (38 MB measured for 40,000: for the "
        "whole state's records in one database, raise the action servers to 384 MiB, limit 512 MiB), "
        "PostgreSQL under 0.5 GB, Redis about 10 MB. The manifests request 1 GiB "
        "per Rasa replica (limit 1.5 GiB) and 192 MiB per action server (limit 384 MiB); make deploy-check "
        "holds them to deploy/sizes.json, which this benchmark writes. Add PostgreSQL (1 GiB, 2 cores for "
        "the state) and Redis (256 MiB) when they run beside the bot.",
    ]
    return "\n".join(lines)


def write_between_markers(path: Path, marker: str, section: str) -> bool:
    text = path.read_text(encoding="utf-8")
    start, end = f"<!-- {marker}:START -->", f"<!-- {marker}:END -->"
    if start not in text or end not in text:
        return False
    before, rest = text.split(start, 1)
    path.write_text(f"{before}{start}\n{section}\n{end}{rest.split(end, 1)[1]}", encoding="utf-8")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=20, help="messages per conversation in each run")
    parser.add_argument("--report-only", action="store_true", help="rewrite docs/deploy.md from var/bench/cluster.json")
    args = parser.parse_args()
    if args.report_only:
        results = json.loads((WORK / "cluster.json").read_text())
        write_between_markers(ROOT / "docs" / "deploy.md", "SIZES", sizes_section(results))
        write_between_markers(ROOT / "docs" / "deploy.md", "BENCH-CLUSTER", report(results))
        return 0
    WORK.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    env = common_env()
    log("starting the single process (SQLite, as make run) and the cluster (var/cluster-bench)...")
    for old in WORK.glob("single-conversations.db*"):
        old.unlink()
    actions = action_server(env).start()
    endpoints = write_endpoints(WORK / "endpoints-single.yml", actions.url, f"sqlite:///{WORK}/single-conversations.db")
    single = rasa_server(env, ROOT / "models" / "cers.tar.gz", ROOT / "credentials.yml", endpoints).start()
    subprocess.run([str(SCRIPT), "stop"], cwd=ROOT, env=cluster_env(), timeout=300, capture_output=True)
    shutil.rmtree(CLUSTER_DIR, ignore_errors=True)
    try:
        cluster("start")
        urls = {
            "single process": single.url + "/webhooks/rest/webhook",
            "cluster, 1 replica": f"http://127.0.0.1:{PORTS['CLUSTER_PORT']}/webhooks/rest/webhook",
            "cluster, 2 replicas": f"http://127.0.0.1:{PORTS['CLUSTER_PORT']}/webhooks/rest/webhook",
        }
        for config in CONFIGS:  # warm up every replica
            load_run(urls[config], OUR_MESSAGES, 4, 10)
        samples: Dict[str, Dict[str, List[float]]] = {config: {} for config in CONFIGS}
        for round_number in range(args.rounds):
            order = CONFIGS[round_number % 3 :] + CONFIGS[: round_number % 3]
            for config in order:
                if config.startswith("cluster"):
                    serving(1 if "1 replica" in config else 2)
                for label, conversations in (("1", 1), ("20", 20)):
                    result = load_run(urls[config], OUR_MESSAGES, conversations, args.messages)
                    for key, value in result.items():
                        samples[config].setdefault(f"{key}@{label}", []).append(value)
            log(f"  round {round_number + 1}/{args.rounds} done")
        serving(2)
        memory = {
            "single process": rss_mb(single.process.pid),
            "its action server": rss_mb(actions.process.pid),
            "rasa-1": rss_mb(pid("rasa-1")),
            "rasa-2": rss_mb(pid("rasa-2")),
            "actions-1": rss_mb(pid("actions-1")),
            "actions-2": rss_mb(pid("actions-2")),
            "PostgreSQL (all its processes)": postgres_rss_mb(),
            "Redis": rss_mb(pid("redis")),
        }
        log("the Redis lock's cost...")
        lock = asyncio.run(lock_cost(f"redis://127.0.0.1:{PORTS['CLUSTER_REDIS_PORT']}/0", args.rounds))
    finally:
        single.stop()
        actions.stop()
        subprocess.run([str(SCRIPT), "stop"], cwd=ROOT, env=cluster_env(), timeout=300, capture_output=True)
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "load": f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
        "rounds": args.rounds,
        "messages": args.messages,
        "latency": {
            config: {key: statistics.median(values) for key, values in metrics.items()}
            for config, metrics in samples.items()
        },
        "memory": memory,
        "lock": lock,
    }
    (WORK / "cluster.json").write_text(json.dumps(results, indent=2))
    section = report(results)
    print()
    print(section)
    sizes = {
        "about": json.loads((ROOT / "deploy" / "sizes.json").read_text())["about"],
        "rasa_rss_mb": round(max(memory["rasa-1"], memory["rasa-2"], memory["single process"])),
        "actions_rss_mb": round(max(memory["actions-1"], memory["actions-2"], memory["its action server"])),
        "measured": f"{results['date']}, make bench-cluster (the largest of the replicas and the single process)",
    }
    (ROOT / "deploy" / "sizes.json").write_text(json.dumps(sizes, indent=2) + "\n")
    write_between_markers(ROOT / "docs" / "deploy.md", "SIZES", sizes_section(results))
    if write_between_markers(ROOT / "docs" / "deploy.md", "BENCH-CLUSTER", section):
        print("\n(written into docs/deploy.md and deploy/sizes.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
