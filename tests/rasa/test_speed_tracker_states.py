"""channels.policies: the conversation states carried on from the previous call (what
CachedRulePolicy predicts from) are the states Rasa's Domain.states_for_tracker_history gives,
whatever events are added in between (including events that rewrite the history: restarts,
sessions, rewinds, loops)."""

from __future__ import annotations

import gc
import random
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from channels.policies import _TrackerStates

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
RASA = Domain.states_for_tracker_history  # Rasa's own: nothing here patches it


def user(text, intent, entities=()):
    return UserUttered(text, {"name": intent, "confidence": 0.9}, list(entities))


def turn(rng):
    intent = rng.choice(DOMAIN.intents)
    entities = (
        [{"entity": DOMAIN.entities[0], "value": "x", "start": 0, "end": 1}]
        if DOMAIN.entities and rng.random() < 0.2
        else []
    )
    action = rng.choice([a for a in DOMAIN.action_names_or_texts if a.startswith("utter_")])
    return [
        ActionExecuted("action_listen"),
        user(f"text {rng.random()}", intent, entities),
        ActionExecuted(action),
        BotUttered("answer", metadata={"utter_action": action}),
    ]


def other(rng):
    slot = rng.choice(DOMAIN.slots)
    return rng.choice(
        [
            [SlotSet(slot.name, rng.choice([None, "a", "b", 1.0, True]))],
            [Restarted()],
            [ActionExecuted("action_session_start"), SessionStarted()],
            [UserUtteranceReverted()],
            [ActionReverted()],
            [ActiveLoop("some_form")],
            [ActionExecuted("some_form")],
            [ActiveLoop(None)],
            [FollowupAction("utter_greet")],
        ]
    )


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("omit_unset_slots", [False, True])
def test_same_states_as_rasa_after_every_event(seed, omit_unset_slots, monkeypatch):
    rng = random.Random(seed)
    continued = _TrackerStates()
    tracker = DialogueStateTracker("s", DOMAIN.slots)
    reference = DialogueStateTracker("s", DOMAIN.slots)
    replays = []
    applied_events = DialogueStateTracker.applied_events

    def counting(self):
        if self is tracker:
            replays.append(1)
        return applied_events(self)

    monkeypatch.setattr(DialogueStateTracker, "applied_events", counting)
    calls = 0
    for _ in range(30):
        events = turn(rng) if rng.random() < 0.7 else other(rng)
        for event in events[: rng.randint(1, len(events))] if rng.random() < 0.3 else events:
            tracker.update(event)
            reference.update(event)
        replays_before = len(replays)
        ours = continued.states(tracker, DOMAIN, omit_unset_slots=omit_unset_slots)
        again = continued.states(tracker, DOMAIN, omit_unset_slots=omit_unset_slots)
        calls += 1 if len(replays) == replays_before else 0  # carried on, not replayed
        assert ours == again == RASA(DOMAIN, reference, omit_unset_slots=omit_unset_slots)
        ours[-1].clear()  # callers edit what they get: that must not reach the next call
    assert calls >= 5  # most steps carry on from the previous call


def test_a_copy_of_the_tracker_starts_again():
    rng = random.Random(1)
    continued = _TrackerStates()
    tracker = DialogueStateTracker("s", DOMAIN.slots)
    for events in [turn(rng) for _ in range(5)]:
        tracker.update_with_events(events, None)
    continued.states(tracker, DOMAIN)
    copied = tracker.copy()
    copied.update_with_events(turn(rng), None)
    assert continued.states(copied, DOMAIN) == RASA(DOMAIN, copied)
    assert continued.states(tracker, DOMAIN) == RASA(DOMAIN, tracker)


def test_a_tracker_is_forgotten_with_it_and_nothing_is_stored_on_it():
    continued = _TrackerStates()
    tracker = DialogueStateTracker("s", DOMAIN.slots)
    tracker.update_with_events(turn(random.Random(2)), None)
    attributes = set(vars(tracker))
    continued.states(tracker, DOMAIN)
    assert len(continued) == 1 and set(vars(tracker)) == attributes
    del tracker
    gc.collect()
    assert len(continued) == 0
