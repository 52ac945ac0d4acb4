"""Every environment variable the code reads (through cers.settings.env and its helpers) is a row of README's Configuration table, with its default: a setting no one can find is one no county sets."""

from __future__ import annotations

import re
from pathlib import Path

from cers.conversation.channels import CHANNELS
from cers.settings import TWILIO_SETTINGS
from channels.config import DASHBOARD_VARIABLES
from channels.staff import TOKEN_VARIABLE

ROOT = Path(__file__).resolve().parents[2]
# env("NAME" ...) and the settings helpers that read one variable (seconds_setting("NAME", 60), ...)
READS = re.compile(r"\b(?:env|[a-z_]+_setting)\(\s*\"([A-Z][A-Z0-9_]+)\"")


def variables_read() -> set:
    names = set()
    for folder in ("cers", "channels", "actions", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(READS.findall(path.read_text(encoding="utf-8")))
    names |= set(TWILIO_SETTINGS) | set(DASHBOARD_VARIABLES) | {TOKEN_VARIABLE}
    for channel in CHANNELS.values():
        names |= set(channel.settings)
    return names


def configuration_table() -> set:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_scan_finds_the_settings_it_should():
    found = variables_read()
    assert {"DATABASE_URL", "TICKET_LOCK_LIFETIME", "SESSION_SECRET", "TWILIO_AUTH_TOKEN", "STAFF_API_TOKEN"} <= found


def test_every_variable_read_is_in_the_configuration_table():
    assert sorted(variables_read() - configuration_table()) == []
