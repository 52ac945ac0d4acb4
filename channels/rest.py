"""The public REST channel (POST /webhooks/rest/webhook), with cleaned input and a fixed channel name.

Rasa's RestInput lets a request name its own input channel; permissions depend on the channel
(staff channels see more), so this one always reports itself as "rest".

A request may carry `"metadata": {"message_id": "..."}`: a client that resends a message with the
same id (after a timeout, a lost connection, a replica that died) gets the reply already given,
not a second turn; a turn that fails gets a "having trouble" reply (channels/dedup.py).
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint
from sanic.request import Request

from channels.dedup import Guard
from channels.text import clean_user_text
from cers import roles


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return roles.REST

    def _extract_message(self, req: Request) -> Optional[Text]:
        return clean_user_text((req.json or {}).get("message"))

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guard = Guard(on_new_message)
        return guard.attach(super().blueprint(guard))
