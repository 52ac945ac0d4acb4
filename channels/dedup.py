"""Client retries made safe: a message sent again with the same message_id within 10 minutes gets the reply already given, not a second turn; and a turn that fails gets a "having trouble" reply with the office's phone instead of silence.

Each channel (channels/rest.py, web.py, slack.py) wraps Rasa's on_new_message in a Guard. A
message may carry a `message_id` in its metadata (REST: `"metadata": {"message_id": "..."}`; the
widget sends one with every message). It is stored with the user's message in the tracker.

- One process (REDIS_URL unset, `make run`): the process remembers, for 10 minutes, each
  (sender, message_id) with the replies sent. A repeat while the first is still being answered
  waits for it; either way it gets the same replies.
- Replicas (REDIS_URL set and a reentrant lock store, channels/lock_store.py): the replies sent
  are kept in Redis for 10 minutes under (sender, message_id), so a repeat reaching any replica
  gets them at once. When Redis does not have them (the replica died before writing them, or
  Redis restarted) the tracker decides, under the conversation's lock: if it holds a user
  message with that id (the dead replica saved its turn), the bot messages that followed it are
  sent again; otherwise (it died before saving) the message is handled now. The tracker and
  its replies are saved in one transaction, so the answer is exact, whenever the replica died.
  The replies leave only after that save (answered()), so no one is sent a reply the
  conversation does not hold.

A message the channel had to cut (longer than channels.text.MAX_MESSAGE_CHARS: its metadata has
TEXT_CUT) is answered with a note saying so first, then the answer to what was read.

A turn that raises (the lock store or the tracker store cannot be reached: Redis or PostgreSQL
down) ends with one message saying the assistant is having trouble, with the office's phone;
the stores fail fast (about a second or two), so that message comes within 3 seconds. So does a
turn that sent nothing (answered(): an action server that cannot be reached is refused at once).
Neither is kept as the reply: a retry of the message (its message_id) is answered anew, and a
silent turn is rewound (Rasa's UserUtteranceReverted), so the conversation holds the message once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage

from cers.conversation.events import message_id_of, read_events, turn_of
from cers.conversation.names import TEXT_CUT
from cers.language import ENGLISH, message_language
from cers.settings import load_office
from cers.templates import office_values, render
from channels.extensions import server

logger = logging.getLogger(__name__)

KEEP_SECONDS = 600  # how long a repeat gets the reply already given
REPLY_KEY = "cers:reply:"

Handler = Callable[[UserMessage], Awaitable[Any]]
Sent = List[Dict[Text, Any]]  # the messages sent to the output channel, as Rasa sends them


def trouble_text(text: Optional[str] = None) -> Text:
    """The "having trouble" reply (cers/templates/<language>/limits.yml), in the language of the
    message it answers (English when unclear)."""
    office = load_office()
    language = message_language(text) or ENGLISH
    return render("limits", "trouble", language=language, **office_values(office, language))


async def _recorded(message: UserMessage, handle: Handler, hold: bool = False) -> Sent:
    """Handles the message and returns the messages it sent (each as given to send_response);
    with `hold`, they are only recorded, for the caller to send."""
    channel = message.output_channel
    sent: Sent = []
    send = channel.send_response

    async def recording(recipient_id: Text, reply: Dict[Text, Any]) -> None:
        sent.append(dict(reply))
        if not hold:
            await send(recipient_id, reply)

    previous = channel.__dict__.get("send_response")  # a recording around this one (answered() inside a Guard)
    channel.send_response = recording
    try:
        await handle(message)
    finally:
        if previous is None:
            del channel.send_response  # back to the class's method
        else:
            channel.send_response = previous
    return sent


class Unanswered(Exception):
    """Rasa handled a message and sent nothing: an action it ran could not be reached (Rasa logs
    the error, drops the action's events and goes on, so the turn ends in silence)."""


def answered(on_new_message: Handler) -> Handler:
    """Rasa's on_new_message, its replies sent once the turn is saved, raising Unanswered when the
    turn sent no reply (every turn of this bot says something): the Guard around it then says the
    assistant is having trouble, and keeps no reply for a retry to get, so the retry is answered
    anew. Wrap Rasa's handler itself, inside any interception (an open handoff's message goes to
    staff and rightly gets no reply from the bot).

    Rasa sends each reply as its action ends and saves the turn after the last one; here they
    are held until Rasa's handler returns, which is after the save. So a person never sees a reply
    that the conversation does not hold: a replica that dies before the save has sent nothing (the
    widget says it lost the connection; a retry is answered now), and one that dies after it has
    saved the turn, whose replies a retry or the widget's reconnection gets from the stored
    conversation (SharedReplies, channels/web.py's missed_replies). A turn whose save fails sends
    the "having trouble" reply only, not an answer the conversation then lacks."""

    async def handle(message: UserMessage) -> None:
        sent = await _recorded(message, on_new_message, hold=True)
        if not sent:
            await _forget_turn(message)
            raise Unanswered("the turn sent no reply (is the action server up?)")
        for reply in sent:
            await message.output_channel.send_response(message.sender_id, reply)

    return handle


async def _forget_turn(message: UserMessage) -> None:
    """Rewinds the conversation to before the message (Rasa's UserUtteranceReverted): the turn that
    failed leaves no user message, slot or half-done step behind, so its retry is its one turn."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUtteranceReverted

    agent = server().agent
    if agent is None or agent.tracker_store is None:
        return
    try:
        async with agent.lock_store.lock(message.sender_id):
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            if tracker is not None and tracker.latest_message and tracker.latest_message.text == message.text:
                # The rewind takes back the listen before the message too: listening again, the
                # retry meets the rules as the first try did.
                tracker.update(UserUtteranceReverted())
                tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
                await agent.tracker_store.save(tracker)
    except Exception as error:  # noqa: BLE001 (the person is told of the trouble anyway)
        logger.warning(f"Could not rewind the unanswered turn of '{message.sender_id}': {error}")


async def _replay(message: UserMessage, sent: Sent) -> None:
    for reply in sent:
        await message.output_channel.send_response(message.sender_id, dict(reply))


def replies_in_tracker(tracker: Any, message_id: Text, now: Optional[float] = None) -> Optional[Sent]:
    """The bot messages that followed the user message with this id in the tracker (at most
    KEEP_SECONDS old), as Rasa sent them; None if the tracker has no such message, or no reply to it."""
    if tracker is None:
        return None
    now = time.time() if now is None else now
    turn = turn_of(read_events(tracker.events), message_id)
    if turn is None or turn.message.timestamp < now - KEEP_SECONDS or not turn.replies:
        return None  # not answered yet, or answered with nothing (Unanswered): handled anew
    return [reply.sent() for reply in turn.replies]


class LocalReplies:
    """One process: message ids and their replies kept in memory for KEEP_SECONDS."""

    def __init__(self, max_size: int = 20000) -> None:
        self._seen: "OrderedDict[Tuple[Text, Text], Tuple[float, asyncio.Future]]" = OrderedDict()
        self.max_size = max_size

    def _forget_old(self) -> None:
        now = time.monotonic()
        while self._seen and (len(self._seen) > self.max_size or next(iter(self._seen.values()))[0] < now):
            self._seen.popitem(last=False)

    async def handle(self, message: UserMessage, handle: Handler, agent: Any = None) -> None:
        message_id = message_id_of(message.metadata)
        if message_id is None:
            await handle(message)
            return
        key = (message.sender_id, message_id)
        while True:
            self._forget_old()
            if key not in self._seen:
                break
            sent = await asyncio.shield(self._seen[key][1])
            if sent is not None:
                logger.info(f"message {message_id} of '{message.sender_id}' seen before: replies sent again")
                await _replay(message, sent)
                return
            # The first attempt failed: this one is a new attempt (unless another got there first).
            if key in self._seen and self._seen[key][1].done():
                del self._seen[key]
        answered: asyncio.Future = asyncio.get_running_loop().create_future()
        self._seen[key] = (time.monotonic() + KEEP_SECONDS, answered)
        try:
            sent = await _recorded(message, handle)
        except BaseException:
            answered.set_result(None)
            self._seen.pop(key, None)
            raise
        answered.set_result(sent)


class SharedReplies:
    """Replicas: replies in Redis, and the tracker under the conversation's lock (see the module docstring)."""

    def __init__(self, url: Text) -> None:
        from redis import asyncio as aioredis

        self.redis = aioredis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    async def _cached(self, key: Text) -> Optional[Sent]:
        try:
            value = await self.redis.get(key)
        except Exception as error:  # Redis down: the lock will say so
            logger.warning(f"Could not read remembered replies: {error}")
            return None
        return json.loads(value) if value else None

    async def handle(self, message: UserMessage, handle: Handler, agent: Any) -> None:
        message_id = message_id_of(message.metadata)
        if message_id is None:
            await handle(message)
            return
        sender = message.sender_id
        key = f"{REPLY_KEY}{sender}:{message_id}"
        sent = await self._cached(key)
        if sent is not None:
            logger.info(f"message {message_id} of '{sender}' answered before: replies sent again")
            await _replay(message, sent)
            return
        # The lock is reentrant: Rasa's handle_message takes it again, inside, without waiting.
        async with agent.lock_store.lock(sender):
            sent = replies_in_tracker(await agent.tracker_store.retrieve(sender), message_id)
            if sent is not None:
                logger.info(f"message {message_id} of '{sender}' is in the tracker: replies sent again")
                await _replay(message, sent)
                return
            sent = await _recorded(message, handle)
            try:
                await self.redis.set(key, json.dumps(sent, default=str), ex=KEEP_SECONDS)
            except Exception as error:  # the tracker has them
                logger.warning(f"Could not remember the replies to message {message_id}: {error}")


class Guard:
    """Wraps a channel's on_new_message: message_id de-duplication, and the "having trouble" reply.

    Usage, in a channel's blueprint(): `guard = Guard(on_new_message)`, build the blueprint with
    `guard` as its on_new_message, and `server().attach(blueprint)` (channels/extensions.py: the
    process's replies are made when the server starts, once the agent and its lock store are known)."""

    def __init__(self, on_new_message: Handler) -> None:
        self.on_new_message = on_new_message

    async def _told_if_cut(self, message: UserMessage) -> None:
        """Handles the message; one whose text the channel cut (TEXT_CUT) is answered with a note first."""
        cut_to = (message.metadata or {}).get(TEXT_CUT)
        if cut_to:
            language = message_language(message.text) or ENGLISH
            note = render("limits", "message_cut", language=language, max_chars=f"{int(cut_to):,}")
            await message.output_channel.send_response(message.sender_id, {"text": note})
        await self.on_new_message(message)

    async def __call__(self, message: UserMessage) -> None:
        extensions = server()
        try:
            if extensions.replies is None:
                raise RuntimeError("a message came before the server started")
            await extensions.replies.handle(message, self._told_if_cut, extensions.agent)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.error(
                f"Message of '{message.sender_id}' not handled ({type(error).__name__}: {error}): "
                f"the person is told the assistant is having trouble"
            )
            try:
                await message.output_channel.send_text_message(message.sender_id, trouble_text(message.text))
            except Exception as send_error:
                logger.error(f"Could not say so either: {send_error}")
