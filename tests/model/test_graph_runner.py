"""channels.rasa_patches on the trained model: the graph run without dask gives the same parses and predictions as Rasa's DaskGraphRunner."""

from __future__ import annotations

import asyncio

from rasa.engine.runner.dask import DaskGraphRunner

from tests.model.conftest import MODEL

MESSAGES = [
    "hi",
    "how do I add a user?",
    "when is it due",
    "i forgot my pasword",
    "thanks",
    "what's the weather like",
    "what is a cers id",
    "bye",
]


def conversation(agent, sender):
    """Parse data and policy predictions for a conversation, each prediction made on the
    tracker as it is after the previous messages (no action server needed)."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    async def go():
        tracker = await agent.processor.get_tracker(sender)
        out = []
        for text in MESSAGES:
            parse = await agent.parse_message(text)
            tracker.update(UserUttered(text, parse["intent"], parse["entities"], parse))
            prediction = agent.processor._predict_next_with_tracker(tracker)
            action = agent.domain.action_names_or_texts[prediction.max_confidence_index]
            out.append(
                (
                    parse["intent"],
                    [r["name"] for r in parse["intent_ranking"]],
                    action,
                    prediction.policy_name,
                    prediction.max_confidence,
                    prediction.hide_rule_turn,
                )
            )
            tracker.update(ActionExecuted(action))
            after = agent.processor._predict_next_with_tracker(tracker)
            out.append(agent.domain.action_names_or_texts[after.max_confidence_index])
            tracker.update(ActionExecuted("action_listen"))
        return out

    return asyncio.run(go())


def test_same_parses_and_predictions_as_the_dask_runner(rasa_patched):
    import dask  # noqa: F401  (the original runner's scheduler)
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    ours = conversation(agent, "ours")
    rasa_patched.undo()  # Rasa's own runner from here on
    assert DaskGraphRunner.run.__module__ == "rasa.engine.runner.dask"
    theirs = conversation(agent, "theirs")
    assert ours == theirs
    assert any(step[2].startswith("utter_") for step in ours[::2])
