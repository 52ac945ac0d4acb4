"""The conversation's vocabulary (cers/conversation/): every name the code refers to is one Rasa declares, and a new channel is one registration."""

from __future__ import annotations

from pathlib import Path

import yaml

from cers.conversation import channels, names

ROOT = Path(__file__).resolve().parents[2]


def domain():
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_every_intent_action_and_slot_named_in_the_vocabulary_is_declared_in_the_domain():
    declared = domain()
    intents = {i if isinstance(i, str) else next(iter(i)) for i in declared["intents"]} | {"nlu_fallback"}
    actions = set(declared["actions"]) | {"action_session_start"}
    slots = set(declared["slots"])
    for name, value in vars(names).items():
        if name.endswith("_INTENT"):
            assert value in intents, f"{name} = {value!r} is not an intent of domain.yml"
        elif name.endswith("_ACTION"):
            assert value in actions, f"{name} = {value!r} is not an action of domain.yml"
        elif name.startswith("SLOT_"):
            assert value in slots, f"{name} = {value!r} is not a slot of domain.yml"


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
