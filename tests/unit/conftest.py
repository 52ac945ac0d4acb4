"""A fixture that applies channels.rasa_patches for one test and undoes them after it: nothing in the unit tests runs patched Rasa unless it asks."""

from __future__ import annotations

import pytest


@pytest.fixture
def rasa_patched():
    """Rasa as the server runs it (channels.rasa_patches applied), put back after the test."""
    from channels import rasa_patches

    already = rasa_patches.applied()  # e.g. by the test itself: then it is not ours to undo
    rasa_patches.apply()
    try:
        yield rasa_patches
    finally:
        if not already:
            rasa_patches.undo()
