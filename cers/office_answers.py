"""What an office's profile changes in a topic's answer: a program it does not run (who does), its own pages (fees, forms) and its local rules, said with the topic's usual answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

from cers.conversation.names import (
    APSA_PROGRAM_INTENT,
    CALARP_PROGRAM_INTENT,
    CLOSE_SELL_MOVE_BUSINESS_INTENT,
    FEES_AND_INVOICES_INTENT,
    HAZARDOUS_WASTE_GENERATOR_INTENT,
    UST_PROGRAM_INTENT,
)
from cers.settings import Office
from cers.templates import DEFAULT_LANGUAGE, office_values, render

# The topics whose answer depends on the office (cers/topics.yml names action_office_topic for
# them): the program each belongs to, if any, and the office page it points to, if any.
PROGRAM_OF_TOPIC: Dict[str, str] = {
    UST_PROGRAM_INTENT: "underground_tanks",
    APSA_PROGRAM_INTENT: "aboveground_petroleum",
    HAZARDOUS_WASTE_GENERATOR_INTENT: "hazardous_waste",
    CALARP_PROGRAM_INTENT: "calarp",
}
# The office's fee page after the fees answer; its forms page after a program's answer.
LINK_OF_TOPIC: Dict[str, str] = {FEES_AND_INVOICES_INTENT: "fees", **{topic: "forms" for topic in PROGRAM_OF_TOPIC}}
OFFICE_TOPICS = frozenset(PROGRAM_OF_TOPIC) | frozenset(LINK_OF_TOPIC) | {CLOSE_SELL_MOVE_BUSINESS_INTENT}


@dataclass(frozen=True)
class OfficeAnswer:
    """The topic's usual response (None: not for this office), then sentences of the office's own."""

    response: Optional[str]
    texts: List[str]


def say(template: str, language: str, **values: str) -> str:
    return render("answers", f"office_topic.{template}", language=language, **values)


def office_answer(intent: str, office: Office, language: str = DEFAULT_LANGUAGE) -> OfficeAnswer:
    program = PROGRAM_OF_TOPIC.get(intent)
    if program and not office.runs(program):
        elsewhere = office.elsewhere[program]
        values = {
            **office_values(office, language),
            "program": say(f"program_names.{program}", language),
            "agency": elsewhere.handled_by,
        }
        texts = [say("elsewhere", language, **values)]
        texts.append(
            say("elsewhere_contact", language, **values, contact=elsewhere.contact)
            if elsewhere.contact
            else say("elsewhere_ask", language, **values)
        )
        return OfficeAnswer(None, texts)
    texts = []
    link = LINK_OF_TOPIC.get(intent)
    if link and office.links.get(link):
        texts.append(say(f"link.{link}", language, url=office.links[link]))
    texts += [
        say("local_rule", language, text=rule.text_in(language), source=rule.source)
        for rule in office.local_rules
        if rule.topic == intent
    ]
    return OfficeAnswer(f"utter_{intent}", texts)


def check_local_rules(office: Office) -> List[str]:
    """Problems with the office's local rules: a topic that cannot carry one (the action server
    refuses to start with them)."""
    return [
        f"local_rules: topic {rule.topic!r} cannot carry a local rule (one of: {', '.join(sorted(OFFICE_TOPICS))})"
        for rule in office.local_rules
        if rule.topic not in OFFICE_TOPICS
    ]
