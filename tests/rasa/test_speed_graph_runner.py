"""channels.rasa_patches: the model loader wrapper freezes the loaded objects for the garbage collector (tests/model compares the graph run without dask with Rasa's DaskGraphRunner on the trained model)."""

from __future__ import annotations

import asyncio
import gc
from functools import partial
from pathlib import Path

from channels import rasa_patches

ROOT = Path(__file__).resolve().parents[2]


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
