"""channels.policies.CachedRulePolicy in the trained model: it is the model's policy, and it predicts what Rasa's RulePolicy predicts from the same trained rules, at every step of the test stories and in conversations through the agent, with its remembered rule matches and carried-on states in use. Rasa is not patched here: this is the code `rasa test` and `rasa shell` run too."""

from __future__ import annotations

import copy

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from channels.policies import CachedRulePolicy
from tests.model.conftest import ROOT
from tests.model.test_graph_runner import conversation


def rule_policy_nodes(agent):
    return [
        node
        for node in agent.processor.graph_runner._instantiated_nodes.values()
        if isinstance(node._component, RulePolicy)
    ]


def rasas_rule_policy(node) -> RulePolicy:
    """Rasa's RulePolicy with the rules the node's policy was trained with (copies: nothing shared)."""
    ours = node._component
    return RulePolicy(
        copy.deepcopy(ours.config),
        ours._model_storage,
        ours._resource,
        node._execution_context,
        featurizer=copy.deepcopy(ours.featurizer),
        lookup=copy.deepcopy(ours.lookup),
    )


def predicted(policy, tracker, domain):
    """Everything of a prediction but the policy's name (each names its own class)."""
    p = policy.predict_action_probabilities(tracker, domain)
    return (
        domain.action_names_or_texts[p.max_confidence_index],
        p.probabilities,
        p.policy_priority,
        p.events,
        p.optional_events,
        p.is_end_to_end_prediction,
        p.is_no_user_prediction,
        p.hide_rule_turn,
        p.action_metadata,
        p.diagnostic_data,
    )


def test_the_model_predicts_with_it(agent):
    assert [type(node._component) for node in rule_policy_nodes(agent)] == [CachedRulePolicy]


def test_same_predictions_as_rule_policy_at_every_step_of_the_test_stories(agent):
    from rasa.core.test import _create_data_generator

    node = rule_policy_nodes(agent)[0]
    ours, theirs = node._component, rasas_rule_policy(node)
    domain = agent.domain
    stories = _create_data_generator(str(ROOT / "tests" / "test_stories.yml"), agent).generate_story_trackers()
    steps = 0
    for story in stories:  # as `rasa test` replays them (rasa.core.test._predict_tracker_actions)
        events = list(story.events)
        tracker = DialogueStateTracker.from_events(story.sender_id, events[:1], domain.slots)
        for event in events[1:]:
            if isinstance(event, ActionExecuted):
                expected = predicted(theirs, tracker, domain)
                assert predicted(ours, tracker, domain) == expected, (story.sender_id, event.action_name)
                # Asked again (as within a message): from what it remembered this time.
                assert predicted(ours, tracker, domain) == expected, (story.sender_id, event.action_name)
                steps += 1
            tracker.update(event)
    assert len(stories) >= 100 and steps >= 2 * len(stories)
    assert ours._rule_tables and len(ours._states)  # it did remember


def test_same_conversations_through_the_agent_as_with_rule_policy(agent):
    node = rule_policy_nodes(agent)[0]
    ours = node._component
    first, again = conversation(agent, "first"), conversation(agent, "again")  # again: remembered
    node._component = rasas_rule_policy(node)
    try:
        theirs = conversation(agent, "rasa")
    finally:
        node._component = ours

    def unnamed(steps):
        return [step[:3] + step[4:] if isinstance(step, tuple) else step for step in steps]

    assert {step[3] for step in first[::2]} == {"CachedRulePolicy"}
    assert {step[3] for step in theirs[::2]} == {"RulePolicy"}
    assert unnamed(first) == unnamed(again) == unnamed(theirs)
