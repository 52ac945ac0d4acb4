"""Starts and stops the action server and the Rasa server for the conversation tests."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
ARTIFACTS = ROOT / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}; see {log}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up within {timeout} s; see {log}")


@dataclass
class Server:
    """One server process, its port and its log file."""

    name: str
    args: List[str]
    env: Dict[str, str]
    health_path: str
    port: int = field(default_factory=free_port)
    process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return ARTIFACTS / f"{self.name}.log"

    def start(self) -> "Server":
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        args = [arg.replace("{port}", str(self.port)) for arg in self.args]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_up(self.url + self.health_path, self.process, self.log)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def write_endpoints(path: Path, action_url: str, tracker_store_url: str, checkout: Path = ROOT) -> Path:
    """An endpoints file like the project's (same tracker store class and response generator) for a
    server under test; `checkout`: the project folder whose endpoints.yml to follow (an older one, for the bench)."""
    import yaml

    project = yaml.safe_load((checkout / "endpoints.yml").read_text())
    text = (
        f"action_endpoint:\n  url: {action_url}/webhook\n"
        f"tracker_store:\n  type: {project['tracker_store']['type']}\n  url: {tracker_store_url}\n"
    )
    if project.get("nlg"):
        text += f"nlg:\n  type: {project['nlg']['type']}\n"
    path.write_text(text)
    return path


def new_client_address() -> str:
    """A made-up client address (198.18.0.0/15 is set aside for tests)."""
    return f"198.{random.randint(18, 19)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


def base_env(**overrides: str) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONWARNINGS="ignore",
        TRUSTED_PROXIES="127.0.0.1",
        # Generous rate limits: the conversation tests and benchmarks send many messages from
        # this machine. tests/live/test_abuse_limits.py starts a server with the defaults.
        RATE_LIMIT_PER_SENDER="6000",
        RATE_LIMIT_PER_IP="100000",
    )
    env.update(overrides)
    return env


def action_server(env: Dict[str, str]) -> Server:
    return Server(
        name="action-server",
        args=[str(VENV_BIN / "python"), "-m", "actions.serve", "--port", "{port}"],
        env=env,
        health_path="/health",
    )


def rasa_server(
    env: Dict[str, str], model: Path, credentials: Path, endpoints: Path, extra_args: List[str] = ()
) -> Server:
    return Server(
        name="rasa-server",
        args=[
            str(VENV_BIN / "python"),
            "-m",
            "channels.serve",
            "run",
            "--model",
            str(model),
            "--port",
            "{port}",
            "--credentials",
            str(credentials),
            "--endpoints",
            str(endpoints),
            *extra_args,
        ],
        env=env,
        health_path="/",
    )


class Chat:
    """Talks to the REST webhook as one person (one sender id)."""

    def __init__(
        self, base_url: str, sender: str, path: str = "/webhooks/rest/webhook", headers: Optional[Dict[str, str]] = None
    ):
        self.base_url = base_url
        self.sender = sender
        self.path = path
        # Each chat comes from its own address, as people do (the servers trust 127.0.0.1 as a
        # proxy: TRUSTED_PROXIES in base_env), so one test's failed status checks never count
        # against another's client.
        self.headers = {"X-Forwarded-For": new_client_address(), **(headers or {})}

    def send(self, message: str, timeout: float = 30) -> List[dict]:
        response = requests.post(
            self.base_url + self.path,
            json={"sender": self.sender, "message": message},
            headers=self.headers,
            timeout=timeout,
        )
        response.raise_for_status()
        return response.json()

    def say(self, message: str) -> str:
        """Sends a message and returns the bot's replies as one text."""
        return "\n".join(reply.get("text", "") for reply in self.send(message))
