"""An action server that is down costs no answer (issue 24): a message whose turn needs it gets the "having trouble" reply with the office's phone, not an empty reply, and the same message sent again (its message_id) once the action server is back gets a real answer, not the remembered silence."""

from __future__ import annotations

import uuid

import pytest
import requests

from cers.settings import load_office
from tests.cluster.cluster import stored_events
from tests.cluster.load import applied
from tests.conftest import MODEL, TODAY, demo_database
from tests.servers import action_server, base_env, rasa_server, write_endpoints

PHONE = load_office().phone


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train`")
    work = tmp_path_factory.mktemp("action-down")
    database = demo_database(work)
    actions = action_server(base_env(CERS_TODAY=TODAY, DATABASE_URL=database))
    actions.name = "action-server-down"
    actions.start()
    endpoints = write_endpoints(work / "endpoints.yml", actions.url, f"sqlite:///{work}/conversations.db")
    credentials = work / "credentials.yml"
    credentials.write_text("channels.rest.RestInput:\n")
    rasa = rasa_server(base_env(CERS_TODAY=TODAY, DATABASE_URL=database), MODEL, credentials, endpoints)
    rasa.name = "rasa-server-action-down"
    rasa.start()
    yield rasa, actions, work
    rasa.stop()
    actions.stop()


def post(url: str, sender: str, message: str, message_id: str) -> list:
    response = requests.post(
        url + "/webhooks/rest/webhook",
        json={"sender": sender, "message": message, "metadata": {"message_id": message_id}},
        timeout=60,
    )
    response.raise_for_status()
    return [reply.get("text") or "" for reply in response.json()]


def test_a_turn_that_needs_the_dead_action_server_says_so_and_its_retry_is_answered(servers):
    rasa, actions, work = servers
    sender = f"down-{uuid.uuid4().hex[:8]}"
    assert post(rasa.url, sender, "hello", "h1")  # a conversation under way (its session started)
    actions.stop()
    try:
        (trouble,) = post(rasa.url, sender, "status for 10234567 zip 95971", "s1")
        assert "trouble" in trouble and PHONE in trouble
    finally:
        actions.start()
    answer = " ".join(post(rasa.url, sender, "status for 10234567 zip 95971", "s1"))
    assert answer.startswith("Feather River Feed & Supply (10234567)")
    assert " ".join(post(rasa.url, sender, "status for 10234567 zip 95971", "s1")) == answer  # now remembered
    # The conversation holds the message once: the silent turn was rewound.
    events = applied(stored_events(f"sqlite:///{work / 'conversations.db'}", sender))
    assert [message_id for type_name, _, message_id in events if type_name == "user"] == ["h1", "s1"]
