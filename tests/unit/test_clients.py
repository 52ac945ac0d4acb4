"""The client's address for the limits: X-Forwarded-For is believed only from TRUSTED_PROXIES."""

from __future__ import annotations

import pytest

from cers.settings import SettingsError
from channels.clients import client_address


def test_without_trusted_proxies_the_peer_is_the_client(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert client_address("203.0.113.9", "198.51.100.1") == "203.0.113.9"


def test_a_trusted_proxy_forwards_the_client(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert client_address("127.0.0.1", "198.51.100.1") == "198.51.100.1"
    # A client cannot pretend: what it wrote itself is left of the address our proxies saw.
    assert client_address("127.0.0.1", "1.2.3.4, 198.51.100.1, 10.1.2.3") == "198.51.100.1"
    assert client_address("203.0.113.9", "198.51.100.1") == "203.0.113.9"  # not from a proxy
    assert client_address("127.0.0.1", None) == "127.0.0.1"


def test_a_bad_trusted_proxies_value_is_named(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "localhost")
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        client_address("127.0.0.1", "198.51.100.1")
