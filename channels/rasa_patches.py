"""Speed fixes to Rasa 3.6.21 that no supported hook can carry: patches, refusing any other Rasa version and undoable, that the launcher (channels/serve.py) applies for the server.

The fixes with a supported hook are a registered policy instead (channels/policies.py, named in
config.yml), so `rasa test`, `rasa shell` and the server run them alike; freezing the loaded model
for the garbage collector is a server-start listener (channels/extensions.py). These four replace
Rasa's own functions, where Rasa offers no way in: actions on an action server always go through
RemoteAction, events are always read through Event.resolve_by_type, the agent always builds a
DaskGraphRunner (rasa/core/processor.py), and the processor's parse is where the conversation and
the parsed message meet. None changes what Rasa computes; tests/rasa/test_speed_*.py and
tests/model compare each with Rasa's own code, applying them through a fixture (tests/conftest.py).
Costs are per message on this 2-core machine, measured in-process.

- Action server replies: Rasa validates each with jsonschema.validate(), which re-checks the
  schema itself on every call (about 60 ms of CPU per custom action, with the event loop
  serving nobody). A validator built once checks the same thing and raises the same error.
- Event classes: Rasa finds an event's class by walking every Event subclass for each event it
  loads (about 2.5 ms). The classes are all defined at import: a table built once.
- Graph runs (NLU once, policies twice per message) go through dask's scheduler (~0.4 ms each).
  The nodes are called directly, parents first, with the same inputs.
- The conversation's language (issue 20): channels/triage.py names each clear message's
  language with an entity that fills the `language` slot, and Rasa's slot extraction then adds a
  SlotSet event on every turn, also when the language is the one the conversation already has
  (about 2 ms a message, measured in-process, and one stored event a turn). The NLU components
  never see the conversation; the processor's parse does: there, an entity that repeats the
  slot's value is left out, so the slot is set only when the language changes. What the
  conversation's state becomes is the same.

Another Rasa version: apply() raises UnsupportedRasaVersion and the server does not start. These
replace private parts of Rasa that may change in any release; rather than run patched code that
was never compared with the new Rasa (or run silently slower without them), whoever upgrades
Rasa re-runs tests/rasa/test_speed_*.py and tests/model against it and updates RASA_VERSION.
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text, Tuple

RASA_VERSION = "3.6.21"  # the only Rasa these patches were compared with


class UnsupportedRasaVersion(RuntimeError):
    """The installed Rasa is not the one the patches were written for and tested against."""


@lru_cache(maxsize=1)
def _action_response_validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    # The error jsonschema.validate() raises: the best match among all errors, not the first.
    error = best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
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


def _run_graph_in_order(
    self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None
) -> Dict[Text, Any]:
    """DaskGraphRunner.run without dask: the same nodes called with the same inputs, parents
    first, in one fixed order (dask's synchronous scheduler also runs one node at a time)."""
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    plans = _plans.setdefault(self, {})
    plan = plans.get(tuple(run_targets))
    if plan is None:  # the nodes the targets need, each after the nodes it needs
        nodes, seen = self._graph_schema.minimal_graph_schema(run_targets).nodes, set()
        order: List[Tuple[Text, Any, List[Text]]] = []

        def visit(name: Text) -> None:
            if name in seen or name not in nodes:
                return
            seen.add(name)
            for parent in nodes[name].needs.values():
                visit(parent)
            order.append((name, self._instantiated_nodes[name], list(nodes[name].needs.values())))

        for target in run_targets:
            visit(target)
        plan = plans[tuple(run_targets)] = (order, set(nodes))
    steps, node_names = plan
    results: Dict[Text, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in node_names:  # as DaskGraphRunner._add_inputs_to_graph
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                f"names passed to the `run` method are the same as node names in the graph schema."
            )
        results[name] = (name, value)
    try:
        for name, node, parents in steps:
            # A parent that is neither a node nor an input reaches the node as its bare name, as with dask.
            results[name] = node(*[results.get(parent, parent) for parent in parents])
        return dict(results[target] for target in run_targets)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


# The order in which the graph runner calls each runner's nodes, per set of targets. Kept here,
# not on the runner, and only as long as the runner lives.
_plans: "weakref.WeakKeyDictionary[Any, Dict[Tuple[Text, ...], Any]]" = weakref.WeakKeyDictionary()


def _parse_without_repeated_language(parse):
    from cers.conversation.names import LANGUAGE_ENTITY, SLOT_LANGUAGE

    def parse_message_with_graph(self, message, tracker, only_output_properties=True):
        parsed = parse(self, message, tracker, only_output_properties)
        current = tracker.get_slot(SLOT_LANGUAGE) if tracker is not None and SLOT_LANGUAGE in tracker.slots else None
        entities = parsed.get("entities")
        if current and entities:
            parsed["entities"] = [
                e for e in entities if not (e.get("entity") == LANGUAGE_ENTITY and e.get("value") == current)
            ]
        return parsed

    return parse_message_with_graph


# What apply() replaced, in order: (owner, attribute, what the owner itself held, or _ABSENT).
_replaced: List[Tuple[Any, Text, Any]] = []
_ABSENT = object()


def applied() -> bool:
    return bool(_replaced)


def original(owner: Any, name: Text) -> Any:
    """What owner held as name before apply() replaced it (Rasa's own code, for comparing with
    it; a staticmethod as such), or what it holds now if apply() did not replace it."""
    for replaced_owner, replaced_name, held in _replaced:
        if replaced_owner is owner and replaced_name == name and held is not _ABSENT:
            return held
    return vars(owner).get(name, getattr(owner, name))


def apply() -> None:
    """Applies the patches (once); raises UnsupportedRasaVersion for any Rasa but RASA_VERSION."""
    import rasa

    if rasa.__version__ != RASA_VERSION:
        raise UnsupportedRasaVersion(
            f"channels/rasa_patches.py replaces parts of Rasa {RASA_VERSION} and refuses Rasa "
            f"{rasa.__version__}: run tests/rasa/test_speed_*.py and tests/model against it, then update RASA_VERSION."
        )
    if _replaced:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event

    # Schema checked once, not per reply; the same replies pass or fail with the same message.
    _replace(RemoteAction, "_validate_action_result", _validate_action_result)

    # Event classes looked up in a table built once; the same class (the first match) as the walk.
    resolve_by_walking = Event.resolve_by_type

    def resolve_by_type(type_name, default=None):
        return _event_classes().get(type_name) or resolve_by_walking(type_name, default)

    _replace(Event, "resolve_by_type", staticmethod(resolve_by_type))

    # Graph nodes called directly in dependency order: the same calls, without dask's scheduling.
    _replace(DaskGraphRunner, "run", _run_graph_in_order)

    # A language entity that only repeats the conversation's language is left out of the parse.
    _replace(
        MessageProcessor,
        "_parse_message_with_graph",
        _parse_without_repeated_language(MessageProcessor._parse_message_with_graph),
    )


def undo() -> None:
    """Puts back every attribute apply() replaced, as it was (objects already frozen for the
    garbage collector stay frozen: gc.unfreeze() is the caller's to decide)."""
    while _replaced:
        owner, name, held = _replaced.pop()
        if held is _ABSENT:
            delattr(owner, name)
        else:
            setattr(owner, name, held)
    _plans.clear()
    _event_classes.cache_clear()


def _replace(owner: Any, name: Text, replacement: Any) -> None:
    _replaced.append((owner, name, vars(owner).get(name, _ABSENT)))
    setattr(owner, name, replacement)
