"""channels.rasa_patches: the graph run without dask gives what Rasa's DaskGraphRunner gives, and
the model loader wrapper freezes the loaded objects for the garbage collector."""

from __future__ import annotations

import asyncio
import gc
from functools import partial
from pathlib import Path

import pytest
from rasa.engine.runner.dask import DaskGraphRunner

from channels import rasa_patches

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "cers.tar.gz"
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


@pytest.mark.skipif(not MODEL.exists(), reason="needs the trained model (make train)")
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


def test_the_loader_wrapper_freezes_what_was_loaded():
    loaded = []

    async def load_agent_on_start(model_path, endpoints, remote_storage, app, loop):
        loaded.append(model_path)
        return "agent"

    listener = partial(rasa_patches._freeze_after_loading(load_agent_on_start), "model.tar.gz", None, None)
    try:
        assert asyncio.run(listener("app", "loop")) == "agent"
        assert loaded == ["model.tar.gz"] and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_server_loads_the_model_through_the_wrapper(rasa_patched):
    import rasa.core.run

    assert rasa.core.run.load_agent_on_start.__qualname__.startswith("_freeze_after_loading")
