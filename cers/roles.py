"""Which channels are staff channels: read from the channel registry (cers/conversation/channels.py), for the Rasa server's channels and the actions alike."""

from __future__ import annotations

from cers.conversation.channels import (  # noqa: F401 (the channels' names, for their users)
    PUBLIC_CHANNELS,
    REST,
    SLACK,
    SMS,
    STAFF_CHANNELS,
    STAFF_WEBHOOK,
    WIDGET,
    is_staff_channel,
)
