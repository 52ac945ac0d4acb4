"""Which channel needs which environment variables, and which channels are on (`python -m channels.config`).

No secret is written in credentials.yml: each channel with secrets reads them from the
environment itself (Rasa's ${VAR} substitution in credentials.yml fails when a variable is
not set, and a channel whose secrets are not set must simply be off). A channel whose
variables are missing still loads, but registers no webhook: it answers 404.
"""

from __future__ import annotations

import sys
from typing import List, Optional

import yaml

from cers.conversation.channels import CHANNELS, REST, SLACK, SMS, STAFF_WEBHOOK, WIDGET, by_class_path
from cers.settings import env

# Channels that also bring the dashboard at /staff/, and what it needs.
DASHBOARD_CARRIERS = ("channels.dashboard.WebsiteInput",)
DASHBOARD_VARIABLES = ["SESSION_SECRET"]
DASHBOARD_LABEL = "Staff dashboard"


def missing(class_path: str) -> List[str]:
    """The variables a channel still needs (its settings in the registry, cers/conversation/channels.py); [] when it is on."""
    channel = by_class_path(class_path)
    return [name for name in (channel.settings if channel else ()) if not env(name)]


def off_blueprint(name: str):
    """The routes of a channel that is off: a health check that says so, and no webhook (404)."""
    from sanic import Blueprint, response

    blueprint = Blueprint(name, __name__)

    @blueprint.route("/", methods=["GET"])
    async def health(_):
        return response.json({"status": "off"})

    return blueprint


def report(credentials_file: str, rasa_url: str = "", demo_url: str = "") -> str:
    """One line per channel listed in credentials_file: on, or off and what to set."""
    with open(credentials_file, encoding="utf-8") as handle:
        listed = list((yaml.safe_load(handle) or {}).keys())
    lines = ["Channels:"]
    for class_path in listed:
        channel = by_class_path(class_path)
        label = channel.display_name if channel else class_path
        needs = missing(class_path)
        if needs:
            lines.append(f"  {label:<15} off  (set {', '.join(needs)})")
            continue
        where = _where(channel.name if channel else "", rasa_url, demo_url)
        lines.append(f"  {label:<15} on   {where}".rstrip())
    if any(class_path in DASHBOARD_CARRIERS for class_path in listed):
        lines.append(dashboard_line(rasa_url))
    lines.append("  (how to set each one up: docs/channels.md)")
    from channels.security import public_origin_warning

    warning = public_origin_warning()
    if warning:
        lines.append(f"  {warning}")
    return "\n".join(lines)


def dashboard_line(rasa_url: str = "") -> str:
    """The office's dashboard: on (where), or off and what it needs (SESSION_SECRET, a staff account)."""
    needs = [name for name in DASHBOARD_VARIABLES if not env(name)]
    if needs:
        return f"  {DASHBOARD_LABEL:<15} off  (set {', '.join(needs)})"
    accounts = _staff_accounts_exist()
    if not accounts:
        why = "no staff account yet" if accounts is False else "cannot read the staff accounts: make migrate?"
        return f"  {DASHBOARD_LABEL:<15} off  ({why}; make staff-user NAME=your.name)"
    base = env("PUBLIC_BASE_URL").rstrip("/") or rasa_url
    return f"  {DASHBOARD_LABEL:<15} on   " + (f"{base}/staff/ (staff sign-in)" if base else "/staff/")


def _staff_accounts_exist() -> Optional[bool]:
    """Whether the dashboard has a staff account to sign in with; None when the database cannot say."""
    try:
        from cers.dashboard.accounts import AccountStore

        store = AccountStore()
        try:
            return store.has_accounts()
        finally:
            store.dispose()
    except Exception:
        return None


def _where(name: str, rasa_url: str, demo_url: str) -> str:
    if not rasa_url:
        return ""
    base = env("PUBLIC_BASE_URL").rstrip("/") or rasa_url
    channel = CHANNELS.get(name)
    webhook = channel.webhook if channel else None
    if name == WIDGET:
        return f"{rasa_url}/widget.js" + (f"  (demo page: {demo_url})" if demo_url else "")
    if not webhook:
        return ""
    return {
        REST: f"POST {rasa_url}{webhook}",
        SMS: f"Twilio webhook: {base}{webhook}",
        SLACK: f"Slack request URL: {base}{webhook}",
        STAFF_WEBHOOK: f"POST {rasa_url}{webhook} (Authorization: Bearer $STAFF_API_TOKEN)",
    }.get(name, f"{base}{webhook}")


def main(argv: Optional[List[str]] = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("credentials", nargs="?", default="credentials.yml")
    parser.add_argument("--rasa-url", default="")
    parser.add_argument("--demo-url", default="")
    args = parser.parse_args(argv)
    print(report(args.credentials, args.rasa_url, args.demo_url))


if __name__ == "__main__":
    main(sys.argv[1:])
