"""The cluster the tests in tests/cluster talk to: scripts/cluster.sh starts it once, in a folder and on ports of its own, and stops it at the end.

These tests run with `make test-cluster` (CERS_CLUSTER_TESTS=1), not with `make test`: they need
their own PostgreSQL, Redis, haproxy and two replicas. `make test` runs only
test_single_process_*.py from here (message ids on one process, with the suite's live servers).
Each run has its own folder (CERS_CLUSTER_DIR, which `make test-cluster` names, else
var/cluster-test/run-<pid>) and free ports, so two runs on one machine (or a `make cluster`
beside them) never meet.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.cluster.cluster import LOCK_LIFETIME, SCRIPT, STAFF_TOKEN, Cluster, free_port
from tests.fake_apis import FakeApis, channel_env
from tests.servers import ROOT, base_env

CLUSTER_TESTS = os.environ.get("CERS_CLUSTER_TESTS") == "1"
collect_ignore_glob = ["test_single_process_*.py"] if CLUSTER_TESTS else ["test_cluster_*.py"]
REPLICAS = 2


@pytest.fixture(scope="session")
def cluster():
    if not CLUSTER_TESTS:
        pytest.skip("the cluster tests run with `make test-cluster`")
    folder = Path(os.environ.get("CERS_CLUSTER_DIR") or ROOT / "var" / "cluster-test" / f"run-{os.getpid()}")
    folder = folder if folder.is_absolute() else ROOT / folder
    shutil.rmtree(folder, ignore_errors=True)  # fresh: no conversations or locks from an earlier run
    fakes = FakeApis().start()
    cluster = Cluster(
        env={},
        fakes=fakes,
        dir=folder,
        port=free_port(),
        redis_port=free_port(),
        postgres_port=free_port(),
        rasa_base=free_port(REPLICAS + 1),
    )
    actions_base = free_port(REPLICAS + 1)
    cluster.env = base_env(
        CLUSTER_DIR=str(folder),
        REPLICAS=str(REPLICAS),
        CLUSTER_PORT=str(cluster.port),
        CLUSTER_REDIS_PORT=str(cluster.redis_port),
        CLUSTER_POSTGRES_PORT=str(cluster.postgres_port),
        CLUSTER_RASA_PORT_BASE=str(cluster.rasa_base),
        CLUSTER_ACTIONS_PORT_BASE=str(actions_base),
        DEMO_PORT=str(free_port()),
        TICKET_LOCK_LIFETIME=str(LOCK_LIFETIME),
        # The public rate limits would refuse this load (abuse-resistance): off for these tests.
        RATE_LIMIT_PER_SENDER="0",
        RATE_LIMIT_PER_IP="0",
        TRUSTED_PROXIES="127.0.0.1",
        CERS_TODAY="2026-11-23",
        STAFF_API_TOKEN=STAFF_TOKEN,
    )
    cluster.env.update(channel_env(fakes.url, public_base_url=cluster.url))
    for name in ("REDIS_URL", "DATABASE_URL", "TRACKER_STORE_URL", "ACTION_SERVER_URL"):
        cluster.env.pop(name, None)  # the script sets them
    started = time.monotonic()
    try:
        cluster.start()
        print(f"\ncluster started in {time.monotonic() - started:.0f} s ({folder}, haproxy on {cluster.port})")
        yield cluster
    finally:
        subprocess.run([str(SCRIPT), "stop"], cwd=ROOT, env=cluster.env, timeout=180, capture_output=True)
        shutil.rmtree(folder / "postgres", ignore_errors=True)  # the logs stay, for a look after a failure
        fakes.stop()


@pytest.fixture
def whole_cluster(cluster):
    """The cluster with every process running (a test before may have killed one)."""
    cluster.start()
    return cluster
