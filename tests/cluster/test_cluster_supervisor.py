"""make cluster's supervisor (scripts/cluster.sh run) and a process stopped on purpose: `scripts/cluster.sh stop redis` while the supervisor runs leaves Redis stopped (not started again behind the operator's back, no second redis-server without a pid file), and `start` brings it back."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import requests

from tests.cluster.cluster import SCRIPT
from tests.servers import ROOT


def redis_servers(cluster) -> list:
    """The cluster's redis-server processes (redis shows its port in its process title)."""
    found = subprocess.run(
        ["pgrep", "-f", f"redis-server .*:{cluster.redis_port}\\b"], capture_output=True, text=True
    ).stdout
    return [int(pid) for pid in found.split()]


def answers_again(cluster, seconds: float = 60) -> None:
    """Each replica answers properly again (its first use of a Redis connection from before the
    restart may fail: the person hears "having trouble", the pool reconnects)."""
    for name in cluster.replicas:
        deadline, good = time.monotonic() + seconds, 0
        while good < 3:
            reply = requests.post(
                f"{cluster.replica_url(name)}/webhooks/rest/webhook",
                json={"sender": f"after-{uuid.uuid4().hex[:8]}", "message": "how do I add a user?"},
                timeout=30,
            ).json()
            answered = any("Add a Person" in (message.get("text") or "") for message in reply)
            good = good + 1 if answered else 0
            assert time.monotonic() < deadline, f"{name} still does not answer: {reply}"
            if not answered:
                time.sleep(1)


def test_a_process_stopped_on_purpose_stays_stopped_under_the_supervisor(whole_cluster):
    cluster = whole_cluster
    log = open(cluster.dir / "supervisor-test.log", "w")
    supervisor = subprocess.Popen([str(SCRIPT), "run"], cwd=ROOT, env=cluster.env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while (
            not (cluster.dir / "supervisor.pid").exists()
            or "Press Ctrl-C" not in (cluster.dir / "supervisor-test.log").read_text()
        ):
            assert supervisor.poll() is None and time.monotonic() < deadline, (
                cluster.dir / "supervisor-test.log"
            ).read_text()
            time.sleep(0.5)
        assert len(redis_servers(cluster)) == 1

        cluster.stop("redis")
        time.sleep(8)  # the supervisor looks every 3 seconds
        assert supervisor.poll() is None
        assert redis_servers(cluster) == [], "the supervisor started Redis again behind the operator's back"
        assert not (cluster.dir / "redis.pid").exists()
        assert "starting it again" not in (cluster.dir / "supervisor-test.log").read_text().split("redis stopped")[-1]

        cluster.start()  # the operator's way back
        assert len(redis_servers(cluster)) == 1 and (cluster.dir / "redis.pid").exists()
        time.sleep(4)
        assert len(redis_servers(cluster)) == 1  # and the supervisor did not start a second one
        answers_again(cluster)
    finally:
        # The supervisor goes without its Ctrl-C handler (which would stop the whole cluster the
        # other tests share): SIGKILL, then its pid file.
        os.kill(supervisor.pid, signal.SIGKILL)
        supervisor.wait(timeout=10)
        (cluster.dir / "supervisor.pid").unlink(missing_ok=True)
        log.close()
