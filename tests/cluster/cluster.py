"""The cluster under test: where scripts/cluster.sh keeps it, its URLs, and what the tests do to it."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import sqlalchemy as sa

from cers.settings import load_office
from tests.fake_apis import FakeApis
from tests.servers import ROOT

SCRIPT = ROOT / "scripts" / "cluster.sh"
LOCK_LIFETIME = 5  # seconds (TICKET_LOCK_LIFETIME in the cluster)
# The office in use (office.yml, or OFFICE_FILE): the suite passes for any office.
PHONE = load_office().phone
TROUBLE = "having trouble"
STAFF_TOKEN = "staff-token-for-cluster-tests"


def free_port(count: int = 1) -> int:
    """A port p free on 127.0.0.1 with p+1 .. p+count-1 free too (a replica's port is a base + N)."""
    for _ in range(200):
        port = random.randint(20000, 45000)
        if all(_free(port + offset) for offset in range(count)):
            return port
    raise RuntimeError("no free ports")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Cluster:
    """One test run's cluster: its own folder and ports, so that two runs on one machine do not meet."""

    env: Dict[str, str]
    fakes: FakeApis
    dir: Path
    port: int  # haproxy's
    redis_port: int
    postgres_port: int
    rasa_base: int  # rasa-N listens on rasa_base + N
    replicas: List[str] = field(default_factory=lambda: ["rasa-1", "rasa-2"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def tracker_store_url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.postgres_port}/cers_conversations"

    def script(self, *args: str, timeout: float = 420) -> None:
        result = subprocess.run(
            [str(SCRIPT), *args],
            cwd=ROOT,
            env=self.env,
            timeout=timeout,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"scripts/cluster.sh {' '.join(args)} failed:\n{result.stdout[-3000:]}")

    def start(self) -> None:
        """Starts whatever is not running (a replica killed, Redis or PostgreSQL stopped)."""
        self.script("start")

    def stop(self, name: str) -> None:
        self.script("stop", name, timeout=120)

    def pid(self, name: str) -> int:
        return int((self.dir / f"{name}.pid").read_text().strip())

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        os.kill(self.pid(name), sig)

    def replica_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.rasa_base + int(name.split('-')[1])}"

    def events(self, sender: str) -> List[tuple]:
        """The conversation's rows in PostgreSQL: (type_name, text, message_id), in order."""
        return stored_events(self.tracker_store_url, sender)

    def served(self) -> Dict[str, int]:
        """Requests haproxy has sent to each replica so far (its `rasa` and `socketio` backends)."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(self.dir / "haproxy.sock"))
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        served: Dict[str, int] = {}
        for line in data.decode().splitlines():
            row = line.split(",")
            if len(row) > 7 and row[0] in ("rasa", "socketio") and row[1].startswith("rasa-"):
                served[row[1]] = served.get(row[1], 0) + int(row[7] or 0)
        return served


def stored_events(tracker_store_url: str, sender: str) -> List[tuple]:
    """A conversation's rows in the tracker store: (type_name, text, message_id), in order."""
    engine = sa.create_engine(tracker_store_url, future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("select type_name, data from events where sender_id = :s order by id"), {"s": sender}
            ).all()
    finally:
        engine.dispose()
    out = []
    for type_name, data in rows:
        event = json.loads(data)
        out.append((type_name, event.get("text"), (event.get("metadata") or {}).get("message_id")))
    return out
