"""Lists the responses that code sends though no story or rule names them, so `rasa data validate`'s "not used" warnings for them can be dropped (scripts/test.sh)."""

# Three kinds: a *_RESPONSE constant of the vocabulary that the actions use; the question a form
# asks for each required slot (Rasa sends utter_ask_<slot> itself); and the answer of each topic
# that action_office_topic sends (cers/topics.yml). One name per line.
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cers.conversation import names  # noqa: E402


def sent_by_actions() -> set[str]:
    code = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "actions").glob("*.py")))
    return {
        value
        for constant, value in vars(names).items()
        if constant.endswith("_RESPONSE") and re.search(rf"\b{constant}\b", code)
    }


def asked_by_forms(domain: dict) -> set[str]:
    return {
        f"utter_ask_{slot}" for form in (domain.get("forms") or {}).values() for slot in form.get("required_slots", [])
    }


def answered_by_topic_action() -> set[str]:
    topics = yaml.safe_load((ROOT / "cers" / "topics.yml").read_text(encoding="utf-8"))
    rows = topics.get("topics", topics) if isinstance(topics, dict) else {}
    return {
        f"utter_{name}"
        for name, topic in rows.items()
        if isinstance(topic, dict) and topic.get("answer") == names.OFFICE_TOPIC_ACTION
    }


def main() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name in sorted(sent_by_actions() | asked_by_forms(domain) | answered_by_topic_action()):
        print(name)


if __name__ == "__main__":
    main()
