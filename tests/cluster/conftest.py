"""The cluster the tests in tests/cluster talk to: scripts/cluster.sh starts it once (in var/cluster-test, fresh), and stops it at the end.

These tests run with `make test-cluster` (CERS_CLUSTER_TESTS=1), not with `make test`: they need
their own PostgreSQL, Redis, haproxy on port 5005 and two replicas. `make test` runs only
test_single_process_*.py from here (message ids on one process, with the suite's live servers).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from tests.cluster.cluster import BOT_URL, CLUSTER_DIR, LOCK_LIFETIME, SCRIPT, STAFF_TOKEN, Cluster
from tests.fake_apis import FakeApis, channel_env
from tests.servers import ROOT, base_env

CLUSTER_TESTS = os.environ.get("CERS_CLUSTER_TESTS") == "1"
collect_ignore_glob = ["test_single_process_*.py"] if CLUSTER_TESTS else ["test_cluster_*.py"]


@pytest.fixture(scope="session")
def cluster():
    if not CLUSTER_TESTS:
        pytest.skip("the cluster tests run with `make test-cluster`")
    fakes = FakeApis().start()
    env = base_env(
        CLUSTER_DIR=str(CLUSTER_DIR),
        REPLICAS="2",
        TICKET_LOCK_LIFETIME=str(LOCK_LIFETIME),
        # The public rate limits would refuse this load (abuse-resistance): off for these tests.
        RATE_LIMIT_PER_SENDER="0",
        RATE_LIMIT_PER_IP="0",
        TRUSTED_PROXIES="127.0.0.1",
        CERS_TODAY="2026-11-23",
        STAFF_API_TOKEN=STAFF_TOKEN,
    )
    env.update(channel_env(fakes.url, public_base_url=BOT_URL))
    for name in ("REDIS_URL", "DATABASE_URL", "TRACKER_STORE_URL", "ACTION_SERVER_URL"):
        env.pop(name, None)  # the script sets them
    cluster = Cluster(env, fakes)
    # A fresh cluster: no conversations or locks left from an earlier run.
    subprocess.run([str(SCRIPT), "stop"], cwd=ROOT, env=env, timeout=180, capture_output=True)
    shutil.rmtree(CLUSTER_DIR, ignore_errors=True)
    started = time.monotonic()
    cluster.start()
    print(f"\ncluster started in {time.monotonic() - started:.0f} s")
    yield cluster
    subprocess.run([str(SCRIPT), "stop"], cwd=ROOT, env=env, timeout=180, capture_output=True)
    fakes.stop()


@pytest.fixture
def whole_cluster(cluster):
    """The cluster with every process running (a test before may have killed one)."""
    cluster.start()
    return cluster
