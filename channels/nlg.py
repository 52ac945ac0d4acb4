"""The responses' generator (Rasa's, named in endpoints.yml as `nlg`): the domain's responses, with the office's details from office.yml ({office_name}, {office_phone}, {office_due_date_es}, ...) filled in at each reply instead of stored as slots in every conversation (cers/office_details.py)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from cers.office_details import current_office_details


class OfficeResponses(TemplatedNaturalLanguageGenerator):
    """TemplatedNaturalLanguageGenerator (Rasa's default) whose template variables include the office's details."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)

    def generate_from_slots(
        self, utter_action: Text, filled_slots: Dict[Text, Any], output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        # The office's details win over office slots an older conversation may still hold.
        values = {**(filled_slots or {}), **current_office_details()}
        return super().generate_from_slots(utter_action, values, output_channel, **kwargs)
