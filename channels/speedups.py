"""Behaviour-preserving speed fixes to Rasa 3.6, applied by the launcher (python -m channels.serve).

Rasa validates every action server reply with jsonschema.validate(), which re-checks the
schema itself on each call: about 60 ms of CPU per custom action on this machine, during
which the server's event loop serves nobody. A validator built once checks the same thing.

Rasa also finds an event's class by walking every Event subclass for each event it loads
from the tracker store (about 2.5 ms per message here); the classes are all defined at
import, so a table built once gives the same answer.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text


@lru_cache(maxsize=1)
def _action_response_validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _action_response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error


@lru_cache(maxsize=1)
def _event_classes() -> Dict[Text, Any]:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    table: Dict[Text, Any] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the first match wins, as in Rasa's loop
    return table


def apply() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = _validate_action_result

    resolve_by_walking = Event.resolve_by_type

    def resolve_by_type(type_name, default=None):
        return _event_classes().get(type_name) or resolve_by_walking(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)
