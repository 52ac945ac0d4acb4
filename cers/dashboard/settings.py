"""The dashboard's settings (SESSION_SECRET, RETENTION_DAYS), read like every other variable through cers.settings.env."""

from __future__ import annotations

from cers.settings import SettingsError, env

MIN_SECRET_LENGTH = 32
DEFAULT_RETENTION_DAYS = 365


def session_secret() -> str:
    """The key that signs staff session cookies and CSRF tokens (SESSION_SECRET); "" when the dashboard is off.

    Every replica must have the same value; changing it signs every staff member out."""
    value = env("SESSION_SECRET")
    if value and len(value) < MIN_SECRET_LENGTH:
        raise SettingsError(
            f"SESSION_SECRET must be at least {MIN_SECRET_LENGTH} characters (e.g. `openssl rand -hex 32`)"
        )
    return value


def retention_days() -> int:
    """Days a conversation is kept after its last message (RETENTION_DAYS; 365). `make purge` deletes older ones."""
    value = env("RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS))
    try:
        days = int(value)
    except ValueError as error:
        raise SettingsError(f"RETENTION_DAYS={value!r} is not a whole number of days") from error
    if days < 1:
        raise SettingsError(f"RETENTION_DAYS={value!r} must be at least 1")
    return days
