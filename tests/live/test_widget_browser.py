"""The chat widget in a real browser: runs web/tests/widget.test.mjs (node:test + playwright-core
driving Debian's chromium) against the live bot and the demo page.

scripts/browser_for_tests.sh installs chromium and web/node_modules when missing. The node
tests end by stopping the live Rasa server (to see the "cannot be reached" message); this test
starts it again for the tests that follow.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cers.settings import load_office
from cers.templates import templates, translated_responses
from tests.servers import ROOT, Server, base_env

SCREENSHOTS = ROOT / "tests" / "screenshots"


@pytest.fixture(scope="session")
def browser_ready():
    setup = subprocess.run(
        [str(ROOT / "scripts" / "browser_for_tests.sh")], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    if setup.returncode != 0:
        pytest.fail(f"browser setup failed:\n{setup.stdout}\n{setup.stderr}")


@pytest.fixture(scope="session")
def demo_page(live):
    """The demo page (web/demo/index.html) on its own port: a different origin from the bot's."""
    server = Server(
        name="demo-page",
        args=[sys.executable, "scripts/serve_demo.py", "--port", "{port}", "--bot-url", live["rasa"].url],
        env=base_env(),
        health_path="/",
    ).start()
    yield server.url + "/"
    server.stop()


def test_widget_in_a_real_browser(live, browser_ready, demo_page):
    rasa = live["rasa"]
    office = load_office()
    env = base_env(
        BOT_URL=rasa.url,
        DEMO_URL=demo_page,
        RASA_PID=str(rasa.process.pid),
        SCREENSHOT_DIR=str(SCREENSHOTS),
        OFFICE_NAME=office.name,
        OFFICE_PHONE=office.phone,
        # The page in Spanish (web/demo/es.html): the widget's Spanish words and the greeting's end.
        WIDGET_TEXTS_ES=json.dumps(templates("widget", "es")),
        GREETING_ES=translated_responses("es")["utter_greet"][0]["text"].strip().splitlines()[-1],
    )
    try:
        run = subprocess.run(
            ["node", "--test", "--test-reporter=spec", "tests/widget.test.mjs"],
            cwd=ROOT / "web",
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        # The node tests stop the bot on purpose (it may still be shutting down): wait for
        # it to end, and start it again for the tests that follow.
        rasa.restart()
    print(run.stdout[-20000:])
    assert run.returncode == 0, f"widget browser tests failed:\n{run.stdout[-20000:]}\n{run.stderr[-5000:]}"
    assert (SCREENSHOTS / "widget-360px.png").exists()
