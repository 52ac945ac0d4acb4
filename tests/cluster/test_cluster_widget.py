"""A widget conversation (socket.io, through haproxy) goes on when its replica is killed: the client reconnects to another replica, and the conversation is intact."""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp
import socketio
from yarl import URL

from tests.cluster.cluster import LOCK_LIFETIME


async def next_reply(replies: asyncio.Queue, containing: str, timeout: float) -> dict:
    async def wait() -> dict:
        while True:
            reply = await replies.get()
            if containing in (reply.get("text") or ""):
                return reply

    return await asyncio.wait_for(wait(), timeout)


async def widget_through_a_replica_death(cluster) -> dict:
    # The client keeps haproxy's CERSBOT cookie (for 127.0.0.1 too), as a browser on the bot's own
    # domain does; long-polling, as the suite's aiohttp is too old for the websocket client.
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    client = socketio.AsyncClient(
        reconnection=True, reconnection_delay=0.5, reconnection_delay_max=1, http_session=http, handle_sigint=False
    )
    confirmed: asyncio.Queue = asyncio.Queue()
    replies: asyncio.Queue = asyncio.Queue()
    state = {"session": None, "connects": 0}

    @client.on("connect")
    async def on_connect():
        state["connects"] += 1  # asks for its session again on every (re)connection, as widget.js does
        await client.emit("session_request", {"session_id": state["session"]})

    client.on("session_confirm", lambda session: confirmed.put_nowait(session))
    client.on("bot_uttered", lambda message: replies.put_nowait(message))

    def replica() -> str:
        return http.cookie_jar.filter_cookies(URL(cluster.url))["CERSBOT"].value

    await client.connect(cluster.url, transports=["polling"], socketio_path="/socket.io")
    try:
        session = state["session"] = await asyncio.wait_for(confirmed.get(), 30)
        await client.emit(
            "user_uttered", {"message": "how do I add a user?", "session_id": session, "message_id": uuid.uuid4().hex}
        )
        first = await next_reply(replies, "Add a Person", 30)
        # Its turn saved (a replica killed in the middle of a turn loses the turn: the widget does
        # not send a message again by itself), then its replica dies.
        for _ in range(100):
            if any(type_name == "bot" for type_name, _, _ in cluster.events(session)):
                break
            await asyncio.sleep(0.1)
        before = replica()
        cluster.kill(before)
        again = await asyncio.wait_for(confirmed.get(), 30 + LOCK_LIFETIME)
        await client.emit("user_uttered", {"message": "/affirm", "session_id": again, "message_id": uuid.uuid4().hex})
        step = await next_reply(replies, "Step 1 of 3", 30 + LOCK_LIFETIME)
        return {
            "session": session,
            "again": again,
            "before": before,
            "after": replica(),
            "first": first,
            "step": step,
            "connects": state["connects"],
        }
    finally:
        await client.eio.disconnect(abort=True)
        await http.close()


def test_a_widget_conversation_survives_its_replica(whole_cluster):
    cluster = whole_cluster
    result = asyncio.run(widget_through_a_replica_death(cluster))
    print(
        f"\nwidget on {result['before']}, killed; reconnected to {result['after']} ({result['connects']} connections)"
    )
    assert result["again"] == result["session"]  # the same conversation
    assert result["after"] != result["before"]
    assert result["connects"] >= 2
    # The answer to "yes" is the walkthrough the earlier answer offered: the context is intact.
    assert "Step 1 of 3" in result["step"]["text"]
    # The reply reaches the browser as the turn runs; its events are saved right after. Wait for
    # them (a hang limit, not a speed check), then the conversation holds each message once, in order.
    deadline = time.monotonic() + 10
    while True:
        users = [text for type_name, text, _ in cluster.events(result["session"]) if type_name == "user"]
        if len(users) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert users == ["how do I add a user?", "/affirm"]


async def two_tabs_on_two_replicas(cluster) -> tuple:
    """One conversation open in two browser tabs, each connected to another replica."""
    tabs = []
    for name in cluster.replicas:
        client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        confirmed: asyncio.Queue = asyncio.Queue()
        replies: asyncio.Queue = asyncio.Queue()
        client.on("session_confirm", lambda session, queue=confirmed: queue.put_nowait(session))
        client.on("bot_uttered", lambda message, queue=replies: queue.put_nowait(message))
        await client.connect(cluster.replica_url(name), transports=["polling"], socketio_path="/socket.io")
        tabs.append((client, confirmed, replies))
    try:
        first, second = tabs
        await first[0].emit("session_request", {"session_id": None})
        session = await asyncio.wait_for(first[1].get(), 30)
        await second[0].emit("session_request", {"session_id": session})
        assert await asyncio.wait_for(second[1].get(), 30) == session
        await first[0].emit(
            "user_uttered", {"message": "what is a cers id?", "session_id": session, "message_id": uuid.uuid4().hex}
        )
        mine = await next_reply(first[2], "8 digits", 30)
        other = await next_reply(second[2], "8 digits", 30)
        return mine, other
    finally:
        for client, _, _ in tabs:
            await client.eio.disconnect(abort=True)
            if client.eio.http and not client.eio.http.closed:
                await client.eio.http.close()


def test_a_reply_reaches_the_conversations_browsers_on_every_replica(whole_cluster):
    mine, other = asyncio.run(two_tabs_on_two_replicas(whole_cluster))
    assert mine == other  # through Redis (python-socketio's AsyncRedisManager)
