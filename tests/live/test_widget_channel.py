"""The widget's channel on the live server, seen from a socket.io client and plain HTTP."""

from __future__ import annotations

import asyncio
import re

import requests
import socketio

from cers.settings import load_office

# The office in use (office.yml, or OFFICE_FILE): the suite passes for any office.
PHONE = load_office().phone


async def talk(url: str, session_id, messages, wait: float = 15.0, settle: float = 1.5):
    """Connects, asks for a session, sends `messages`; returns (session id, bot messages)."""
    client = socketio.AsyncClient(reconnection=False)
    received, confirmed = [], asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    client.on("bot_uttered", lambda message: received.append(message))
    # Polling: this aiohttp (pinned by Rasa) is too old for python-engineio's websocket client.
    await client.connect(url, transports=["polling"], socketio_path="/socket.io")
    try:
        await client.emit("session_request", {"session_id": session_id})
        session = await asyncio.wait_for(confirmed, wait)
        for message in messages:
            await client.emit("user_uttered", message(session) if callable(message) else message)
        deadline = asyncio.get_running_loop().time() + wait
        while messages and not received and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(settle)
        return session, received
    finally:
        # Long-polling: a graceful disconnect would wait for the pending poll (up to 25 s).
        await client.eio.disconnect(abort=True)
        if client.eio.http and not client.eio.http.closed:
            await client.eio.http.close()


def test_a_session_gets_answers_and_keeps_its_id(live):
    url = live["rasa"].url
    session, replies = asyncio.run(talk(url, None, [lambda s: {"message": "how do I add a user?", "session_id": s}]))
    assert re.fullmatch(r"[0-9a-f]{32}", session)
    assert any("Add a Person" in r.get("text", "") for r in replies)
    buttons = [b["title"] for r in replies for b in r.get("quick_replies", [])]
    assert buttons == ["Yes, step by step", "No, thanks"]

    # A reloaded page asks for the same session: it gets it, and the conversation goes on.
    again, replies = asyncio.run(talk(url, session, [{"message": "/affirm", "session_id": session}]))
    assert again == session
    assert any("Step 1 of 3" in r.get("text", "") for r in replies), replies


def test_a_made_up_session_id_is_replaced(live):
    session, _ = asyncio.run(talk(live["rasa"].url, "+15305550123", [], wait=10, settle=0))
    assert re.fullmatch(r"[0-9a-f]{32}", session)


def test_a_message_without_a_valid_session_gets_no_answer(live):
    _, replies = asyncio.run(
        talk(
            live["rasa"].url,
            None,
            [{"message": "hello", "session_id": "U012ABCDEF"}, {"message": "hello"}],
            wait=3,
            settle=0,
        )
    )
    assert replies == []


def test_html_in_a_message_is_just_text(live):
    _, replies = asyncio.run(
        talk(live["rasa"].url, None, [lambda s: {"message": "<script>alert(1)</script><b>hi</b>", "session_id": s}])
    )
    assert replies
    assert not any("<script" in r.get("text", "") or "<b>" in r.get("text", "") for r in replies)


def test_widget_js_is_one_script_with_the_office_phone(live):
    response = requests.get(live["rasa"].url + "/widget.js", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/javascript")
    script = response.text
    assert "Socket.IO v4" in script and "attachShadow" in script
    assert PHONE in script  # from office.yml, for when the bot cannot be reached
    assert "sourceMappingURL" not in script
    assert "innerHTML" not in script.split("var CERS_WIDGET_DEFAULTS", 1)[1]


def test_cross_origin_polling_gets_exactly_one_cors_header(live):
    response = requests.get(
        live["rasa"].url + "/socket.io/?EIO=4&transport=polling",
        headers={"Origin": "https://county.example"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.raw.headers.getlist("Access-Control-Allow-Origin") == ["https://county.example"]
