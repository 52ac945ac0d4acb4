"""The cluster under test: where scripts/cluster.sh keeps it, its URLs, and what the tests do to it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List

import sqlalchemy as sa

from tests.fake_apis import FakeApis
from tests.servers import ROOT

CLUSTER_DIR = ROOT / "var" / "cluster-test"
SCRIPT = ROOT / "scripts" / "cluster.sh"
BOT_URL = "http://127.0.0.1:5005"
LOCK_LIFETIME = 5  # seconds (TICKET_LOCK_LIFETIME in the cluster)
REDIS_URL = "redis://127.0.0.1:6380/0"
TRACKER_STORE_URL = "postgresql+psycopg2://postgres@127.0.0.1:5433/cers_conversations"
PHONE = "(530) 283-6355"
TROUBLE = "having trouble"
STAFF_TOKEN = "staff-token-for-cluster-tests"


@dataclass
class Cluster:
    env: Dict[str, str]
    fakes: FakeApis
    url: str = BOT_URL
    replicas: List[str] = field(default_factory=lambda: ["rasa-1", "rasa-2"])

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
        return int((CLUSTER_DIR / f"{name}.pid").read_text().strip())

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        os.kill(self.pid(name), sig)

    def replica_url(self, name: str) -> str:
        return f"http://127.0.0.1:{5010 + int(name.split('-')[1])}"

    def events(self, sender: str) -> List[tuple]:
        """The conversation's rows in PostgreSQL: (type_name, text, message_id), in order."""
        engine = sa.create_engine(TRACKER_STORE_URL, future=True)
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

    def served(self) -> Dict[str, int]:
        """Requests haproxy has sent to each replica so far (its `rasa` and `socketio` backends)."""
        import socket

        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(CLUSTER_DIR / "haproxy.sock"))
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
