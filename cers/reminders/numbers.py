"""Phone numbers as the reminders store them (E.164, "+15305550123"), read from what a person types, and masked for logs and printed reports."""

from __future__ import annotations

import re
from typing import Optional

_NANP = re.compile(r"^1?([2-9]\d{2}[2-9]\d{6})$")  # US and Canada: area code and exchange start with 2-9


def e164(number: str) -> Optional[str]:
    """The number in E.164, or None when it cannot be a phone number. Ten digits (or 1 and ten
    digits) are a North American number, however punctuated; "+" and 8 to 15 digits are kept as
    given (a number from the SMS provider is already E.164)."""
    text = (number or "").strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and not text.startswith("+1"):
        return f"+{digits}" if 8 <= len(digits) <= 15 and not digits.startswith("0") else None
    match = _NANP.match(digits)
    return f"+1{match.group(1)}" if match else None


def masked(number: str) -> str:
    """Enough of a number to tell it apart in a report, not to dial it: "+1530***0123"."""
    return f"{number[:5]}***{number[-4:]}" if len(number) > 9 else "***"
