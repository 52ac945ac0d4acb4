"""Retries across replicas: a message_id sent again, to any replica, gets the reply already given; a Slack event retried to another replica is not answered twice."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.fake_apis import slack_headers, slack_message_event


def post(url: str, sender: str, message: str, message_id: str) -> list:
    response = requests.post(
        url + "/webhooks/rest/webhook",
        timeout=60,
        json={"sender": sender, "message": message, "metadata": {"message_id": message_id}},
    )
    response.raise_for_status()
    return [reply.get("text") for reply in response.json()]


def user_messages(cluster, sender: str) -> list:
    return [(text, message_id) for type_name, text, message_id in cluster.events(sender) if type_name == "user"]


def test_a_message_resent_to_the_other_replica_gets_the_reply_already_given(whole_cluster):
    cluster = whole_cluster
    one, two = (cluster.replica_url(name) for name in cluster.replicas)
    sender = f"retry-{uuid.uuid4().hex[:10]}"
    first = post(one, sender, "how do I add a user?", "m1")
    assert any("Add a Person" in text for text in first)
    assert post(two, sender, "how do I add a user?", "m1") == first
    assert post(cluster.url, sender, "how do I add a user?", "m1") == first
    # A new id is a new message; the old one still gets its own reply, not the new one's.
    assert any("Step 1 of 3" in text for text in post(two, sender, "/affirm", "m2"))
    assert post(one, sender, "how do I add a user?", "m1") == first
    assert user_messages(cluster, sender) == [("how do I add a user?", "m1"), ("/affirm", "m2")]


def test_the_same_message_to_both_replicas_at_once_is_handled_once(whole_cluster):
    cluster = whole_cluster
    urls = [cluster.replica_url(name) for name in cluster.replicas] * 3
    sender = f"twice-{uuid.uuid4().hex[:10]}"
    with ThreadPoolExecutor(len(urls)) as pool:
        replies = list(pool.map(lambda url: post(url, sender, "what is a cers id?", "same"), urls))
    assert all(reply == replies[0] and reply for reply in replies), replies
    assert user_messages(cluster, sender) == [("what is a cers id?", "same")]


def test_a_slack_retry_reaching_the_other_replica_is_not_answered_twice(whole_cluster):
    cluster = whole_cluster
    suffix = uuid.uuid4().hex[:8].upper()
    user, channel = f"U{suffix}", f"D{suffix}"
    body = slack_message_event(user, channel, "how do I add a user?", f"Ev{suffix}")
    for attempt, name in enumerate(cluster.replicas * 2):
        headers = slack_headers(body)
        if attempt:
            headers.update({"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_error"})
        response = requests.post(
            cluster.replica_url(name) + "/webhooks/slack/webhook", data=body, headers=headers, timeout=30
        )
        assert response.status_code == 200
    posts = cluster.fakes.wait_for(lambda: cluster.fakes.slack_posts(channel), count=1, settle=3.0)
    assert len(posts) == 1, posts
    assert "Add a Person" in posts[0].get("text", "")
