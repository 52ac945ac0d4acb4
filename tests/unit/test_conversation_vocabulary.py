"""The conversation's vocabulary (cers/conversation/): every intent, action, form, response, slot and entity name the code refers to is one Rasa declares, and a new channel is one registration."""

from __future__ import annotations

from pathlib import Path

import yaml

from cers.conversation import channels, names

ROOT = Path(__file__).resolve().parents[2]


def domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def declared_names():
    """kind -> the names Rasa knows: domain.yml's, and the few Rasa makes itself."""
    declared = domain()
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    # nlu_fallback is the FallbackClassifier's (config.yml); action_listen and requested_slot are Rasa's own.
    fallback = {"nlu_fallback"} if any(step["name"] == "FallbackClassifier" for step in pipeline) else set()
    return {
        "intent": {i if isinstance(i, str) else next(iter(i)) for i in declared["intents"]} | fallback,
        "action": set(declared["actions"]) | {"action_listen"},
        "form": set(declared["forms"]),
        "response": set(declared["responses"]),
        "slot": set(declared["slots"]) | {"requested_slot"},
        "entity": {e if isinstance(e, str) else next(iter(e)) for e in declared["entities"]},
    }


def kind_of(constant: str):
    """The kind of name a constant of names.py is, by its name (SLOT_*, *_INTENT, *_ACTION, ...)."""
    if constant.startswith("SLOT_"):
        return "slot"
    for kind in ("intent", "action", "form", "response", "entity"):
        if constant.endswith(f"_{kind.upper()}"):
            return kind
    return None


def test_every_name_in_the_vocabulary_is_one_rasa_knows():
    known = declared_names()
    for constant, value in vars(names).items():
        kind = kind_of(constant)
        if kind is not None:
            assert value in known[kind], (
                f"{constant} = {value!r} is not a{'n' * (kind[0] in 'aeiou')} {kind} of domain.yml"
            )


def test_every_response_and_action_in_the_vocabulary_is_named_for_its_kind():
    # A name that the test above would not check (DEFAULT = "utter_default") fails here.
    for constant, value in vars(names).items():
        if isinstance(value, str) and constant.isupper():
            if value.startswith("utter_"):
                assert kind_of(constant) == "response", f"{constant} = {value!r}: name it *_RESPONSE"
            elif value.startswith(("action_", "validate_")):
                assert kind_of(constant) == "action", f"{constant} = {value!r}: name it *_ACTION"


def test_the_office_slots_are_declared_for_every_language():
    slots = declared_names()["slot"]
    for slot in (
        names.SLOT_OFFICE_NAME,
        names.SLOT_OFFICE_PHONE,
        names.SLOT_OFFICE_DUE_DATE,
        names.SLOT_OFFICE_CONTACT,
    ):
        assert slot.startswith(names.OFFICE_SLOT_PREFIX)
    for language in names.LANGUAGES:
        if language != names.ENGLISH:
            for slot in (names.SLOT_OFFICE_DUE_DATE, names.SLOT_OFFICE_CONTACT):
                assert f"{slot}_{language}" in slots


def test_a_new_channel_is_one_registration(monkeypatch):
    from cers.dashboard.summary import channel_name as channel_label

    monkeypatch.setattr(channels, "CHANNELS", dict(channels.CHANNELS))
    assert channel_label("fax") == "fax" and not channels.is_staff_channel("fax")
    channels.register(channels.Channel("fax", "Fax line", plain_text=True, webhook="/webhooks/fax/webhook"))
    channels.register(channels.Channel("front_desk", "Front-desk tablet", staff=True))
    assert channel_label("fax") == "Fax line"
    assert not channels.is_staff_channel("fax") and channels.is_staff_channel("front_desk")
    # A staff conversation on it gets staff powers in the actions (actions/state.py reads the registry).
    from actions.state import is_staff

    class Tracker:
        def get_latest_input_channel(self):
            return "front_desk"

    assert is_staff(Tracker())
