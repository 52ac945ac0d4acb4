"""Message ids on one process (`make run`, no REDIS_URL): a message sent again with the same message_id gets the reply already given, even while the first is still being answered; run by `make test` with the suite's live servers."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy as sa


def post(url: str, sender: str, message: str, message_id: str) -> list:
    response = requests.post(
        url + "/webhooks/rest/webhook",
        timeout=60,
        json={"sender": sender, "message": message, "metadata": {"message_id": message_id}},
    )
    response.raise_for_status()
    return [reply.get("text") for reply in response.json()]


def user_messages(live, sender: str) -> list:
    engine = sa.create_engine(f"sqlite:///{live['work'] / 'conversations.db'}", future=True)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text("select data from events where sender_id = :s and type_name = 'user' order by id"),
                    {"s": sender},
                ).scalars()
            )
    finally:
        engine.dispose()


def test_a_resent_message_gets_the_reply_already_given_not_a_second_turn(live):
    url, sender = live["rasa"].url, f"resend-{uuid.uuid4().hex[:10]}"
    first = post(url, sender, "how do I add a user?", "a1")
    assert any("Add a Person" in text for text in first)
    assert post(url, sender, "how do I add a user?", "a1") == first
    # Another id is another message, and the first id still gets its own reply.
    greeting = post(url, sender, "hi there", "a2")
    assert greeting and greeting != first
    assert post(url, sender, "how do I add a user?", "a1") == first
    assert len(user_messages(live, sender)) == 2


def test_the_same_message_sent_several_times_at_once_is_handled_once(live):
    url, sender = live["rasa"].url, f"burst-{uuid.uuid4().hex[:10]}"
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: post(url, sender, "what is a cers id?", "b1"), range(4)))
    assert replies[0] and all(reply == replies[0] for reply in replies)
    assert len(user_messages(live, sender)) == 1


def test_messages_without_an_id_are_each_answered(live):
    url, sender = live["rasa"].url, f"noid-{uuid.uuid4().hex[:10]}"
    for _ in range(2):
        response = requests.post(
            url + "/webhooks/rest/webhook", json={"sender": sender, "message": "hi there"}, timeout=60
        )
        assert response.json()
    assert len(user_messages(live, sender)) == 2
