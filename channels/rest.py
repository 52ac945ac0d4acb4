"""The public REST channel (POST /webhooks/rest/webhook), with cleaned input and a fixed channel name.

Rasa's RestInput lets a request name its own input channel; permissions depend on the channel
(staff channels see more), so this one always reports itself as "rest".
"""
from __future__ import annotations

from typing import Optional, Text

from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic.request import Request

from channels.text import clean_user_text


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_message(self, req: Request) -> Optional[Text]:
        return clean_user_text((req.json or {}).get("message"))

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()
