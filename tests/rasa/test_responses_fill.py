"""Every response of the domain, in both languages, is filled by Rasa's response generator without an error: a stray "{" in a text or a button payload makes Rasa log an error (with its traceback) each time the response is sent, and sends the text as written."""

from __future__ import annotations

import asyncio

from rasa.core.nlg import interpolator
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from cers.conversation.names import LANGUAGES, SLOT_LANGUAGE
from cers.templates import responses_in_every_language
from tests.servers import ROOT


def domain() -> Domain:
    """The domain as training reads it (channels/topic_rules.py: the Spanish texts as conditional variations)."""
    as_dict = Domain.load(str(ROOT / "domain.yml")).as_dict()
    as_dict["responses"] = responses_in_every_language(as_dict.get("responses") or {})
    return Domain.from_dict(as_dict)


class Errors:
    """Stands for the interpolator's structlog logger: records what it would log as an error."""

    def __init__(self) -> None:
        self.logged: list = []

    def exception(self, event: str, **values) -> None:
        self.logged.append((event, values.get("response")))


def test_every_response_fills_in_both_languages_without_an_error(monkeypatch):
    loaded = domain()
    generator = TemplatedNaturalLanguageGenerator(loaded.responses)
    errors = Errors()
    monkeypatch.setattr(interpolator, "structlogger", errors)
    for language in LANGUAGES:
        tracker = DialogueStateTracker.from_events("fill-test", [], slots=loaded.slots)
        for slot in loaded.slots:  # every slot a text might name has a value
            if isinstance(slot, TextSlot):
                tracker.slots[slot.name].value = f"<{slot.name}>"
        tracker.slots[SLOT_LANGUAGE].value = language
        for name in loaded.responses:
            asyncio.run(generator.generate(name, tracker, "rest"))
    assert errors.logged == []


def test_the_greetings_language_buttons_send_a_payload_rasa_reads():
    loaded = domain()
    generator = TemplatedNaturalLanguageGenerator(loaded.responses)
    payloads = {}
    for language in LANGUAGES:
        tracker = DialogueStateTracker.from_events("greet-test", [], slots=loaded.slots)
        tracker.slots[SLOT_LANGUAGE].value = language
        reply = asyncio.run(generator.generate("utter_greet", tracker, "rest"))
        payloads[language] = [b["payload"] for b in reply["buttons"] if b["payload"].startswith("/choose_language")]
    assert payloads == {"en": ['/choose_language{"language": "es"}'], "es": ['/choose_language{"language": "en"}']}
