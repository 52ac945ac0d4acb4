"""The website widget's latency: time from pressing Enter to the rendered reply, in a real
browser (Debian's chromium), median of 20 questions (web/bench/widget_latency.mjs).

Starts its own action server, Rasa server (as `make run` does, with --cors "*") and demo page
on free ports. Prints the median in ms; --json prints every number.

    .venv/bin/python bench/bench_widget.py [--rounds 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import Server, action_server, base_env, rasa_server, write_endpoints  # noqa: E402

MODEL = ROOT / "models" / "cers.tar.gz"


def measure(rounds: int) -> dict:
    subprocess.run([str(ROOT / "scripts" / "browser_for_tests.sh")], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="cers-bench-widget-") as work:
        env = base_env()
        actions = action_server(env).start()
        servers = [actions]
        try:
            endpoints = write_endpoints(Path(work) / "endpoints.yml", actions.url, f"sqlite:///{work}/conversations.db")
            rasa = rasa_server(env, MODEL, ROOT / "credentials.yml", endpoints, extra_args=["--cors", "*"])
            servers.append(rasa.start())
            demo = Server(
                name="demo-page",
                env=env,
                health_path="/",
                args=[sys.executable, "scripts/serve_demo.py", "--port", "{port}", "--bot-url", rasa.url],
            )
            servers.append(demo.start())
            run = subprocess.run(
                ["node", "bench/widget_latency.mjs"],
                cwd=ROOT / "web",
                check=True,
                capture_output=True,
                text=True,
                timeout=900,
                env={**os.environ, "DEMO_URL": demo.url + "/", "ROUNDS": str(rounds)},
            )
            return json.loads(run.stdout.strip().splitlines()[-1])
        finally:
            for server in reversed(servers):
                server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print every number as JSON")
    args = parser.parse_args()
    result = measure(args.rounds)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"widget: Enter to rendered reply, median of {result['rounds']}: {result['median_ms']:.0f} ms "
            f"(min {result['min_ms']:.0f}, max {result['max_ms']:.0f})"
        )


if __name__ == "__main__":
    main()
