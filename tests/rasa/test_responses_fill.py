"""Every response of the domain, in both languages, is filled by Rasa's response generator without an error: a stray "{" in a text or a button payload makes Rasa log an error (with its traceback) each time the response is sent, and sends the text as written."""

from __future__ import annotations

import asyncio

from rasa.core.nlg import interpolator
from rasa.shared.core.domain import Domain
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from cers.conversation.names import LANGUAGES, SLOT_LANGUAGE
from cers.settings import load_office
from channels.nlg import OfficeResponses
from channels.topic_rules import with_every_language
from tests.servers import ROOT


def domain() -> Domain:
    """The domain as training reads it (channels/topic_rules.py: the Spanish texts as conditional variations)."""
    return with_every_language(Domain.load(str(ROOT / "domain.yml")))


class Errors:
    """Stands for the interpolator's structlog logger: records what it would log as an error."""

    def __init__(self) -> None:
        self.logged: list = []

    def exception(self, event: str, **values) -> None:
        self.logged.append((event, values.get("response")))


def test_every_response_fills_in_both_languages_without_an_error(monkeypatch):
    loaded = domain()
    generator = OfficeResponses(domain=loaded)
    errors = Errors()
    monkeypatch.setattr(interpolator, "structlogger", errors)
    for language in LANGUAGES:
        tracker = DialogueStateTracker.from_events("fill-test", [], slots=loaded.slots)
        for slot in loaded.slots:  # every slot a text might name has a value (the office's: channels/nlg.py)
            if isinstance(slot, TextSlot) and not slot.name.startswith("office_"):
                tracker.slots[slot.name].value = f"<{slot.name}>"
        tracker.slots[SLOT_LANGUAGE].value = language
        for name in loaded.responses:
            asyncio.run(generator.generate(name, tracker, "rest"))
    assert errors.logged == []


def test_the_greetings_language_buttons_send_a_payload_rasa_reads():
    loaded = domain()
    generator = OfficeResponses(domain=loaded)
    payloads = {}
    for language in LANGUAGES:
        tracker = DialogueStateTracker.from_events("greet-test", [], slots=loaded.slots)
        tracker.slots[SLOT_LANGUAGE].value = language
        reply = asyncio.run(generator.generate("utter_greet", tracker, "rest"))
        payloads[language] = [b["payload"] for b in reply["buttons"] if b["payload"].startswith("/choose_language")]
    assert payloads == {"en": ['/choose_language{"language": "es"}'], "es": ['/choose_language{"language": "en"}']}


def test_the_offices_details_are_filled_in_from_office_yml_not_from_the_conversation():
    """No conversation stores the office's details (they would be 6 more events in each): the
    generator fills them in at each reply, in the reply's language, from office.yml as it is now."""
    loaded = domain()
    generator = OfficeResponses(domain=loaded)
    office = load_office()
    with_phone = [
        name for name, variations in loaded.responses.items() if "{office_phone}" in variations[0].get("text", "")
    ]
    assert with_phone  # the responses that give the office's phone
    for language in LANGUAGES:
        tracker = DialogueStateTracker.from_events("office-test", [], slots=loaded.slots)
        tracker.slots[SLOT_LANGUAGE].value = language
        tracker.slots["office_phone"].value = "(000) 000-0000"  # what an older conversation may hold
        for name in with_phone:
            text = asyncio.run(generator.generate(name, tracker, "rest"))["text"]
            assert office.phone in text and "(000) 000-0000" not in text and "{office" not in text, (language, name)
