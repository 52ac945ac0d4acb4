"""Tests that load the trained model (models/cers.tar.gz; `make test` trains it before running them): one agent per module."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "cers.tar.gz"


@pytest.fixture(scope="module")
def agent():
    """The trained model, loaded once per module (no action server needed)."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does it)")
    from rasa.core.agent import Agent

    return Agent.load(str(MODEL))
