"""The public REST channel (POST /webhooks/rest/webhook), with cleaned input and a fixed channel name.

Rasa's RestInput lets a request name its own input channel; permissions depend on the channel
(staff channels see more), so this one always reports itself as "rest".

A request may carry `"metadata": {"message_id": "..."}`: a client that resends a message with the
same id (after a timeout, a lost connection, a replica that died) gets the reply already given,
not a second turn; a turn that fails gets a "having trouble" reply (channels/dedup.py).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint
from sanic.request import Request

from cers import roles
from channels.clients import client_of_request
from channels.dedup import MESSAGE_ID, Guard, message_id_of
from channels.text import clean_user_text

# The metadata key for the client's address; actions/status.py counts failed checks per client with it.
CLIENT = "client"


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return roles.REST

    def _extract_message(self, req: Request) -> Optional[Text]:
        return clean_user_text((req.json or {}).get("message"))

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Dict[Text, Any]:
        """Only what this channel documents: the client's message_id, and the address the server saw."""
        sent = (request.json or {}).get("metadata")
        message_id = message_id_of(sent)
        return {**({MESSAGE_ID: message_id} if message_id else {}), CLIENT: client_of_request(request)}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guard = Guard(on_new_message)
        return guard.attach(super().blueprint(guard))
