"""SMS text: a reply made plain for a phone (no markdown, GSM-7 characters), buttons as numbered choices, long answers split into numbered parts. Pure: channels/sms.py sends what this makes."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence

from cers.conversation.events import StoredEvent, latest_buttons
from cers.conversation.names import ENGLISH
from cers.templates import render

TWILIO_MAX_BODY = 1600  # Twilio refuses longer message bodies
DEFAULT_MAX_CHARS = 459  # 3 concatenated GSM-7 segments of 153 characters

_PLAIN = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2012": "-",
    "\u2212": "-",
    "\u2022": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u2009": " ",
    "\u200b": "",
    # Spanish letters outside GSM-7 (é, ñ, ü, ¿, ¡ are in it): written without the accent, as
    # Spanish texts often are, so a Spanish reply keeps 153 characters per segment, not 67.
    "á": "a",
    "í": "i",
    "ó": "o",
    "ú": "u",
    "Á": "A",
    "Í": "I",
    "Ó": "O",
    "Ú": "U",
}


def plain_text(text: str) -> str:
    """Markdown and typographic characters turned into plain SMS text."""
    text = "".join(_PLAIN.get(char, char) for char in (text or ""))
    text = re.sub(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)", r"\1: \2", text)  # [title](url)
    text = re.sub(r"^\s{0,3}#{1,6}\s+", "", text, flags=re.MULTILINE)  # headings
    text = re.sub(r"^(\s*)[*+]\s+", r"\1- ", text, flags=re.MULTILINE)  # * bullets
    text = re.sub(r"(\*\*|__)(\S(?:.*?\S)?)\1", r"\2", text)  # **bold**, __bold__
    text = re.sub(r"(?<![\w*])\*(\S(?:[^*\n]*?\S)?)\*(?![\w*])", r"\1", text)  # *emphasis*
    text = re.sub(r"(?<!\w)_(\S(?:[^_\n]*?\S)?)_(?!\w)", r"\1", text)  # _emphasis_
    text = re.sub(r"`([^`\n]+)`", r"\1", text)  # `code`
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def numbered_choices(buttons: List[Dict[str, Any]], language: str = ENGLISH) -> str:
    """Buttons as lines a person answers with a number."""
    lines = [plain_text(render("sms", "reply_with_number", language=language))]
    lines += [f"{index} - {plain_text(button.get('title', ''))}" for index, button in enumerate(buttons, 1)]
    return "\n".join(lines)


def split_message(text: str, limit: int = DEFAULT_MAX_CHARS) -> List[str]:
    """Text cut into parts of at most `limit` characters, at the most sensible boundaries.

    Paragraphs are kept whole when they fit, then lines, then sentences, then words. With more
    than one part, each starts with its number, e.g. "(1/2) ".
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    room = limit - len("(99/99) ")
    parts = _pack(text, room)
    return [f"({index}/{len(parts)}) {part}" for index, part in enumerate(parts, 1)]


_LEVELS = [
    (re.compile(r"\n\s*\n"), "\n\n"),  # paragraphs
    (re.compile(r"\n"), "\n"),  # lines
    (re.compile(r"(?<=[.!?:;])\s+"), " "),  # sentences
    (re.compile(r"\s+"), " "),  # words
]


def _pack(text: str, room: int, level: int = 0) -> List[str]:
    """Greedily joins the pieces of `text` at boundary `level` into parts that fit `room`."""
    if len(text) <= room:
        return [text]
    if level == len(_LEVELS):
        return [text[i : i + room] for i in range(0, len(text), room)]
    pattern, joiner = _LEVELS[level]
    pieces: List[str] = []
    for piece in pattern.split(text):
        piece = piece.strip()
        if piece:
            pieces.extend(_pack(piece, room, level + 1) if len(piece) > room else [piece])
    parts: List[str] = []
    for piece in pieces:
        if parts and len(parts[-1]) + len(joiner) + len(piece) <= room:
            parts[-1] += joiner + piece
        else:
            parts.append(piece)
    return parts


def choice_payload(events: Sequence[StoredEvent], number: int) -> Optional[str]:
    """The payload of choice `number` among the buttons of the bot's latest message with buttons
    since the person's latest message, or None."""
    buttons = latest_buttons(events)
    return buttons[number - 1].payload if 1 <= number <= len(buttons) else None
