"""Handoffs to staff and callback requests through live servers of their own (the office open Monday 8 to 5, CERS_NOW Monday 10:00, a staff channel on the fake Slack): the widget by socket.io and a phone by SMS reach a staff member and back, staff reply in the Slack thread, "done" and End chat return the person to the bot, a handoff with no staff reply becomes a callback offer, and after hours a callback request is stored and posted."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import urllib.parse
import uuid

import pytest
import requests
import socketio

from cers.handoffs import HandoffStore
from tests.conftest import MODEL, demo_database
from tests.fake_apis import FakeApis, channel_env, post_twilio_sms, slack_headers
from tests.live.test_sms import new_number
from tests.servers import ROOT, Chat, action_server, base_env, rasa_server, write_endpoints

STAFF_CHANNEL = "C0HANDOFF"
# Long enough for a server restart in the middle of a handoff on a busy machine, short enough to wait for.
TIMEOUT_SECONDS = 45
# An office of the tests' own (open weekdays 8 to 5), not the deploying office: handoffs depend on hours.
OFFICE = """name: Example County Environmental Health
short_name: the Environmental Health office
phone: "(555) 010-0100"
city: Exampleville, California
hours:
  time_zone: America/Los_Angeles
  weekly: {{monday: "08:00-17:00", tuesday: "08:00-17:00", wednesday: "08:00-17:00", thursday: "08:00-17:00", friday: "08:00-17:00"}}
  closed_dates: [{closed}]
annual_due_month: 3
annual_due_day: 1
"""


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    """An action server and a Rasa server with the office open now and the staff channel on."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train`")
    work = tmp_path_factory.mktemp("handoff")
    office = work / "office.yml"
    office.write_text(OFFICE.format(closed="2026-12-25"))
    database_url = demo_database(work)
    fakes = FakeApis().start()
    settings = {
        "CERS_NOW": "2026-11-23T10:00",  # a Monday
        "OFFICE_FILE": str(office),
        "DATABASE_URL": database_url,
        "HANDOFF_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
        "SLACK_HANDOFF_CHANNEL": STAFF_CHANNEL,
    }
    actions = action_server(base_env(**settings, **channel_env(fakes.url, "http://unused")))
    actions.name = "handoff-action-server"
    actions.start()
    conversations = work / "conversations.db"
    endpoints = write_endpoints(work / "endpoints.yml", actions.url, f"sqlite:///{conversations}")
    rasa = rasa_server(base_env(**settings), MODEL, ROOT / "credentials.yml", endpoints, extra_args=["--cors", "*"])
    rasa.name = "handoff-rasa-server"
    rasa.env.update(channel_env(fakes.url, public_base_url=rasa.url))
    rasa.start()
    from cers.facilities.store import FacilityStore

    store = FacilityStore(database_url)
    yield {
        "rasa": rasa,
        "fakes": fakes,
        "office": office,
        "conversations": conversations,
        "handoffs": HandoffStore(store.engine),
    }
    store.dispose()
    rasa.stop()
    actions.stop()
    fakes.stop()


# ---------------------------------------------------------------- staff on Slack


def summaries(bot) -> list:
    """The handoff requests posted to the staff channel (thread roots), in order."""
    return [p for p in bot["fakes"].slack_posts(STAFF_CHANNEL) if "thread_ts" not in p]


def new_summary(bot, before: int) -> dict:
    posts = bot["fakes"].wait_for(lambda: summaries(bot), count=before + 1)
    return posts[before]


def thread(bot, root: dict) -> list:
    return [p["text"] for p in bot["fakes"].thread_posts(STAFF_CHANNEL, bot["fakes"].ts_of(root))]


def wait_for_thread(bot, root: dict, fragment: str, timeout: float = 30) -> list:
    return bot["fakes"].wait_for(
        lambda: [text for text in thread(bot, root) if fragment in text], count=1, timeout=timeout
    )


def staff_reply(bot, root: dict, user: str, text: str) -> None:
    """A signed Slack event: a staff member's reply in the request's thread."""
    ts = bot["fakes"].ts_of(root)
    body = json.dumps(
        {
            "token": "x",
            "team_id": "T0CERS",
            "type": "event_callback",
            "event_id": "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel": STAFF_CHANNEL,
                "channel_type": "channel",
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
                "thread_ts": ts,
            },
        }
    ).encode()
    response = requests.post(
        bot["rasa"].url + "/webhooks/slack/webhook", data=body, headers=slack_headers(body), timeout=10
    )
    assert response.status_code == 200


def click(bot, root: dict, user: str) -> None:
    """A signed Slack interactivity request: a staff member clicks the post's button."""
    element = root["blocks"][1]["elements"][0]
    payload = {
        "type": "block_actions",
        "trigger_id": uuid.uuid4().hex,
        "user": {"id": user, "username": "staff"},
        "team": {"id": "T0CERS"},
        "channel": {"id": STAFF_CHANNEL},
        "message": {"ts": bot["fakes"].ts_of(root)},
        "actions": [{"type": "button", "action_id": element["action_id"], "value": element["value"]}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    headers = slack_headers(body, content_type="application/x-www-form-urlencoded")
    response = requests.post(bot["rasa"].url + "/webhooks/slack/webhook", data=body, headers=headers, timeout=10)
    assert response.status_code == 200


def stored_bot_messages(bot, sender: str) -> list:
    with sqlite3.connect(bot["conversations"]) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'bot' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


# ---------------------------------------------------------------- the widget


class Widget:
    """A browser's side of the widget: one socket.io connection kept open, every bot message received."""

    def __init__(self, url: str):
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: list = []
        self.session = ""
        self.last_sent = None  # the message_id of its latest message, as web/src/widget.js keeps it

    async def open(self, session: str = None, shown: int = 0) -> "Widget":
        """Connects; with `session`, comes back to that conversation having shown `shown` replies
        since its latest message (as the widget does when its page is opened again)."""
        confirmed = asyncio.get_running_loop().create_future()
        self.client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
        self.client.on("bot_uttered", self.received.append)
        await self.client.connect(self.url, transports=["polling"], socketio_path="/socket.io")
        await self.client.emit("session_request", {"session_id": session, "after": self.last_sent, "shown": shown})
        self.session = await asyncio.wait_for(confirmed, 15)
        return self

    def texts(self) -> list:
        return [m.get("text", "") for m in self.received if m.get("text")]

    async def send(self, text: str) -> None:
        self.last_sent = uuid.uuid4().hex
        await self.client.emit(
            "user_uttered", {"message": text, "session_id": self.session, "message_id": self.last_sent}
        )

    async def expect(self, fragment: str, timeout: float = 30) -> str:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for text in self.texts():
                if fragment in text:
                    return text
            await asyncio.sleep(0.1)
        raise AssertionError(f"the widget never showed {fragment!r}; it showed {self.texts()!r}")

    async def close(self) -> None:
        await self.client.eio.disconnect(abort=True)
        if self.client.eio.http and not self.client.eio.http.closed:
            await self.client.eio.http.close()


def test_a_widget_conversation_reaches_staff_on_slack_and_comes_back_to_the_bot(bot):
    async def conversation() -> str:
        widget = await Widget(bot["rasa"].url).open()
        try:
            before = len(summaries(bot))
            await widget.send("I want to talk to a real person")
            await widget.expect("Someone at the office can chat with you here now. Want me to ask them?")
            await widget.send("/affirm")  # the "Yes, ask them" button
            await widget.expect("I've asked the office. Their reply will appear here")
            root = await asyncio.to_thread(new_summary, bot, before)
            assert root["text"].startswith("*A person on the website chat asks to chat with staff*")
            assert "I want to talk to a real person" in root["text"]

            # The person's next message goes to the thread, and the bot does not answer it.
            shown = len(widget.texts())
            await widget.send("My inventory was not accepted, why?")
            await asyncio.to_thread(wait_for_thread, bot, root, "*Person:* My inventory was not accepted, why?")
            await asyncio.sleep(1.5)
            assert widget.texts()[shown:] == []

            # A staff member's reply in the thread reaches the widget, with their name.
            await asyncio.to_thread(
                staff_reply,
                bot,
                root,
                "U0MARIA",
                "Hi, this is Maria. A missing map is the usual reason &amp; easy to fix.",
            )
            reply = await widget.expect("Maria Lopez (office staff):")
            assert (
                reply
                == "Maria Lopez (office staff): Hi, this is Maria. A missing map is the usual reason & easy to fix."
            )

            # "done" in the thread ends it: the person is told, and the bot answers again.
            await asyncio.to_thread(staff_reply, bot, root, "U0MARIA", "done")
            await widget.expect("Maria Lopez ended the chat. You're back with the assistant")
            await asyncio.to_thread(wait_for_thread, bot, root, "Chat ended by Maria Lopez.")
            await widget.send("how do I add a user?")
            await widget.expect("Add a Person")
            return widget.session
        finally:
            await widget.close()

    session = asyncio.run(conversation())
    # The staff reply is stored in the person's conversation as a bot message with the staff member's name.
    staff = [m for m in stored_bot_messages(bot, session) if (m.get("metadata") or {}).get("staff_name")]
    assert [m["metadata"]["staff_name"] for m in staff] == ["Maria Lopez", "Maria Lopez"]
    assert staff[0]["text"].startswith("Maria Lopez (office staff): Hi, this is Maria.")
    handoff = bot["handoffs"].latest_for(session)
    assert (handoff.state, handoff.handled_by, handoff.ended_by) == ("ended", "Maria Lopez", "Maria Lopez")


def test_a_staff_reply_given_while_the_page_was_closed_shows_when_it_opens_again(bot):
    async def conversation() -> None:
        widget = await Widget(bot["rasa"].url).open()
        before = len(summaries(bot))
        await widget.send("can I talk to a real person")
        await widget.expect("Want me to ask them?")
        await widget.send("/affirm")
        await widget.expect("I've asked the office.")
        root = await asyncio.to_thread(new_summary, bot, before)
        shown = len(widget.texts()) - 1  # replies since its latest message ("/affirm"): one
        session, last_sent = widget.session, widget.last_sent
        await widget.close()  # the page is closed

        await asyncio.to_thread(staff_reply, bot, root, "U0MARIA", "Hi, Maria here. Still there?")
        await asyncio.to_thread(wait_for_stored, bot, session, "Maria Lopez (office staff): Hi, Maria here.")

        again = Widget(bot["rasa"].url)
        again.last_sent = last_sent
        await again.open(session, shown=shown)  # the page is opened again: same session
        try:
            assert again.session == session
            await again.expect("Maria Lopez (office staff): Hi, Maria here. Still there?")
            await asyncio.sleep(1)
            assert again.texts() == ["Maria Lopez (office staff): Hi, Maria here. Still there?"]  # nothing twice
            await asyncio.to_thread(staff_reply, bot, root, "U0MARIA", "done")
            await again.expect("Maria Lopez ended the chat.")
        finally:
            await again.close()

    asyncio.run(conversation())


def wait_for_stored(bot, sender: str, fragment: str) -> None:
    bot["fakes"].wait_for(lambda: [m for m in stored_bot_messages(bot, sender) if fragment in (m.get("text") or "")])


# ---------------------------------------------------------------- SMS


def post_sms(bot, sender: str, body: str) -> None:
    assert post_twilio_sms(bot["rasa"].url, sender, body).status_code in (200, 204)


def texts_to(bot, sender: str, count: int) -> list:
    return bot["fakes"].wait_for(lambda: bot["fakes"].sms_to(sender), count=count, settle=0.5)


def test_the_same_by_sms_with_an_emergency_answered_and_the_end_chat_button(bot):
    phone = new_number()
    before = len(summaries(bot))
    post_sms(bot, phone, "can I talk to a real person")
    [offer] = texts_to(bot, phone, 1)
    assert "Someone at the office can chat with you here now" in offer and "1 - Yes, ask them" in offer
    post_sms(bot, phone, "1")
    assert "Their reply will come here by text" in texts_to(bot, phone, 2)[1]
    root = new_summary(bot, before)
    assert root["text"].startswith("*A person on the text messages (SMS) asks to chat with staff*")
    assert phone not in root["text"]  # the number is not shared with the channel

    post_sms(bot, phone, "is anyone there?")
    wait_for_thread(bot, root, "*Person:* is anyone there?")
    # An emergency goes to staff and still gets the bot's 911 answer first.
    post_sms(bot, phone, "there is ammonia leaking from our tank right now")
    assert "911" in texts_to(bot, phone, 3)[2]
    wait_for_thread(bot, root, "call 911")

    staff_reply(bot, root, "U0SAM", "Hello! Sam here. Is everyone safe?")
    assert texts_to(bot, phone, 4)[3] == "Sam Ortiz (office staff): Hello! Sam here. Is everyone safe?"
    click(bot, root, "U0SAM")  # End chat
    assert texts_to(bot, phone, 5)[4].startswith("Sam Ortiz ended the chat.")
    post_sms(bot, phone, "when is the annual report due?")
    assert "March 1" in texts_to(bot, phone, 6)[5]


def test_a_handoff_nobody_answers_becomes_a_callback_request(bot):
    phone = f"+15305{uuid.uuid4().int % 10**6:06d}"  # a number the callback request can use (555-...)
    before = len(summaries(bot))
    post_sms(bot, phone, "get me a person")
    texts_to(bot, phone, 1)
    post_sms(bot, phone, "yes")
    texts_to(bot, phone, 2)
    root = new_summary(bot, before)
    # No reply for TIMEOUT_SECONDS: whichever process sweeps first tells both sides (no message needed).
    told = bot["fakes"].wait_for(lambda: bot["fakes"].sms_to(phone)[2:], count=2, timeout=TIMEOUT_SECONDS + 30)
    assert told[0] == (
        "No one at the office has answered yet, sorry. I'll leave your question with the office as a callback request."
    )
    assert told[1].startswith("What name should the office ask for?")
    wait_for_thread(bot, root, "the bot is taking a callback request from the person")
    # On SMS the request is stored and posted at once, with the number the person texts from.
    request = new_summary(bot, before + 1)
    digits = phone[-10:]
    assert "*Callback request* from the text messages (SMS)" in request["text"]
    assert f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" in request["text"] and "not given yet" in request["text"]
    # Too late for staff now: their reply does not reach the person.
    staff_reply(bot, root, "U0MARIA", "Sorry for the wait!")
    wait_for_thread(bot, root, "This chat has already ended")
    # The bot asks only for the name and the question, and what they give completes that request.
    post_sms(bot, phone, "Dana Smith")
    assert texts_to(bot, phone, 5)[4].startswith("What is your question?")
    post_sms(bot, phone, "Is a 50 gallon diesel tank exempt?")
    assert texts_to(bot, phone, 6)[5].startswith("Thanks, Dana Smith. I've passed your request to the office's staff.")
    [added] = wait_for_thread(bot, request, "The person added")
    assert "Dana Smith" in added and "Is a 50 gallon diesel tank exempt?" in added
    assert len(summaries(bot)) == before + 2  # the chat request and one callback request, not two
    assert not any("Sorry for the wait" in text for text in bot["fakes"].sms_to(phone))


# ---------------------------------------------------------------- after hours


def test_after_hours_a_callback_request_is_stored_and_posted_and_staff_mark_it_done(bot):
    bot["office"].write_text(OFFICE.format(closed="2026-11-23"))  # closed today
    try:
        chat = Chat(bot["rasa"].url, sender=f"test-{uuid.uuid4().hex[:12]}")
        offer = chat.say("I want to talk to a real person")
        assert "The office is closed now. It next opens tomorrow at 8:00 AM." in offer
        assert "Want to leave one?" in offer
        assert chat.say("yes").startswith("What name should the office ask for?")
        assert "phone number or e-mail" in chat.say("Maria Lopez")
        assert "doesn't look like a phone number" in chat.say("call me tomorrow")
        assert chat.say("530.555.0123").startswith("What is your question?")
        before = len(summaries(bot))
        done = chat.say("Why was my inventory not accepted?")
        assert done == (
            "Thanks, Maria Lopez. I've passed your request to the office's staff. "
            "The office is closed now. It next opens tomorrow at 8:00 AM."
        )
    finally:
        bot["office"].write_text(OFFICE.format(closed="2026-12-25"))
    post = new_summary(bot, before)
    assert "*Callback request* from the REST channel" in post["text"]
    assert "*Phone or e-mail:* (530) 555-0123" in post["text"]
    [stored] = [c for c in bot["handoffs"].open_callbacks() if c.sender_id == chat.sender]
    assert (stored.name, stored.contact, stored.question) == (
        "Maria Lopez", "(530) 555-0123", "Why was my inventory not accepted?",
    )  # fmt: skip
    staff_reply(bot, post, "U0SAM", "Done.")
    wait_for_thread(bot, post, "Marked done by Sam Ortiz.")
    assert bot["handoffs"].callback(stored.id).done_by == "Sam Ortiz"


def test_stop_during_a_callback_request_stores_nothing(bot):
    chat = Chat(bot["rasa"].url, sender=f"test-{uuid.uuid4().hex[:12]}")
    assert "callback request" in chat.say("I want to talk to a real person")  # REST: callbacks only
    chat.say("yes")
    chat.say("Sam")
    assert chat.say("stop").startswith("OK, I won't pass anything on.")
    assert not [c for c in bot["handoffs"].open_callbacks() if c.sender_id == chat.sender]
    assert "Add a Person" in chat.say("how do I add a user?")


def test_a_handoff_survives_a_restart_of_the_rasa_server(bot):
    """Nothing about an open handoff lives in the process: after a restart, both directions still work."""
    phone = new_number()
    before = len(summaries(bot))
    post_sms(bot, phone, "can I talk to a real person")
    texts_to(bot, phone, 1)
    post_sms(bot, phone, "1")
    texts_to(bot, phone, 2)
    root = new_summary(bot, before)
    staff_reply(bot, root, "U0MARIA", "Hello, one moment please.")
    texts_to(bot, phone, 3)
    bot["rasa"].restart()
    post_sms(bot, phone, "still there after your restart?")
    wait_for_thread(bot, root, "*Person:* still there after your restart?")
    staff_reply(bot, root, "U0MARIA", "Yes, still here.")
    assert texts_to(bot, phone, 4)[3] == "Maria Lopez (office staff): Yes, still here."
    staff_reply(bot, root, "U0MARIA", "done")
    assert texts_to(bot, phone, 5)[4].startswith("Maria Lopez ended the chat.")


def test_a_spanish_speaker_reaches_staff_who_see_it_and_their_words_as_written(bot):
    """Issue 20: the offer and the bot's words around staff's reply are in Spanish; the post tells
    staff the person writes in Spanish; what each side writes goes through as typed."""
    from cers.contact import say
    from cers.sms_text import plain_text

    phone = new_number()
    before = len(summaries(bot))
    post_sms(bot, phone, "buenas tardes, quiero hablar con una persona de la oficina por favor")
    [offer] = texts_to(bot, phone, 1)
    assert plain_text(say("offer.yes_handoff", "es")) in offer and "1 - " in offer
    post_sms(bot, phone, "1")
    texts_to(bot, phone, 2)
    root = new_summary(bot, before)
    assert "*Writes in Spanish*" in root["text"]
    post_sms(bot, phone, "¿me pueden ayudar con el inventario? no sé qué poner")
    wait_for_thread(bot, root, "*Person:* ¿me pueden ayudar con el inventario? no sé qué poner")
    staff_reply(bot, root, "U0SAM", "Hola, soy Sam. Claro que sí.")
    expected = plain_text(say("staff_says", "es", name="Sam Ortiz", text="Hola, soy Sam. Claro que sí."))
    assert texts_to(bot, phone, 3)[2] == expected
    click(bot, root, "U0SAM")  # End chat
    ended = texts_to(bot, phone, 4)[3]
    assert ended.startswith(plain_text(say("staff_ended", "es", name="Sam Ortiz"))[:20])
