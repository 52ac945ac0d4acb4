"""Cleans what a person typed before the bot reads it, the same way on every channel, and checks sender ids."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Optional, Tuple, TypeGuard

from cers.conversation.names import TEXT_CUT, UNSURE_INTENT

# Longer messages are cut here (and the person is told: channels/dedup.py): no question needs
# more, and NLU time grows with length. At least 1,600, so the longest SMS Twilio delivers passes.
MAX_MESSAGE_CHARS = 2000
# What an empty message becomes: the "not sure what you mean" answer.
EMPTY_MESSAGE = f"/{UNSURE_INTENT}"

# A sender id (a conversation's name): letters, digits, "+", "-", "_", ":" and ".", at most 128
# characters. Phone numbers (+15305550100, whatsapp:+1...), Slack user ids and the widget's
# session ids all fit; anything else is refused before it can name a conversation.
MAX_SENDER_ID_CHARS = 128
_SENDER_ID = re.compile(r"[A-Za-z0-9+\-_:.]{1,%d}" % MAX_SENDER_ID_CHARS)

# The ids the SMS and Slack channels name their conversations with (a phone number, a Slack user id):
# a REST caller may not pick one, or it could write into someone's SMS or Slack conversation.
_OTHER_CHANNELS_SENDER = re.compile(r"(?:whatsapp:)?\+?[0-9]{7,15}|[UW][A-Z0-9]{8,}")

_CONTROL = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # terminal colour codes


def read_user_text(text: Optional[str]) -> Tuple[str, bool]:
    """The text cleaned (see clean_user_text), and whether it was longer than MAX_MESSAGE_CHARS and cut."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = _CONTROL.sub(" ", text[: MAX_MESSAGE_CHARS * 4])
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") else char for char in text)
    text = re.sub(r"\s+", " ", text).strip()
    cut = len(text) > MAX_MESSAGE_CHARS
    text = text[:MAX_MESSAGE_CHARS].strip()
    return text or EMPTY_MESSAGE, cut


def clean_user_text(text: Optional[str]) -> str:
    """Removes control characters and extra whitespace, cuts very long text; "" becomes a fallback."""
    return read_user_text(text)[0]


def cut_metadata(text: Optional[str]) -> dict:
    """{TEXT_CUT: MAX_MESSAGE_CHARS} when the text will be cut, else {}: for the message's metadata."""
    return {TEXT_CUT: MAX_MESSAGE_CHARS} if read_user_text(text)[1] else {}


def valid_sender_id(value: Any) -> TypeGuard[str]:
    """Whether a sender id is one the bot accepts: 1 to 128 letters, digits, "+", "-", "_", ":" or "."."""
    return isinstance(value, str) and _SENDER_ID.fullmatch(value) is not None


def names_another_channels_conversation(sender: str) -> bool:
    """Whether a sender id has the form of a phone number or a Slack user id: the SMS and Slack
    channels' conversations, which a REST caller may not name."""
    return _OTHER_CHANNELS_SENDER.fullmatch(sender) is not None
