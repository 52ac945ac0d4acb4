"""The one settings loader: office details from office.yml and every environment variable the project reads."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from cers.dates import WEEKDAY_KEYS, check_annual_due

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting (office.yml or an environment variable) has a value we cannot use."""


WEEKDAYS = WEEKDAY_KEYS
Period = Tuple[dt.time, dt.time]


@dataclass(frozen=True)
class OfficeHours:
    """Opening hours the bot can compute with: per weekday (none: closed), closed dates, a time zone."""

    time_zone: str = "America/Los_Angeles"
    weekly: Dict[str, Tuple[Period, ...]] = field(default_factory=dict)
    closed_dates: FrozenSet[dt.date] = frozenset()

    @property
    def listed(self) -> bool:
        return any(self.weekly.values())

    def is_open(self, when: dt.datetime) -> bool:
        """Whether the office is open at this moment (a naive time is the office's own clock)."""
        local = when.astimezone(ZoneInfo(self.time_zone)) if when.tzinfo else when
        if local.date() in self.closed_dates:
            return False
        moment = local.time()
        return any(start <= moment < end for start, end in self.weekly.get(WEEKDAYS[local.weekday()], ()))

    def _local(self, when: dt.datetime) -> dt.datetime:
        zone = ZoneInfo(self.time_zone)
        return when.astimezone(zone) if when.tzinfo else when.replace(tzinfo=zone)

    def open_until(self, when: dt.datetime) -> Optional[dt.datetime]:
        """The end of the opening period `when` falls in (office time), or None when the office is closed then."""
        local = self._local(when)
        if local.date() in self.closed_dates:
            return None
        for start, end in self.weekly.get(WEEKDAYS[local.weekday()], ()):
            if start <= local.time() < end:
                return dt.datetime.combine(local.date(), end, local.tzinfo)
        return None

    def next_opening(self, when: dt.datetime) -> Optional[dt.datetime]:
        """The start of the first opening period after `when` (office time); None when no hours are listed."""
        if not self.listed:
            return None
        local = self._local(when)
        for offset in range(0, 7 + 366 * 2):  # closed dates can cover at most the dates listed
            day = local.date() + dt.timedelta(days=offset)
            if day in self.closed_dates:
                continue
            for start, _end in sorted(self.weekly.get(WEEKDAYS[day.weekday()], ())):
                opening = dt.datetime.combine(day, start, local.tzinfo)
                if opening > local:
                    return opening
        return None


_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(raw, path: str) -> OfficeHours:
    """office.yml's `hours`: time_zone, weekly (day: "08:00-12:00, 13:00-17:00"), closed_dates."""
    if raw in (None, "", {}):
        return OfficeHours()
    if not isinstance(raw, dict):
        raise SettingsError(
            f"{path}: hours must be a time_zone, weekly opening times and closed_dates "
            f"(see the comments in office.yml), not {raw!r}"
        )
    zone = str(raw.get("time_zone") or "America/Los_Angeles")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"{path}: hours.time_zone {zone!r} is not a time zone like America/Los_Angeles") from error
    weekly: Dict[str, Tuple[Period, ...]] = {}
    for day, text in (raw.get("weekly") or {}).items():
        if str(day).lower() not in WEEKDAYS:
            raise SettingsError(f"{path}: hours.weekly: {day!r} is not a weekday (monday ... sunday)")
        periods = []
        for part in str(text or "").split(","):
            if not part.strip():
                continue
            match = _PERIOD.match(part)
            if not match:
                raise SettingsError(f"{path}: hours.weekly.{day}: {part.strip()!r} is not like 08:00-17:00")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                start, end = dt.time(h1, m1), dt.time(h2, m2)
            except ValueError as error:
                raise SettingsError(f"{path}: hours.weekly.{day}: {part.strip()!r} is not a time of day") from error
            if end <= start:
                raise SettingsError(f"{path}: hours.weekly.{day}: {part.strip()!r} ends before it starts")
            periods.append((start, end))
        weekly[str(day).lower()] = tuple(periods)
    closed = set()
    for value in raw.get("closed_dates") or ():
        try:
            closed.add(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
        except ValueError as error:
            raise SettingsError(f"{path}: hours.closed_dates: {value!r} is not a date like 2026-12-25") from error
    return OfficeHours(zone, weekly, frozenset(closed))


# The Unified Program elements an office may or may not run as the CUPA (office.yml's `programs`).
PROGRAMS = ("underground_tanks", "aboveground_petroleum", "hazardous_waste", "calarp")
# The pages an office may publish (office.yml's `links`).
LINKS = ("fees", "forms")
LOCAL_RULE_MAX_CHARS = 300
OFFICE_KEYS = frozenset(
    """name short_name short_name_es phone city address email hours annual_due_month annual_due_day
    programs links local_rules reminder_days""".split()
)
# Days before a deadline the reminders by text go out (office.yml's `reminder_days`); one more goes
# once the deadline has passed. At most a year ahead: the annual due date is never further.
DEFAULT_REMINDER_DAYS = (30, 7, 1)
REMINDER_DAYS_MAX = 365


@dataclass(frozen=True)
class ProgramElsewhere:
    """A program the office does not run: who does, and how to reach them."""

    handled_by: str
    contact: str = ""


@dataclass(frozen=True)
class LocalRule:
    """A rule of the office's own, said after a topic's answer, with where it comes from."""

    topic: str
    text: str
    source: str
    # The same rule in other languages, by language ("es"): office.yml's text_es.
    texts: Dict[str, str] = field(default_factory=dict)

    def text_in(self, language: str) -> str:
        return self.texts.get(language) or self.text


@dataclass(frozen=True)
class Office:
    name: str
    short_name: str
    phone: str
    city: str
    hours: OfficeHours
    address: str
    email: str
    annual_due_month: int
    annual_due_day: int
    # Programs the office does not run, by PROGRAMS key (every other one it runs).
    elsewhere: Dict[str, ProgramElsewhere] = field(default_factory=dict)
    links: Dict[str, str] = field(default_factory=dict)
    local_rules: Tuple[LocalRule, ...] = ()
    # How the bot refers to the office in other languages, by language ("es": office.yml's short_name_es).
    short_names: Dict[str, str] = field(default_factory=dict)
    # Days before a deadline a reminder is texted, largest first (office.yml's reminder_days).
    reminder_days: Tuple[int, ...] = DEFAULT_REMINDER_DAYS

    def runs(self, program: str) -> bool:
        return program not in self.elsewhere


def parse_programs(raw, path: str) -> Dict[str, ProgramElsewhere]:
    """office.yml's `programs`: each of PROGRAMS true (the office runs it, the default) or
    {handled_by: ..., contact: ...} (another agency does)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: programs: expected a mapping of {', '.join(PROGRAMS)}, not {raw!r}")
    elsewhere = {}
    for key, value in raw.items():
        if key not in PROGRAMS:
            raise SettingsError(f"{path}: programs.{key}: unknown program (known: {', '.join(PROGRAMS)})")
        if value is True:
            continue
        if not isinstance(value, dict) or not str(value.get("handled_by") or "").strip():
            raise SettingsError(
                f"{path}: programs.{key}: true when the office runs it, or {{handled_by: ..., contact: ...}} "
                f"naming who does, not {value!r}"
            )
        unknown = sorted(set(value) - {"handled_by", "contact"})
        if unknown:
            raise SettingsError(f"{path}: programs.{key}.{unknown[0]}: unknown key (known: handled_by, contact)")
        elsewhere[key] = ProgramElsewhere(str(value["handled_by"]).strip(), str(value.get("contact") or "").strip())
    return elsewhere


def parse_links(raw, path: str) -> Dict[str, str]:
    """office.yml's `links`: the office's own pages (fees, forms), each a web address or empty."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: links: expected a mapping of {', '.join(LINKS)}, not {raw!r}")
    links = {}
    for key, value in raw.items():
        if key not in LINKS:
            raise SettingsError(f"{path}: links.{key}: unknown link (known: {', '.join(LINKS)})")
        url = str(value or "").strip()
        if url and not re.match(r"^https?://[^\s]+$", url):
            raise SettingsError(f"{path}: links.{key}: {url!r} is not a web address (https://...)")
        if url:
            links[key] = url
    return links


def parse_local_rules(raw, path: str) -> Tuple[LocalRule, ...]:
    """office.yml's `local_rules`: a list of {topic, text, source}; cers/office_answers.py says
    which topics may have one."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise SettingsError(f"{path}: local_rules: expected a list of {{topic, text, source}}, not {raw!r}")
    rules = []
    for index, entry in enumerate(raw):
        where = f"{path}: local_rules[{index}]"
        if not isinstance(entry, dict):
            raise SettingsError(f"{where}: expected {{topic, text, source}}, not {entry!r}")
        unknown = sorted(set(entry) - {"topic", "text", "text_es", "source"})
        if unknown:
            raise SettingsError(f"{where}.{unknown[0]}: unknown key (known: topic, text, text_es, source)")
        values = {key: str(entry.get(key) or "").strip() for key in ("topic", "text", "source")}
        for key, value in values.items():
            if not value:
                raise SettingsError(
                    f"{where}.{key}: missing (every local rule says its topic, its text and its source)"
                )
        spanish = str(entry.get("text_es") or "").strip()
        for key, text in (("text", values["text"]), ("text_es", spanish)):
            if len(text) > LOCAL_RULE_MAX_CHARS:
                raise SettingsError(f"{where}.{key}: {len(text)} characters; keep it under {LOCAL_RULE_MAX_CHARS}")
        rules.append(LocalRule(**values, texts={"es": spanish} if spanish else {}))
    return tuple(rules)


def parse_reminder_days(raw, path: str) -> Tuple[int, ...]:
    """office.yml's `reminder_days`: whole numbers of days before a deadline (0: on the day), largest
    first; unset: 30, 7 and 1. An empty list leaves only the reminder sent once a deadline has passed."""
    if raw is None:
        return DEFAULT_REMINDER_DAYS
    example = ", ".join(str(day) for day in DEFAULT_REMINDER_DAYS)
    if not isinstance(raw, list):
        raise SettingsError(
            f"{path}: reminder_days: expected a list of days before a deadline like [{example}], not {raw!r}"
        )
    days = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= REMINDER_DAYS_MAX:
            raise SettingsError(
                f"{path}: reminder_days: {value!r} is not a whole number of days from 0 to {REMINDER_DAYS_MAX} "
                f"(a list like [{example}])"
            )
        if value in days:
            raise SettingsError(f"{path}: reminder_days: {value} is listed twice")
        days.append(value)
    return tuple(sorted(days, reverse=True))


def env(name: str, default: str = "") -> str:
    """An environment variable, stripped; `default` when it is not set or blank.

    Every module reads the environment through here (the README's Configuration table lists them)."""
    return os.environ.get(name, "").strip() or default


def office_file() -> Path:
    return Path(env("OFFICE_FILE") or PROJECT_ROOT / "office.yml")


@lru_cache(maxsize=4)
def _load_office(path: str, mtime: float) -> Office:
    with open(path, encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: expected the office's settings as a mapping (see the comments in office.yml)")
    unknown = sorted(set(raw) - OFFICE_KEYS)
    if unknown:
        raise SettingsError(f"{path}: {unknown[0]}: unknown setting (known: {', '.join(sorted(OFFICE_KEYS))})")
    missing = [key for key in ("name", "phone") if not raw.get(key)]
    if missing:
        raise SettingsError(f"{path}: missing {', '.join(missing)}")
    month = int(raw.get("annual_due_month", 3))
    day = int(raw.get("annual_due_day", 1))
    try:
        check_annual_due(month, day)
    except ValueError as error:
        raise SettingsError(f"{path}: {error}") from error
    return Office(
        name=str(raw["name"]).strip(),
        short_name=str(raw.get("short_name") or raw["name"]).strip(),
        phone=str(raw["phone"]).strip(),
        city=str(raw.get("city") or "").strip(),
        hours=parse_hours(raw.get("hours"), path),
        address=str(raw.get("address") or "").strip(),
        email=str(raw.get("email") or "").strip(),
        annual_due_month=month,
        annual_due_day=day,
        elsewhere=parse_programs(raw.get("programs"), path),
        links=parse_links(raw.get("links"), path),
        local_rules=parse_local_rules(raw.get("local_rules"), path),
        short_names={"es": str(raw["short_name_es"]).strip()} if raw.get("short_name_es") else {},
        reminder_days=parse_reminder_days(raw.get("reminder_days"), path),
    )


def load_office() -> Office:
    """The office settings; re-read when office.yml changes on disk."""
    path = office_file()
    return _load_office(str(path), path.stat().st_mtime)


def now() -> dt.datetime:
    """This moment in the office's time zone, or CERS_NOW=YYYY-MM-DDTHH:MM (office time) when set (tests, demos).

    It decides whether the office is open; how long something took (a handoff's timeout) is always
    measured on the real clock."""
    value = env("CERS_NOW")
    if not value:
        return dt.datetime.now(ZoneInfo(load_office().hours.time_zone))
    return office_moment(value, "CERS_NOW")


def office_moment(value: str, name: str) -> dt.datetime:
    """A time like 2026-11-23T10:30 (office time, unless it says its offset) in the office's time
    zone: CERS_NOW's format, also for command-line options (`name` says which, in the error)."""
    zone = ZoneInfo(load_office().hours.time_zone)
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise SettingsError(f"{name}={value!r} is not a time like 2026-11-23T10:30") from error
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def today() -> dt.date:
    """Today's date: CERS_NOW's date when set, else CERS_TODAY=YYYY-MM-DD when set (tests and demos), else the real date."""
    if env("CERS_NOW"):
        return now().date()
    value = env("CERS_TODAY")
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise SettingsError(f"CERS_TODAY={value!r} is not a date like 2027-02-15") from error


def tracker_store_url() -> str:
    """Where Rasa keeps conversations (TRACKER_STORE_URL; the Makefile's default otherwise)."""
    return env("TRACKER_STORE_URL") or f"sqlite:///{PROJECT_ROOT / 'var' / 'conversations.db'}"


TWILIO_SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER")


def twilio_settings() -> Tuple[str, str, str, str]:
    """The reminder job's Twilio account: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER (the SMS
    channel's own) and TWILIO_API_BASE (empty: Twilio itself; a fake provider's address in tests).
    SettingsError names each one missing."""
    missing = [name for name in TWILIO_SETTINGS if not env(name)]
    if missing:
        raise SettingsError(f"{', '.join(missing)} not set: the reminder job needs Twilio's account to send texts")
    sid, token, number = (env(name) for name in TWILIO_SETTINGS)
    return sid, token, number, env("TWILIO_API_BASE")


_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def slack_staff_users() -> Tuple[str, ...]:
    """SLACK_STAFF_USERS: the Slack user ids (comma-separated) whose messages the bot answers on
    Slack, as staff; empty (unset): anyone in the workspace that can message the app."""
    users = tuple(part.strip() for part in env("SLACK_STAFF_USERS").split(",") if part.strip())
    wrong = [user for user in users if not _SLACK_USER_ID.fullmatch(user)]
    if wrong:
        raise SettingsError(f"SLACK_STAFF_USERS: {', '.join(wrong)} is not a Slack user id (like U0123ABCD)")
    return users


def database_url() -> str:
    """Where the facility records are (DATABASE_URL), or the SQLite file var/facilities.db."""
    return env("DATABASE_URL") or f"sqlite:///{PROJECT_ROOT / 'var' / 'facilities.db'}"


def redis_url() -> str:
    """The Redis that replicas share (REDIS_URL, e.g. redis://127.0.0.1:6380/0); "" when running as one process.

    Set, it turns on what only a cluster needs: the ticket lock store, the socket.io message queue,
    and retries and Slack events remembered across replicas. Unset, the process keeps them itself."""
    value = env("REDIS_URL")
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError(f"REDIS_URL={value!r} is not a Redis URL like redis://127.0.0.1:6379/0")
    return value


def seconds_setting(name: str, default: float) -> float:
    """A duration in seconds from the environment: a number above 0."""
    value = env(name, str(default))
    try:
        seconds = float(value)
    except ValueError as error:
        raise SettingsError(f"{name}={value!r} is not a number of seconds") from error
    if seconds <= 0:
        raise SettingsError(f"{name}={value!r} must be more than 0 seconds")
    return seconds


def ticket_lock_lifetime() -> float:
    """Seconds a conversation's lock outlives a replica that died holding it (TICKET_LOCK_LIFETIME, Rasa's name; 60)."""
    return seconds_setting("TICKET_LOCK_LIFETIME", 60)


def handoff_timeout_seconds() -> float:
    """Seconds a handoff to staff waits for a staff reply before the person is offered a callback (HANDOFF_TIMEOUT_SECONDS; 900)."""
    return seconds_setting("HANDOFF_TIMEOUT_SECONDS", 900)


def whole_number_setting(name: str, default: int) -> int:
    """A count from the environment: a whole number, 0 or more (0 turns a limit off)."""
    value = env(name, str(default))
    try:
        parsed = int(value)
    except ValueError:
        raise SettingsError(f"{name}={value!r} is not a whole number") from None
    if parsed < 0:
        raise SettingsError(f"{name}={value!r} cannot be negative (0 turns the limit off)")
    return parsed


def rate_limit_per_sender() -> int:
    """Messages a minute one sender (a conversation, a phone number, a Slack user) may send (RATE_LIMIT_PER_SENDER; 30, 0: off)."""
    return whole_number_setting("RATE_LIMIT_PER_SENDER", 30)


def rate_limit_per_ip() -> int:
    """Messages a minute one client address may send on the REST and widget channels (RATE_LIMIT_PER_IP; 300, 0: off)."""
    return whole_number_setting("RATE_LIMIT_PER_IP", 300)


def reminder_send_interval() -> float:
    """Seconds between two reminder texts of one job (REMINDER_SEND_INTERVAL_SECONDS; 1, about a long code's
    rate; 0: no pause, for benchmarks)."""
    value = env("REMINDER_SEND_INTERVAL_SECONDS", "1")
    try:
        seconds = float(value)
    except ValueError as error:
        raise SettingsError(f"REMINDER_SEND_INTERVAL_SECONDS={value!r} is not a number of seconds") from error
    if not 0 <= seconds <= 60:
        raise SettingsError(f"REMINDER_SEND_INTERVAL_SECONDS={value!r} must be from 0 to 60 seconds")
    return seconds


def widget_allowed_origins() -> str:
    """WIDGET_ALLOWED_ORIGINS as set: comma-separated origins allowed to use the widget and the REST webhook ("*": any)."""
    return env("WIDGET_ALLOWED_ORIGINS", "*")
