"""The one settings loader: office details from office.yml and "today" (CERS_TODAY)."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting (office.yml or an environment variable) has a value we cannot use."""


@dataclass(frozen=True)
class Office:
    name: str
    short_name: str
    phone: str
    city: str
    hours: str
    address: str
    annual_due_month: int
    annual_due_day: int

    def as_slots(self) -> dict:
        """The office details as the slot values the domain's responses use."""
        return {
            "office_name": self.name,
            "office_phone": self.phone,
            "office_city": self.city,
            "office_hours": self.hours,
            "office_address": self.address,
        }


def office_file() -> Path:
    return Path(os.environ.get("OFFICE_FILE") or PROJECT_ROOT / "office.yml")


@lru_cache(maxsize=4)
def _load_office(path: str, mtime: float) -> Office:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    missing = [key for key in ("name", "phone") if not raw.get(key)]
    if missing:
        raise SettingsError(f"{path}: missing {', '.join(missing)}")
    month = int(raw.get("annual_due_month", 3))
    day = int(raw.get("annual_due_day", 1))
    try:
        # 2023 is not a leap year: a due date of February 29 would not exist every year.
        dt.date(2023, month, day)
    except ValueError as error:
        raise SettingsError(f"{path}: annual due date {month}-{day} is not a date in every year") from error
    return Office(
        name=str(raw["name"]).strip(),
        short_name=str(raw.get("short_name") or raw["name"]).strip(),
        phone=str(raw["phone"]).strip(),
        city=str(raw.get("city") or "").strip(),
        hours=str(raw.get("hours") or "").strip(),
        address=str(raw.get("address") or "").strip(),
        annual_due_month=month,
        annual_due_day=day,
    )


def load_office() -> Office:
    """The office settings; re-read when office.yml changes on disk."""
    path = office_file()
    return _load_office(str(path), path.stat().st_mtime)


def today() -> dt.date:
    """Today's date, or CERS_TODAY=YYYY-MM-DD when set (for tests and demos)."""
    value = os.environ.get("CERS_TODAY", "").strip()
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise SettingsError(f"CERS_TODAY={value!r} is not a date like 2027-02-15") from error


def tracker_store_url() -> str:
    """Where Rasa keeps conversations (TRACKER_STORE_URL; the Makefile's default otherwise)."""
    return os.environ.get("TRACKER_STORE_URL", "").strip() or f"sqlite:///{PROJECT_ROOT / 'var' / 'conversations.db'}"
