"""Which channels are staff channels: the one place the Rasa server's channels and the actions both read."""

from __future__ import annotations

# The names the input channels give themselves (InputChannel.name(), what
# tracker.get_latest_input_channel() returns). A conversation is a staff conversation when its
# latest message came in on a staff channel: the server decides, from the channel it authenticated.
REST = "rest"
WIDGET = "socketio"
SMS = "twilio"
STAFF_WEBHOOK = "staff"
SLACK = "slack"

PUBLIC_CHANNELS = frozenset({REST, WIDGET, SMS})
STAFF_CHANNELS = frozenset({STAFF_WEBHOOK, SLACK})


def is_staff_channel(channel: str | None) -> bool:
    return channel in STAFF_CHANNELS
