"""Behaviour-preserving speed fixes to Rasa 3.6, applied by the launcher (python -m channels.serve).

Each fix computes what Rasa computes, only cheaper; tests/unit/test_speed_*.py compare each with
Rasa's own code. Costs are per message on this 2-core machine, measured in-process.

- Action server replies: Rasa validates each with jsonschema.validate(), which re-checks the
  schema itself on every call (about 60 ms of CPU per custom action, with the event loop
  serving nobody). A validator built once checks the same thing.
- Event classes: Rasa finds an event's class by walking every Event subclass for each event it
  loads (about 2.5 ms). The classes are all defined at import: a table built once.
- Graph runs (NLU once, policies twice per message) go through dask's scheduler (~0.4 ms each).
  The nodes are called directly, parents first, with the same inputs.
- RulePolicy tests each of its ~190 rules against the conversation's states at every
  prediction (~0.4 ms each, three per message). Whether a rule fits turn i depends only on
  (i, that turn's state): remembered.
- RulePolicy's states (Domain.states_for_tracker_history) are recomputed from the whole
  conversation three times per message, replaying every event (O(length), ~0.5 ms each at 20
  messages). For a tracker it has seen, it carries on from the events it already replayed, as
  long as the new events only add to the history.
- Garbage collection: with the model loaded (~550,000 objects), each full collection scans
  them all (~1.8 ms per message on average, in pauses of 100+ ms). gc.freeze() once the model
  is loaded leaves them out of collections; they live as long as the server anyway (a model
  replaced later through Rasa's HTTP API, which this project does not enable, would stay in
  memory).
"""
from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Any, Dict, List, Text


@lru_cache(maxsize=1)
def _action_response_validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _action_response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error


@lru_cache(maxsize=1)
def _event_classes() -> Dict[Text, Any]:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    table: Dict[Text, Any] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the first match wins, as in Rasa's loop
    return table


def _run_graph_in_order(self, inputs: Dict[Text, Any] = None, targets: List[Text] = None) -> Dict[Text, Any]:
    """DaskGraphRunner.run without dask: the same nodes called with the same inputs, parents
    first, in one fixed order (dask's synchronous scheduler also runs one node at a time)."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    plans = self.__dict__.setdefault("_speedups_plans", {})
    plan = plans.get(tuple(run_targets))
    if plan is None:  # the nodes the targets need, each after the nodes it needs
        nodes, plan, seen = self._graph_schema.minimal_graph_schema(run_targets).nodes, [], set()

        def visit(name: Text) -> None:
            if name in seen or name not in nodes:
                return
            seen.add(name)
            for parent in nodes[name].needs.values():
                visit(parent)
            plan.append((name, self._instantiated_nodes[name], list(nodes[name].needs.values())))

        for target in run_targets:
            visit(target)
        plan = plans[tuple(run_targets)] = (plan, set(nodes))
    steps, node_names = plan
    results: Dict[Text, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in node_names:  # as DaskGraphRunner._add_inputs_to_graph
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                f"names passed to the `run` method are the same as node names in the graph schema.")
        results[name] = (name, value)
    try:
        for name, node, parents in steps:
            # A parent that is neither a node nor an input reaches the node as its bare name, as with dask.
            results[name] = node(*[results.get(parent, parent) for parent in parents])
        return dict(results[target] for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


def _hashable_state(state: Dict[Text, Any]) -> Any:
    return frozenset((kind, frozenset(sub_state.items())) for kind, sub_state in state.items())


def _get_possible_keys_remembered(original):
    """RulePolicy._get_possible_keys: the rules left are those applicable at every turn, and
    whether a rule applies at turn i depends only on (i, that turn's state): remember it."""

    def _get_possible_keys(self, lookup, states):
        try:
            turns = [_hashable_state(state) for state in reversed(states)]
        except TypeError:  # an unhashable value in a state: Rasa's way
            return original(self, lookup, states)
        remembered = self.__dict__.setdefault("_speedups_applicable", {})
        # Past a rule's length every turn is applicable to it (_is_rule_applicable).
        longest = remembered.get(("longest", id(lookup)))
        if longest is None:
            longest = max((len(self._rule_key_to_state(key)) for key in lookup), default=0)
            remembered[("longest", id(lookup))] = longest
        possible_keys = set(lookup.keys())
        for i, (state, turn) in enumerate(zip(reversed(states), turns)):
            if i >= longest or not possible_keys:
                break
            applicable = remembered.get((id(lookup), i, turn))
            if applicable is None:
                applicable = frozenset(key for key in lookup if self._is_rule_applicable(key, i, state))
                if len(remembered) > 4096:  # bounded: new message texts make new states
                    remembered.clear()
                remembered[(id(lookup), i, turn)] = applicable
            possible_keys &= applicable
        return possible_keys

    _get_possible_keys.original = original
    return _get_possible_keys


class _StatesSoFar:
    """A tracker's states as computed so far, and the replayed tracker they were read from."""

    def __init__(self, domain: Any, omit_unset_slots: bool) -> None:
        self.domain, self.omit_unset_slots = domain, omit_unset_slots
        self.events_seen, self.last_event, self.loop_names = 0, None, set()
        self.states: List[Any] = []  # one per ActionExecuted replayed so far
        self.replay: Any = None

    def continues(self, domain: Any, omit_unset_slots: bool, events: Any) -> bool:
        return (self.domain is domain and self.omit_unset_slots == omit_unset_slots
                and 0 < self.events_seen <= len(events) and events[self.events_seen - 1] is self.last_event)

    def add(self, new_events: List[Any]) -> None:
        """Domain.states_for_tracker_history's loop (generate_all_prior_trackers), for more events."""
        from rasa.shared.core.events import ActionExecuted

        for event in new_events:
            if isinstance(event, ActionExecuted):
                self.states.append(self.state())
            self.replay.update(event)

    def state(self) -> Any:
        return self.domain._clean_state(self.domain.get_active_state(self.replay, omit_unset_slots=self.omit_unset_slots))


def _states_for_tracker_history_continued(original):
    """Domain.states_for_tracker_history for a tracker it has seen with fewer events (the rule
    policy asks up to three times per message, each time after a few more events): it carries
    on from where it was instead of replaying the whole conversation again. Only when the new
    events simply add to the history, i.e. applied_events() would just append them."""
    from rasa.shared.core.events import (ActionExecuted, ActionReverted, ActiveLoop, Restarted,
                                         SessionStarted, UserUtteranceReverted)

    rewrites_history = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)

    def states_for_tracker_history(self, tracker, omit_unset_slots=False, ignore_rule_only_turns=False,
                                   rule_only_data=None):
        if ignore_rule_only_turns:  # the ML policies' variant: Rasa's code
            return original(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        events = tracker.events
        so_far = tracker.__dict__.get("_speedups_states")
        new_events = None
        if so_far is not None and so_far.continues(self, omit_unset_slots, events):
            new_events = list(itertools.islice(events, so_far.events_seen, None))
            if any(isinstance(e, rewrites_history) or (isinstance(e, ActionExecuted) and e.action_name in so_far.loop_names)
                   for e in new_events):
                new_events = None
        if new_events is None:  # from the start, as Rasa does
            so_far = _StatesSoFar(self, omit_unset_slots)
            so_far.replay = tracker.init_copy()
            so_far.loop_names = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
            new_events = tracker.applied_events()
        so_far.add(new_events)
        so_far.events_seen, so_far.last_event = len(events), events[-1] if len(events) else None
        tracker.__dict__["_speedups_states"] = so_far
        # New dicts each time, as Rasa's: callers edit the states they get.
        return [{kind: dict(sub_state) for kind, sub_state in state.items()}
                for state in so_far.states + [so_far.state()]]

    states_for_tracker_history.original = original
    return states_for_tracker_history


def _freeze_after_loading(load_agent_on_start):
    async def load_and_freeze(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent_on_start(*args, **kwargs)
        import gc

        gc.collect()
        gc.freeze()
        return agent

    return load_and_freeze


_applied = False
_dask_run = None  # Rasa's DaskGraphRunner.run, once replaced (the tests compare with it)


def apply() -> None:
    """Applies the fixes (once)."""
    global _applied
    if _applied:
        return
    _applied = True
    import rasa.core.run
    from rasa.core.actions.action import RemoteAction
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event

    # Schema checked once, not per reply; the same replies pass or fail with the same message.
    RemoteAction._validate_action_result = _validate_action_result

    # Event classes looked up in a table built once; the same class (the first match) as the walk.
    resolve_by_walking = Event.resolve_by_type

    def resolve_by_type(type_name, default=None):
        return _event_classes().get(type_name) or resolve_by_walking(type_name, default)

    Event.resolve_by_type = staticmethod(resolve_by_type)

    # Rule matches remembered per (turn, state): the same rules found, without re-testing each.
    RulePolicy._get_possible_keys = _get_possible_keys_remembered(RulePolicy._get_possible_keys)

    # A tracker's past states carried on from the last call instead of replaying it all again.
    Domain.states_for_tracker_history = _states_for_tracker_history_continued(Domain.states_for_tracker_history)

    # Graph nodes called directly in dependency order: the same calls, without dask's scheduling.
    global _dask_run
    _dask_run = DaskGraphRunner.run
    DaskGraphRunner.run = _run_graph_in_order

    # The loaded model is kept for the server's life: the garbage collector stops re-scanning it.
    rasa.core.run.load_agent_on_start = _freeze_after_loading(rasa.core.run.load_agent_on_start)
