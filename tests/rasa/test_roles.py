"""Staff powers rest on channel names: every channel the server runs must be named in cers/roles.py, public or staff."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml

from cers import roles

ROOT = Path(__file__).resolve().parents[2]


def channel_classes():
    listed = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
    for class_path in listed:
        module, _, name = class_path.rpartition(".")
        yield class_path, getattr(importlib.import_module(module), name)


def test_every_channel_in_credentials_is_either_public_or_staff():
    names = {class_path: cls.name() for class_path, cls in channel_classes()}
    assert names, "credentials.yml lists no channel"
    for class_path, name in names.items():
        assert name in roles.PUBLIC_CHANNELS | roles.STAFF_CHANNELS, f"{class_path} calls itself {name!r}"
    assert not roles.PUBLIC_CHANNELS & roles.STAFF_CHANNELS


def test_only_the_authenticated_staff_channels_are_staff():
    staff = {cls.__name__ for _, cls in channel_classes() if roles.is_staff_channel(cls.name())}
    assert staff == {"StaffInput", "StaffSlackInput"}
    assert not roles.is_staff_channel(None) and not roles.is_staff_channel("cmdline")
