"""Rasa's RulePolicy with its per-message work remembered, registered with Rasa's recipe and named in config.yml, so that `rasa test`, `rasa shell` and the server all predict with this same code."""

from __future__ import annotations

import itertools
import weakref
from typing import Any, Dict, FrozenSet, List, Optional, Set, Text, Tuple

from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

# Events after which the states can no longer be carried on: they rewrite the history that
# applied_events() gives (a loop's own ActionExecuted too: applied_events() drops a loop's
# earlier turns once the loop is done).
REWRITES_HISTORY = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)
# Bounds on what is remembered: new message texts make new states, and every conversation its tracker.
MAX_REMEMBERED_MATCHES = 4096
MAX_REMEMBERED_TRACKERS = 1024


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class CachedRulePolicy(RulePolicy):
    """RulePolicy, predicting what it predicts, with two costs of each prediction remembered.

    - Rule matching: RulePolicy tests each of its rules (266 here) against the conversation's states
      at every prediction (~0.4 ms each, three per message). Whether a rule fits turn i depends
      only on (i, that turn's state), so the rules that fit are remembered per (i, state).
    - States: RulePolicy recomputes the conversation's states (Domain.states_for_tracker_history)
      from the whole conversation three times per message, replaying every event (O(length),
      ~0.5 ms each at 20 messages). For a tracker it has seen, it carries on from the events it
      already replayed, as long as the new events only add to the history.

    Training is RulePolicy's own code, unchanged: the model holds the lookup RulePolicy learns,
    and the saved files are RulePolicy's (same names, same format). Predictions name this class
    as their policy (PolicyPrediction uses the class name), e.g. in the tracker store's events.
    """

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[TrackerFeaturizer] = None,
        lookup: Optional[Dict] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer, lookup)
        self._remembering = True
        self._rule_tables: Dict[int, _RuleTable] = {}
        self._states = _TrackerStates()

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # RulePolicy's training (its contradiction checks predict on the training trackers) runs
        # RulePolicy's code, so that what is learnt cannot depend on what this class remembers.
        self._remembering = False
        try:
            return super().train(training_trackers, domain, **kwargs)
        finally:
            self._remembering = True

    def _get_possible_keys(self, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
        if not self._remembering:
            return super()._get_possible_keys(lookup, states)
        try:
            turns = [_hashable_state(state) for state in reversed(states)]
        except TypeError:  # an unhashable value in a state: Rasa's way
            return super()._get_possible_keys(lookup, states)
        table = self._rule_tables.get(id(lookup))
        if table is None or not table.serves(lookup):
            table = self._rule_tables[id(lookup)] = _RuleTable(self, lookup)
        return table.possible_keys(lookup, states, turns)

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        # A tracker with its own past_states (training's TrackerWithCachedStates) keeps it.
        if not self._remembering or type(tracker).past_states is not DialogueStateTracker.past_states:
            return super()._prediction_states(tracker, domain, use_text_for_last_user_input, rule_only_data)
        # Rasa's featurizer does the rest (history slicing, text or intent for the last message)
        # on the states carried on.
        return super()._prediction_states(
            _WithKnownStates(tracker, self._states), domain, use_text_for_last_user_input, rule_only_data
        )


def _hashable_state(state: State) -> Any:
    return frozenset((kind, frozenset(sub_state.items())) for kind, sub_state in state.items())


class _RuleTable:
    """Which rules of one lookup fit turn i of a conversation in a given state, as found so far.

    RulePolicy._get_possible_keys keeps the rules that fit at every turn, going back in time; a
    rule fits turn i according to _is_rule_applicable(rule, i, state), a function of those three
    alone. The lookup is held (so its id cannot be reused by another dict), and the table is
    rebuilt if the lookup gains a rule; rules it loses are dropped by intersecting with its keys.
    """

    def __init__(self, policy: CachedRulePolicy, lookup: Dict[Text, Text]) -> None:
        self.policy, self.lookup, self.keys = policy, lookup, frozenset(lookup)
        # Past a rule's length every turn fits it (_is_rule_applicable): no need to look further back.
        self.longest = max((len(policy._rule_key_to_state(key)) for key in lookup), default=0)
        self.fitting: Dict[Tuple[int, Any], FrozenSet[Text]] = {}

    def serves(self, lookup: Dict[Text, Text]) -> bool:
        return lookup is self.lookup and lookup.keys() <= self.keys

    def possible_keys(self, lookup: Dict[Text, Text], states: List[State], turns: List[Any]) -> Set[Text]:
        possible_keys = set(lookup.keys())
        for i, (state, turn) in enumerate(zip(reversed(states), turns)):
            if i >= self.longest or not possible_keys:
                break
            fitting = self.fitting.get((i, turn))
            if fitting is None:
                fitting = frozenset(key for key in self.keys if self.policy._is_rule_applicable(key, i, state))
                if len(self.fitting) >= MAX_REMEMBERED_MATCHES:
                    self.fitting.clear()
                self.fitting[(i, turn)] = fitting
            possible_keys &= fitting
        return possible_keys


class _StatesSoFar:
    """A tracker's states as computed so far, and the replayed tracker they were read from."""

    def __init__(self, domain: Domain, omit_unset_slots: bool) -> None:
        self.domain, self.omit_unset_slots = domain, omit_unset_slots
        self.events_seen: int = 0
        self.last_event: Any = None
        self.loop_names: Set[str] = set()
        self.states: List[State] = []  # one per ActionExecuted replayed so far
        self.replay: Any = None

    def continues(self, domain: Domain, omit_unset_slots: bool, events: Any) -> bool:
        return (
            self.domain is domain
            and self.omit_unset_slots == omit_unset_slots
            and 0 < self.events_seen <= len(events)
            and events[self.events_seen - 1] is self.last_event
        )

    def add(self, new_events: List[Any]) -> None:
        """Domain.states_for_tracker_history's loop (generate_all_prior_trackers), for more events."""
        for event in new_events:
            if isinstance(event, ActionExecuted):
                self.states.append(self.state())
            self.replay.update(event)

    def state(self) -> State:
        return self.domain._clean_state(
            self.domain.get_active_state(self.replay, omit_unset_slots=self.omit_unset_slots)
        )


class _TrackerStates:
    """Domain.states_for_tracker_history(tracker) for trackers seen before with fewer events (the
    rule policy asks up to three times per message, each time after a few more events): it
    carries on from where it was instead of replaying the whole conversation again, when the new
    events simply add to the history (applied_events() would just append them). Kept per tracker
    object, for as long as that object lives (weak references: nothing is stored on the tracker)."""

    def __init__(self) -> None:
        self._so_far: Dict[int, Tuple[weakref.ref, _StatesSoFar]] = {}

    def states(self, tracker: DialogueStateTracker, domain: Domain, omit_unset_slots: bool = False) -> List[State]:
        events = tracker.events
        known = self._so_far.get(id(tracker))
        so_far = known[1] if known is not None and known[0]() is tracker else None
        new_events = None
        if so_far is not None and so_far.continues(domain, omit_unset_slots, events):
            new_events = list(itertools.islice(events, so_far.events_seen, None))
            if any(
                isinstance(e, REWRITES_HISTORY)
                or (isinstance(e, ActionExecuted) and e.action_name in so_far.loop_names)
                for e in new_events
            ):
                new_events = None
        if new_events is None:  # from the start, as Rasa does
            so_far = _StatesSoFar(domain, omit_unset_slots)
            so_far.replay = tracker.init_copy()
            so_far.loop_names = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
            new_events = tracker.applied_events()
            self._remember(tracker, so_far)
        assert so_far is not None and new_events is not None
        so_far.add(new_events)
        so_far.events_seen, so_far.last_event = len(events), events[-1] if len(events) else None
        # New dicts each time, as Rasa's: callers edit the states they get.
        return [
            {kind: dict(sub_state) for kind, sub_state in state.items()} for state in so_far.states + [so_far.state()]
        ]

    def _remember(self, tracker: DialogueStateTracker, so_far: _StatesSoFar) -> None:
        key = id(tracker)
        if len(self._so_far) >= MAX_REMEMBERED_TRACKERS:
            self._so_far.clear()
        so_far_by_id = self._so_far

        def forget(_: Any) -> None:  # the tracker is gone (before its id can be reused)
            known = so_far_by_id.get(key)
            if known is not None and known[1] is so_far:
                del so_far_by_id[key]

        self._so_far[key] = (weakref.ref(tracker, forget), so_far)

    def __len__(self) -> int:
        return len(self._so_far)


class _WithKnownStates:
    """The tracker, as seen by Rasa's featurizer, with its past states carried on (_TrackerStates)
    rather than replayed; everything else is the tracker's own."""

    def __init__(self, tracker: DialogueStateTracker, states: _TrackerStates) -> None:
        self._tracker, self._states = tracker, states

    def past_states(
        self,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        if ignore_rule_only_turns:  # the ML policies' variant (not RulePolicy's): Rasa's code
            return self._tracker.past_states(domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        return self._states.states(self._tracker, domain, omit_unset_slots)

    def __getattr__(self, name: Text) -> Any:
        return getattr(self._tracker, name)
