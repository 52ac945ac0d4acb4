"""channels.rasa_patches: nothing is patched at import, the patches refuse any Rasa but 3.6.21,
undo() puts back every original, the launcher applies them, and the action-reply check and the
event class table give what Rasa's own code gives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from channels import rasa_patches

ROOT = Path(__file__).resolve().parents[2]
PATCHED = [
    (RemoteAction, "_validate_action_result"),
    (Event, "resolve_by_type"),
    (DaskGraphRunner, "run"),
    (MessageProcessor, "_parse_message_with_graph"),
]


def held():
    return [vars(owner).get(name) for owner, name in PATCHED]


def test_importing_the_launcher_patches_nothing():
    check = (
        "import channels.serve, channels.rasa_patches as p, rasa.engine.runner.dask as d; "
        "assert not p.applied() and d.DaskGraphRunner.run.__module__ == 'rasa.engine.runner.dask'"
    )
    subprocess.run([sys.executable, "-c", check], cwd=ROOT, check=True, capture_output=True, timeout=120)
    assert not rasa_patches.applied()


def test_refuses_any_other_rasa_version(monkeypatch):
    before = held()
    monkeypatch.setattr(rasa, "__version__", "3.6.22")
    with pytest.raises(rasa_patches.UnsupportedRasaVersion, match="3.6.22"):
        rasa_patches.apply()
    assert held() == before and not rasa_patches.applied()


def test_undo_puts_back_every_original():
    before = held()
    rasa_patches.apply()
    try:
        replaced = held()
        assert all(now is not then for now, then in zip(replaced, before))
        rasa_patches.apply()  # once only
        assert held() == replaced
        assert [rasa_patches.original(owner, name) for owner, name in PATCHED] == before
    finally:
        rasa_patches.undo()
    assert all(now is then for now, then in zip(held(), before)) and not rasa_patches.applied()
    rasa_patches.undo()  # nothing left to undo
    assert all(now is then for now, then in zip(held(), before))


def test_the_launcher_applies_them_before_rasa_runs(monkeypatch):
    import rasa.__main__

    from channels import serve

    seen = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append(rasa_patches.applied()))
    try:
        serve.main()
    finally:
        rasa_patches.undo()
    assert seen == [True]


def test_the_launcher_refuses_to_start_on_another_rasa(monkeypatch):
    import rasa.__main__

    from channels import serve

    seen = []
    monkeypatch.setattr(rasa.__main__, "main", lambda: seen.append("ran"))
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(rasa_patches.UnsupportedRasaVersion):
        serve.main()
    assert seen == [] and not rasa_patches.applied()


def test_event_classes_as_rasa_finds_them(rasa_patched):
    walk = rasa_patches.original(Event, "resolve_by_type").__func__
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is walk(cls.type_name)
    assert Event.resolve_by_type("no such event", default=Event) is Event
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no such event")


REPLIES = [
    {"events": [{"event": "slot", "name": "office", "value": "x"}], "responses": [{"text": "hi"}]},
    {"events": [], "responses": []},
    {"events": [{"event": 3}], "responses": []},
    {"events": "not a list", "responses": []},
    {"responses": [{"text": 1}]},
]


def test_action_replies_checked_as_rasa_checks_them(rasa_patched):
    from jsonschema import ValidationError

    rasas = rasa_patches.original(RemoteAction, "_validate_action_result")
    action = RemoteAction("action_x", None)

    def outcome(check, reply):
        try:
            return check(action, reply)
        except ValidationError as error:
            return error.message

    outcomes = [outcome(RemoteAction._validate_action_result, reply) for reply in REPLIES]
    assert outcomes == [outcome(rasas, reply) for reply in REPLIES]
    assert outcomes[:2] == [True, True] and all(isinstance(o, str) for o in outcomes[2:4])


def test_a_language_entity_that_repeats_the_conversations_language_is_left_out():
    """Issue 20: the slot is set only when the language changes (no SlotSet on every turn); an
    entity that changes it, and every other entity, stay."""
    from types import SimpleNamespace

    from channels.rasa_patches import _parse_without_repeated_language

    entities = [
        {"entity": "language", "value": "es", "start": 0, "end": 0},
        {"entity": "guide", "value": "add_user", "start": 0, "end": 0},
    ]

    def parse(self, message, tracker, only_output_properties=True):
        return {"text": message, "entities": [dict(e) for e in entities]}

    def tracker(language):
        slots = {"language": language}
        return SimpleNamespace(slots=slots, get_slot=slots.get)

    patched = _parse_without_repeated_language(parse)
    assert [e["entity"] for e in patched(None, "hola", tracker("es"))["entities"]] == ["guide"]
    assert [e["entity"] for e in patched(None, "hola", tracker("en"))["entities"]] == ["language", "guide"]
    assert [e["entity"] for e in patched(None, "hola", tracker(None))["entities"]] == ["language", "guide"]
