"""The Rasa server's side of a handoff to staff: while a conversation's handoff is open, the person's messages go to its Slack thread instead of the bot, staff replies in the thread reach the person (widget or SMS) and are stored in the conversation, "done" or the End chat button ends it, and a handoff with no staff reply for HANDOFF_TIMEOUT_SECONDS ends and becomes a callback request (actions/handoff.py, action_handoff_timed_out).

The handoff starts in the action server (actions/handoff.py), which writes it to the database
(cers/handoffs.py); everything here reads and changes it there, so any replica can handle any
message, staff reply or timeout, and a restart loses nothing. No Rasa reminder is used (they live
in one process's memory): timeouts are checked from the stored times when the person writes, when
staff reply, and every few seconds by whichever replica looks first (ending is one conditional
UPDATE, so exactly one of them acts).

- Channels: the widget (channels/web.py) and SMS (channels/sms.py) ask `server().relay.intercept(message)`
  before a message goes to the bot, and register how to reach their people (an output channel).
  An emergency (channels/triage.py's rules) is relayed and answered by the bot too: 911 first.
- Slack (channels/slack.py): thread replies in SLACK_HANDOFF_CHANNEL and the posts' buttons come
  here, signed and de-duplicated, and are never answered by the bot.
- Stored in the person's conversation: what they wrote during the handoff (user messages with
  the handoff's id in their metadata) and every staff reply (bot messages with the staff member's
  name), under the conversation's lock, through Rasa's own tracker store.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Callable, Dict, List, Optional, Set, Union

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from sanic.request import Request

from cers import roles
from cers.contact import (
    CALLBACK_DONE_BUTTON,
    END_HANDOFF_BUTTON,
    LIVE_CHANNELS,
    is_done,
    minutes,
    say,
    shorten,
    timed_out,
)
from cers.conversation.events import StoredEvent, message_id_of, read_events
from cers.conversation.names import (
    EMERGENCY_INTENT,
    HANDOFF_ID,
    HANDOFF_TIMED_OUT_ACTION,
    MESSAGE_ID,
    SLOT_LANGUAGE,
    STAFF_NAME,
)
from cers.handoffs import ENDED, CallbackRequest, Handoff, HandoffStore, utc_now
from cers.language import ENGLISH, LANGUAGES, triage_intent
from cers.settings import handoff_timeout_seconds
from cers.staff_channel import StaffChannel

logger = logging.getLogger(__name__)

MAX_SWEEP_SECONDS = 30.0
# What the widget gets for a message that went to staff: no text (nothing to show), so it stops
# its "typing" indicator and does not wait for an answer from the bot.
RELAYED = {"custom": {"data": {"handoff": "relayed"}}}

_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|([^>]+))?>")
_SLACK_MENTION = re.compile(r"<[@#!][^>]*>")


def plain_slack_text(text: str) -> str:
    """A Slack message as plain text for the person: links as their text (or address), mentions dropped, entities decoded."""

    def link(match: re.Match) -> str:
        address, label = match.group(1), match.group(2)
        address = address[7:] if address.startswith("mailto:") else address
        return label if label and label in (address, match.group(1)) else (f"{label} ({address})" if label else address)

    text = _SLACK_LINK.sub(link, text or "")
    text = _SLACK_MENTION.sub("", text)
    return html.unescape(text).strip()


class Relay:
    """One per Rasa server process (channels/extensions.py); the state is in the database, this holds only connections."""

    def __init__(
        self,
        store: HandoffStore,
        staff: Optional[StaffChannel] = None,
        timeout_seconds: Optional[float] = None,
    ) -> None:
        self._store = store
        self.staff = staff or StaffChannel.from_settings()
        self.timeout = timeout_seconds or handoff_timeout_seconds()
        self.sweep_seconds = min(MAX_SWEEP_SECONDS, max(1.0, self.timeout / 3))
        self.outputs: Dict[str, Callable[[], OutputChannel]] = {}
        self.app: Any = None
        self.agent: Any = None  # tests may set it directly; otherwise the app's
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="handoffs")
        self._sweeper: Optional[asyncio.Task] = None
        self._tasks: Set[asyncio.Task] = set()

    @property
    def on(self) -> bool:
        """Handoffs happen only with the staff channel on Slack set up (SLACK_BOT_TOKEN, SLACK_HANDOFF_CHANNEL)."""
        return self.staff.on

    def store(self) -> HandoffStore:
        return self._store

    async def run(self, function: Callable, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(function, *args))

    # ------------------------------------------------------------ wiring

    def register_output(self, channel: str, make: Callable[[], OutputChannel]) -> None:
        """How to reach a person of this input channel (its name: roles.WIDGET, roles.SMS)."""
        self.outputs[channel] = make

    def start(self, app: Any) -> None:
        """The server started (channels/extensions.py): learn the app (and so the agent), start the timeout sweep."""
        self.app = app
        if self.on and self._sweeper is None:
            self._sweeper = asyncio.ensure_future(self._sweep_forever())

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    def _agent(self) -> Any:
        return self.agent or getattr(getattr(self.app, "ctx", None), "agent", None)

    def background(self, work: Any) -> None:
        """Runs a coroutine after the request is answered (Slack wants its answer within 3 seconds)."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("handoff work failed: %r", task.exception())

    def wrap(self, on_new_message: Callable[[UserMessage], Any]) -> Callable[[UserMessage], Any]:
        """on_new_message, with messages of an open handoff going to staff instead."""

        async def handle(message: UserMessage) -> None:
            if not await self.intercept(message):
                await on_new_message(message)

        return handle

    # ------------------------------------------------------------ the person's messages

    async def intercept(self, message: UserMessage) -> bool:
        """True when the message belongs to an open handoff (it went to staff: the bot must not answer it)."""
        if not self.on or message.input_channel not in LIVE_CHANNELS:
            return False
        try:
            handoff = await self.run(self.store().open_for, message.sender_id)
        except Exception as error:  # the database is down: the bot answers (and says if it has trouble)
            logger.warning("could not look for an open handoff: %s", error)
            return False
        if handoff is None:
            return False
        text = message.text or ""
        if timed_out(handoff.requested_at, handoff.last_staff_at, utc_now(), self.timeout):
            await self._record_person(handoff, message)
            if await self.run(self.store().claim_timeout, handoff.id, self.timeout):
                await self.after_timeout(handoff)
            return True
        emergency = triage_intent(text) == EMERGENCY_INTENT
        line = say("person_wrote", text=shorten(text, 2000))
        await self.staff.post(f"{line}\n{say('person_emergency')}" if emergency else line, thread_ts=handoff.thread_ts)
        if emergency:
            return False  # the bot answers it as well: call 911 first
        await self._record_person(handoff, message)
        if message.input_channel != roles.SMS:  # the widget stops waiting for an answer; SMS needs nothing
            await message.output_channel.send_response(message.sender_id, json.loads(json.dumps(RELAYED)))
        return True

    async def _record_person(self, handoff: Handoff, message: UserMessage) -> None:
        # The widget's message_id is kept, as for a message the bot answers: a widget coming back
        # asks for what came after its latest message (channels/web.py, missed_replies).
        message_id = message_id_of(message.metadata)
        event = UserUttered(
            message.text,
            input_channel=message.input_channel,
            metadata={HANDOFF_ID: handoff.id, **({MESSAGE_ID: message_id} if message_id else {})},
        )
        await self._append(handoff.sender_id, event)

    async def _append(self, sender_id: str, *events: Any) -> None:
        """Adds events to the person's conversation, under its lock, through Rasa's tracker store."""
        agent = self._agent()
        if agent is None:
            logger.warning("handoff: no agent to store the conversation of %s", sender_id)
            return
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.processor.get_tracker(sender_id)
            for event in events:
                tracker.update(event)
            await agent.processor.save_tracker(tracker)

    async def stored_events(self, sender_id: str) -> List[StoredEvent]:
        """The person's conversation as stored, read without its lock; [] before the server is up."""
        agent = self._agent()
        if agent is None or agent.tracker_store is None:
            return []
        tracker = await agent.tracker_store.retrieve(sender_id)
        return read_events(tracker.events) if tracker is not None else []

    async def person_language(self, sender_id: str) -> str:
        """The language of the person's conversation (its slot): staff's words go through as typed,
        and what the bot adds around them ("... (office staff):") is in it."""
        agent = self._agent()
        if agent is None or agent.tracker_store is None:
            return ENGLISH
        tracker = await agent.tracker_store.retrieve(sender_id)
        language = tracker.get_slot(SLOT_LANGUAGE) if tracker is not None else None
        return language if language in LANGUAGES else ENGLISH

    def output_for(self, channel: str) -> Optional[OutputChannel]:
        make = self.outputs.get(channel)
        return make() if make else None

    async def tell_person(self, handoff: Handoff, text: str, metadata: Dict[str, Any]) -> None:
        """Stores a message of the handoff in the person's conversation, then sends it to them."""
        await self._append(handoff.sender_id, BotUttered(text, metadata={HANDOFF_ID: handoff.id, **metadata}))
        output = self.output_for(handoff.channel)
        if output is None:
            logger.warning("handoff %s: no way to reach a person on %s", handoff.id, handoff.channel)
            return
        await output.send_text_message(handoff.sender_id, text)

    # ------------------------------------------------------------ staff's side (Slack)

    def slack_request(self, request: Request) -> Optional[Callable[[], Any]]:
        """For a signed Slack request about a handoff or callback: the work to do (run it in the
        background and acknowledge at once). None when the request is not one (the bot handles it)."""
        if not self.on:
            return None
        if request.headers.get("content-type") == "application/json":
            return self._slack_event(request.json or {})
        try:
            payload = json.loads(request.form.get("payload") or "{}")
        except (ValueError, TypeError):
            return None
        return self._slack_action(payload)

    def _slack_event(self, body: Dict[str, Any]) -> Optional[Callable[[], Any]]:
        event = body.get("event") or {}
        if body.get("type") != "event_callback" or event.get("type") not in ("message", "app_mention"):
            return None
        thread_ts, ts = event.get("thread_ts"), event.get("ts")
        if event.get("channel") != self.staff.channel or not thread_ts or thread_ts == ts:
            return None  # not a reply in a thread of the staff channel
        if event.get("type") != "message" or event.get("bot_id") or event.get("subtype"):
            return lambda: asyncio.sleep(0)  # a mention (its message comes too), our own post, an edit
        return partial(
            self.staff_message, event["channel"], thread_ts, event.get("user") or "", event.get("text") or ""
        )

    def _slack_action(self, payload: Dict[str, Any]) -> Optional[Callable[[], Any]]:
        if payload.get("type") != "block_actions":
            return None
        action = (payload.get("actions") or [{}])[0]
        if action.get("action_id") not in (END_HANDOFF_BUTTON, CALLBACK_DONE_BUTTON):
            return None
        user = payload.get("user") or {}
        return partial(self.staff_button, action["action_id"], str(action.get("value") or ""), user.get("id") or "")

    async def _name(self, user_id: str) -> str:
        return await self.staff.user_name(user_id, say("staff_unknown"))

    async def staff_message(self, channel: str, thread_ts: str, user_id: str, text: str) -> None:
        """A staff member wrote in a thread of the staff channel."""
        item: Union[Handoff, CallbackRequest, None] = await self.run(self.store().by_thread, channel, thread_ts)
        if item is None:
            return
        name = await self._name(user_id)
        if isinstance(item, CallbackRequest):
            if is_done(text):
                await self.callback_done(item, name)
            return
        handoff = item
        if not handoff.open:
            await self.staff.post(say("too_late"), thread_ts=thread_ts)
            return
        if timed_out(handoff.requested_at, handoff.last_staff_at, utc_now(), self.timeout):
            if await self.run(self.store().claim_timeout, handoff.id, self.timeout):
                await self.after_timeout(handoff)
            await self.staff.post(say("too_late"), thread_ts=thread_ts)
            return
        if is_done(text):
            await self.end(handoff, name)
            return
        if not await self.run(self.store().staff_replied, handoff.id, name):
            await self.staff.post(say("too_late"), thread_ts=thread_ts)
            return
        language = await self.person_language(handoff.sender_id)
        reply = say("staff_says", language, name=name, text=plain_slack_text(text))
        await self.tell_person(handoff, reply, {STAFF_NAME: name})

    async def staff_button(self, action_id: str, value: str, user_id: str) -> None:
        name = await self._name(user_id)
        if action_id == END_HANDOFF_BUTTON:
            handoff = await self.run(self.store().get, value)
            if handoff is not None:
                await self.end(handoff, name)
        elif action_id == CALLBACK_DONE_BUTTON:
            callback = await self.run(self.store().callback, value)
            if callback is not None:
                await self.callback_done(callback, name)

    async def end(self, handoff: Handoff, name: str) -> None:
        """Staff ended the chat: the person is told and is back with the bot."""
        if not await self.run(self.store().finish, handoff.id, ENDED, name):
            return  # already ended (a second "done", a click after it)
        language = await self.person_language(handoff.sender_id)
        await self.tell_person(handoff, say("staff_ended", language, name=name), {STAFF_NAME: name})
        await self.staff.post(say("ended_by", name=name), thread_ts=handoff.thread_ts)

    async def announce_callback_done(self, callback_id: str, name: str) -> None:
        """A callback request marked done on the dashboard: said in its Slack thread, so staff
        working from Slack see it too (nothing to do when the staff channel is off or it has no thread)."""
        if not self.staff.on:
            return
        callback = await self.run(self.store().callback, callback_id)
        if callback is not None and callback.slack_ts:
            await self.staff.post(say("callback.done_on_dashboard", name=name), thread_ts=callback.slack_ts)

    async def callback_done(self, callback: CallbackRequest, name: str) -> None:
        if await self.run(self.store().callback_done, callback.id, name):
            note = say("callback.done_by", name=name)
        else:
            latest = await self.run(self.store().callback, callback.id)
            note = say("callback.already_done", name=(latest.done_by if latest else None) or name)
        if callback.slack_ts:
            await self.staff.post(note, thread_ts=callback.slack_ts)

    # ------------------------------------------------------------ timeouts

    async def after_timeout(self, handoff: Handoff) -> None:
        """The handoff timed out (and this process claimed it): tell staff, and run the bot's
        timed-out action on the person's conversation (it starts the callback request)."""
        await self.staff.post(say("timed_out_note", minutes=minutes(self.timeout)), thread_ts=handoff.thread_ts)
        agent = self._agent()
        if agent is None:
            return
        output = self.output_for(handoff.channel) or CollectingOutputChannel()
        async with agent.lock_store.lock(handoff.sender_id):
            tracker = await agent.execute_action(handoff.sender_id, HANDOFF_TIMED_OUT_ACTION, output, None, None)
            if tracker is not None:
                # As after any bot turn: the bot now listens (the rules read the next message after it).
                tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
                await agent.processor.save_tracker(tracker)

    async def sweep(self) -> int:
        """Times out every open handoff whose time is up; how many this process timed out."""
        count = 0
        for handoff in await self.run(self.store().expired, self.timeout):
            if await self.run(self.store().claim_timeout, handoff.id, self.timeout):
                count += 1
                try:
                    await self.after_timeout(handoff)
                except Exception as error:  # the next one still gets its turn
                    logger.error("handoff %s timed out, but the person could not be told: %r", handoff.id, error)
        return count

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database may be down now and up later
                logger.warning("handoff timeout sweep failed: %s", error)
