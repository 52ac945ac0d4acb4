"""Hides phone numbers and e-mail addresses in message texts before staff lists and exports show them."""

from __future__ import annotations

import re

PHONE_MASK = "[phone]"
EMAIL_MASK = "[e-mail]"

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# North American numbers: (530) 555-0123, 530-555-0123, 530.555.0123, 530 555 0123, 5305550123,
# +1 530 555 0123, and 555-0123; or any "+" number of 8 digits or more. A CERS ID (8 or 9 digits
# in a row), a ZIP code (95971, 95971-1234) and dates are left alone.
_PHONE = re.compile(
    r"(?<![\w+-])(?:"
    r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)[\s.-]?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}"
    r"|\d{3}[\s.-]\d{4}"
    r"|\+\d[\d\s().-]{6,}\d"
    r")(?![\w-])"
)


def mask(text: str) -> str:
    """text with every e-mail address and phone number replaced by [e-mail] and [phone]."""
    if not text:
        return text or ""
    return _PHONE.sub(PHONE_MASK, _EMAIL.sub(EMAIL_MASK, text))
