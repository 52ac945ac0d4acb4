"""How the reminder job sends a text: the Sender interface, the errors that tell the job what to do next, and the Twilio sender `make remind` uses.

A sender's send(number, text) returns the provider's message id, or raises:
- TemporaryError: the provider could not take it now (5xx, 429, no connection): the job retries
  with backoff, a few times.
- PermanentError: this number can never get it (opted out with the carrier, not a mobile number,
  no such number): the job ends the number's subscriptions and does not retry.
- UncertainError: the request went out and no answer came back (a read timeout): it may have
  been sent, so the job marks it uncertain and never sends it again.
- ConfigurationError: the provider refuses us (credentials, the sending number): nothing went
  out; the job gives the reminder back and stops, since every other send would fail the same way.
- SendError: any other refusal of this one message: failed, not retried.
A sender may also have lookup(number, text, since) -> the provider's id of a message it finds
sent: the job asks it about claims whose job died before recording the answer.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Optional, Protocol

from cers.reminders.store import INVALID_NUMBER, PROVIDER_OPT_OUT
from cers.settings import twilio_settings

logger = logging.getLogger(__name__)


class SendError(Exception):
    """The provider refused this message."""


class TemporaryError(SendError):
    """Worth trying again in a moment."""


class PermanentError(SendError):
    """Never worth trying again for this number; `reason` is why its subscriptions end."""

    def __init__(self, message: str, reason: str = INVALID_NUMBER):
        super().__init__(message)
        self.reason = reason


class UncertainError(SendError):
    """The message may or may not have been sent."""


class ConfigurationError(SendError):
    """The provider refuses every message of ours: fix the settings."""


class Sender(Protocol):
    def send(self, number: str, text: str) -> str: ...


# Twilio's error codes (https://www.twilio.com/docs/api/errors) that say something about the number.
TWILIO_NUMBER_ERRORS = {
    21610: PROVIDER_OPT_OUT,  # the number replied STOP to our sending number
    21211: INVALID_NUMBER,  # invalid 'To' number
    21214: INVALID_NUMBER,  # 'To' number cannot be reached
    21612: INVALID_NUMBER,  # 'To' number is not reachable by this route
    21614: INVALID_NUMBER,  # 'To' number is not a mobile number
}
# Codes that say our own settings are wrong: authentication, the sending number.
TWILIO_CONFIGURATION_ERRORS = {20003, 20404, 21212, 21606, 21659}


class TwilioSender:
    """Sends through Twilio's Messages API with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and
    TWILIO_NUMBER (the SMS channel's settings; TWILIO_API_BASE points it at a fake in tests)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_base: Optional[str] = None,
        timeout: float = 10.0,
    ):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.from_number = from_number
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        if api_base:
            self.client.api.base_url = api_base.rstrip("/")

    @classmethod
    def from_env(cls) -> "TwilioSender":
        """The sender the settings describe (cers.settings.twilio_settings: SettingsError names what is missing)."""
        sid, token, number, api_base = twilio_settings()
        return cls(sid, token, number, api_base or None)

    def send(self, number: str, text: str) -> str:
        import requests
        from twilio.base.exceptions import TwilioRestException

        try:
            message = self.client.messages.create(to=number, from_=self.from_number, body=text)
        except TwilioRestException as error:
            raise _twilio_error(error.status, error.code, error.msg) from error
        except requests.exceptions.RequestException as error:
            if _never_sent(error):
                raise TemporaryError(f"could not reach Twilio: {error}") from error
            # The request may have reached Twilio (a read timeout, a connection dropped mid-answer).
            raise UncertainError(f"no answer from Twilio: {error}") from error
        return str(message.sid)

    def lookup(self, number: str, text: str, since: dt.datetime) -> Optional[str]:
        """The id of a message with this text sent to the number since `since`, if Twilio has one."""
        try:
            messages: Any = self.client.messages.list(
                to=number, from_=self.from_number, date_sent_after=since - dt.timedelta(minutes=1), limit=20
            )
        except Exception as error:  # noqa: BLE001 (unknown stays unknown)
            logger.warning("could not ask Twilio about a message to %s: %s", number[-4:], error)
            return None
        for message in messages:
            if (message.body or "").strip() == text.strip():
                return str(message.sid)
        return None


def _never_sent(error: Exception) -> bool:
    """Whether the request certainly never reached the provider: no connection was made."""
    import requests

    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    return isinstance(error, requests.exceptions.ConnectionError) and "NewConnectionError" in repr(error)


def _twilio_error(status: int, code: Optional[int], text: str) -> SendError:
    message = f"Twilio {status}" + (f" (error {code})" if code else "") + f": {text}"
    if status >= 500 or status == 429:
        return TemporaryError(message)
    if code in TWILIO_NUMBER_ERRORS:
        return PermanentError(message, TWILIO_NUMBER_ERRORS[code])
    if status in (401, 403) or code in TWILIO_CONFIGURATION_ERRORS:
        return ConfigurationError(message)
    return SendError(message)
