"""The channels the bot answers on, in one registry: each one's name (InputChannel.name(), what the tracker records), who talks on it, how it is shown, what it can display, its class in credentials.yml, the settings it needs and its webhook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class Channel:
    name: str  # what the Rasa input channel calls itself
    display_name: str  # on the dashboard and in handoff posts
    staff: bool = False  # True: the server authenticated office staff (look-ups, lists)
    live_chat: bool = False  # True: staff replies can reach the person while they wait
    plain_text: bool = False  # True: no buttons or links (numbered choices instead)
    webhook: Optional[str] = None  # its address on the bot's server, if it has one
    # Its input channel classes, as credentials.yml names them (the widget's comes in two: alone,
    # and with the staff dashboard).
    class_paths: Tuple[str, ...] = ()
    # The environment variables it needs to be on (without them it loads, but has no webhook).
    settings: Tuple[str, ...] = ()


# The names the input channels give themselves. A conversation is a staff conversation when its
# latest message came in on a staff channel: the server decides, from the channel it authenticated.
REST = "rest"
WIDGET = "socketio"
SMS = "twilio"
STAFF_WEBHOOK = "staff"
SLACK = "slack"

CHANNELS: Dict[str, Channel] = {
    channel.name: channel
    for channel in (
        Channel(REST, "REST", webhook="/webhooks/rest/webhook", class_paths=("channels.rest.RestInput",)),
        Channel(
            WIDGET,
            "Website widget",
            live_chat=True,
            class_paths=("channels.web.WidgetInput", "channels.dashboard.WebsiteInput"),
        ),
        Channel(
            SMS,
            "SMS",
            live_chat=True,
            plain_text=True,
            webhook="/webhooks/twilio/webhook",
            class_paths=("channels.sms.SmsInput",),
            settings=("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER", "PUBLIC_BASE_URL"),
        ),
        Channel(
            STAFF_WEBHOOK,
            "Staff webhook",
            staff=True,
            webhook="/webhooks/staff/webhook",
            class_paths=("channels.staff.StaffInput",),
            settings=("STAFF_API_TOKEN",),
        ),
        Channel(
            SLACK,
            "Slack (staff)",
            staff=True,
            webhook="/webhooks/slack/webhook",
            class_paths=("channels.slack.StaffSlackInput",),
            settings=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
        ),
    )
}
# The built-in channels by role (a channel added with register() is asked with is_staff_channel).
STAFF_CHANNELS = frozenset(name for name, channel in CHANNELS.items() if channel.staff)
PUBLIC_CHANNELS = frozenset(name for name, channel in CHANNELS.items() if not channel.staff)


def register(channel: Channel) -> None:
    """Adds a channel (docs/architecture.md, "Adding a channel"): its role and name are then known
    to the actions, the dashboard and the handoff relay."""
    if channel.name in CHANNELS and CHANNELS[channel.name] != channel:
        raise ValueError(f"a channel named {channel.name!r} is already registered")
    CHANNELS[channel.name] = channel


def by_class_path(class_path: str) -> Optional[Channel]:
    """The channel whose input channel class credentials.yml names so."""
    return next((channel for channel in CHANNELS.values() if class_path in channel.class_paths), None)


def display_name(name: Optional[str]) -> str:
    channel = CHANNELS.get(name or "")
    return channel.display_name if channel else (name or "unknown")


def is_staff_channel(name: Optional[str]) -> bool:
    channel = CHANNELS.get(name or "")
    return bool(channel and channel.staff)
