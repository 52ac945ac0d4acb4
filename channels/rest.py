"""The public REST channel (POST /webhooks/rest/webhook), with cleaned input and a fixed channel name.

Rasa's RestInput lets a request name its own input channel; permissions depend on the channel
(staff channels see more), so this one always reports itself as "rest".

A request may carry `"metadata": {"message_id": "..."}`: a client that resends a message with the
same id (after a timeout, a lost connection, a replica that died) gets the reply already given,
not a second turn; a turn that fails gets a "having trouble" reply (channels/dedup.py). Nothing
else a client puts in the metadata is kept.

Before any turn (channels/limits.py): a body that is not a JSON object with a valid sender id and
a text message gets 400; a sender or client address over its rate limit gets 429 with
Retry-After. A message longer than channels.text.MAX_MESSAGE_CHARS is cut, and the reply says so.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from cers import roles
from cers.conversation.events import message_id_of
from cers.conversation.names import CLIENT, MESSAGE_ID
from channels.clients import client_of_request
from channels.dedup import Guard, answered
from channels.extensions import server
from channels.limits import screen_rest
from channels.security import secured
from channels.text import clean_user_text, cut_metadata

# The metadata key for the client's address; actions/status.py counts failed checks per client with it.


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return roles.REST

    def _extract_message(self, req: Request) -> Optional[Text]:
        return clean_user_text((req.json or {}).get("message"))

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Dict[Text, Any]:
        """Only what this channel documents: the client's message_id, the address the server saw, and whether the text was cut."""
        body = request.json or {}
        message_id = message_id_of(body.get("metadata"))
        return {
            **({MESSAGE_ID: message_id} if message_id else {}),
            CLIENT: client_of_request(request),
            **cut_metadata(body.get("message")),
        }

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guard = Guard(answered(on_new_message))
        blueprint = secured(server().attach(super().blueprint(guard)))
        public = self.name() in roles.PUBLIC_CHANNELS

        @blueprint.middleware("request")
        async def screen(request: Request) -> Optional[HTTPResponse]:
            return self.refused(request) or await screen_rest(request, public)

        return blueprint

    def refused(self, request: Request) -> Optional[HTTPResponse]:
        """The answer refusing a caller before its body is looked at (the staff webhook: a 401
        without its token, so a stranger learns nothing of the body's rules), else None."""
        return None
