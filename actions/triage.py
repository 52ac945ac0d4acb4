"""Actions for the replies that must never depend on a good guess: an emergency (911 first, in Spanish too) and a message the bot was not sure about ("Did you mean ...")."""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.reminders import continue_signup
from actions.state import reply_language
from cers.conversation.names import (
    DEFAULT_RESPONSE,
    DID_YOU_MEAN_ACTION,
    DID_YOU_MEAN_RESPONSE,
    ELEMENT_FACILITY_INFORMATION_RESPONSE,
    ELEMENT_FOLLOW_UP_ACTION,
    ELEMENT_INVENTORY_RESPONSE,
    ELEMENT_PLANS_RESPONSE,
    EMERGENCY_ACTION,
    EMERGENCY_BILINGUAL_RESPONSE,
    EMERGENCY_RESPONSE,
    HAZARD_CAUTION_RESPONSE,
    NONE_OF_THESE_INTENT,
    OUT_OF_SCOPE_INTENT,
    OUT_OF_SCOPE_RESPONSE,
    SITE_MAP_RESPONSE,
    SLOT_STATUS_OPEN,
    STATUS_CHECK_RESUME_RESPONSE,
    SUBMITTAL_ELEMENTS_RESPONSE,
    UNSURE_INTENT,
)
from cers.emergency import mentions_hazard
from cers.language import answer_in_both, mentions_spanish_hazard
from cers.reminders.signup import Answer
from cers.templates import render
from cers.topics import best_guesses, topic_titles

NONE_OF_THESE_PAYLOAD = f"/{NONE_OF_THESE_INTENT}"


def caution_if_hazard(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Before a "not sure" reply: "call 911 if it is happening now" when the message names a hazard."""
    text = tracker.latest_message.get("text") or ""
    if mentions_hazard(text) or mentions_spanish_hazard(text):
        dispatcher.utter_message(response=HAZARD_CAUTION_RESPONSE)


class ActionReportEmergency(Action):
    """911 first (in the conversation's language; in both when an English conversation's message
    names it in Spanish), then where to report the release."""

    def name(self) -> Text:
        return EMERGENCY_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        if answer_in_both(tracker.latest_message.get("text") or "", reply_language(tracker)):
            dispatcher.utter_message(response=EMERGENCY_BILINGUAL_RESPONSE)
        else:
            dispatcher.utter_message(response=EMERGENCY_RESPONSE)
        if tracker.get_slot(SLOT_STATUS_OPEN):
            # The status check waits; say how to pick it up again once people are safe.
            dispatcher.utter_message(response=STATUS_CHECK_RESUME_RESPONSE)
        return []


class ActionDidYouMean(Action):
    """Not sure what was asked: offer the two or three likeliest topics, and "Something else".

    A message that names a hazard or a release ("fule all over by pump 3?") is never met with a
    bare "not sure": "if it is happening now, call 911" comes first."""

    def name(self) -> Text:
        return DID_YOU_MEAN_ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        signup = await continue_signup(dispatcher, tracker, Answer.OTHER)  # a phone number or a code it asked for
        if signup is not None:
            return signup
        caution_if_hazard(dispatcher, tracker)
        ranking = [
            (guess.get("name"), float(guess.get("confidence") or 0.0))
            for guess in tracker.latest_message.get("intent_ranking") or []
            if guess.get("name") and guess.get("name") != UNSURE_INTENT
        ]
        if ranking and max(ranking, key=lambda pair: pair[1])[0] == OUT_OF_SCOPE_INTENT:
            dispatcher.utter_message(response=OUT_OF_SCOPE_RESPONSE)
            return []
        guesses = best_guesses(ranking)
        if not guesses:
            dispatcher.utter_message(response=DEFAULT_RESPONSE)
            return []
        language = reply_language(tracker)
        titles = topic_titles(language)
        buttons = [{"title": titles[intent], "payload": f"/{intent}"} for intent in guesses]
        none = render("answers", "did_you_mean_none", language=language)
        buttons.append({"title": none, "payload": NONE_OF_THESE_PAYLOAD})
        dispatcher.utter_message(response=DID_YOU_MEAN_RESPONSE, buttons=buttons)
        return []


# A part of the submittal asked about right after the elements answer ("what about the
# inventory?"): the NLU reads it as the elements question again, so the part is read from the
# words, and the answer is that part's (domain.yml, utter_element_*).
ELEMENT_WORDS = (
    (ELEMENT_INVENTORY_RESPONSE, ("inventor", "chemical", "material", "químic", "quimic")),
    (ELEMENT_PLANS_RESPONSE, ("plan", "training", "emergency response", "capacitaci", "respuesta")),
    (
        ELEMENT_FACILITY_INFORMATION_RESPONSE,
        ("facility info", "business activit", "owner", "operator", "dueño", "dueno", "información de la inst"),
    ),
    (SITE_MAP_RESPONSE, ("map",)),
)


class ActionElementFollowUp(Action):
    """Right after the elements answer, a question about one part of it gets that part's answer."""

    def name(self) -> Text:
        return ELEMENT_FOLLOW_UP_ACTION

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]):
        text = (tracker.latest_message.get("text") or "").lower()
        for response, words in ELEMENT_WORDS:
            if any(word in text for word in words):
                dispatcher.utter_message(response=response)
                return []
        dispatcher.utter_message(response=SUBMITTAL_ELEMENTS_RESPONSE)
        return []
