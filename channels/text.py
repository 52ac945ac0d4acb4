"""Cleans what a person typed before the bot reads it, the same way on every channel."""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

# Longer messages are cut here: no question needs more, and NLU time grows with length.
MAX_MESSAGE_CHARS = 2000
# What an empty message becomes: the "not sure what you mean" answer.
EMPTY_MESSAGE = "/nlu_fallback"

_CONTROL = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # terminal colour codes


def clean_user_text(text: Optional[str]) -> str:
    """Removes control characters and extra whitespace, cuts very long text; "" becomes a fallback."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = _CONTROL.sub(" ", text[: MAX_MESSAGE_CHARS * 4])
    text = "".join(" " if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") else char for char in text)
    text = re.sub(r"\s+", " ", text).strip()[:MAX_MESSAGE_CHARS].strip()
    return text or EMPTY_MESSAGE
