"""A turn that sends nothing (an action server that cannot be reached: Rasa logs it and goes on in silence) gets the "having trouble" reply with the office's phone, and a retry of the same message_id is answered anew, never replayed as silence (channels/dedup.py)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from cers.settings import load_office
from channels.dedup import Guard, LocalReplies, answered, replies_in_tracker


def message(text: str, message_id: str, output: CollectingOutputChannel) -> UserMessage:
    return UserMessage(text, output, "person-1", input_channel="rest", metadata={"message_id": message_id})


class Bot:
    """Rasa's on_new_message: silent while its action server is down, then answering."""

    def __init__(self) -> None:
        self.down = True
        self.turns: List[str] = []

    async def __call__(self, user: UserMessage) -> None:
        self.turns.append(user.text)
        if not self.down:
            await user.output_channel.send_response(user.sender_id, {"text": f"answer to {user.text}"})


def texts(output: CollectingOutputChannel) -> List[Text]:
    return [m.get("text") for m in output.messages]


def test_silence_becomes_the_trouble_reply_and_a_retry_gets_a_real_answer(server_extensions):
    server_extensions.replies = LocalReplies()
    bot = Bot()
    guard = Guard(answered(bot))
    first = CollectingOutputChannel()
    asyncio.run(guard(message("how do I add a user?", "m1", first)))
    (trouble,) = texts(first)
    assert "trouble" in trouble and load_office().phone in trouble
    bot.down = False
    retry = CollectingOutputChannel()
    asyncio.run(guard(message("how do I add a user?", "m1", retry)))
    assert texts(retry) == ["answer to how do I add a user?"] and len(bot.turns) == 2
    again = CollectingOutputChannel()
    asyncio.run(guard(message("how do I add a user?", "m1", again)))  # now a repeat: the answer, not a turn
    assert texts(again) == ["answer to how do I add a user?"] and len(bot.turns) == 2


def test_a_message_an_interception_takes_gets_no_trouble_reply(server_extensions):
    server_extensions.replies = LocalReplies()
    bot = Bot()

    async def to_staff(user: UserMessage) -> None:  # an open handoff: the message went to staff
        return None

    guard = Guard(to_staff)  # answered() wraps Rasa's handler only, inside the interception
    output = CollectingOutputChannel()
    asyncio.run(guard(message("are you there?", "m2", output)))
    assert output.messages == [] and bot.turns == []


class Tracker:
    def __init__(self, events: List[Dict[str, Any]]) -> None:
        self.events = events


def test_a_turn_stored_without_replies_is_not_a_reply_to_replay():
    user = {"event": "user", "text": "hi", "timestamp": 1000.0, "metadata": {"message_id": "m3"}, "parse_data": {}}
    assert replies_in_tracker(Tracker([user]), "m3", now=1001.0) is None
    bot = {"event": "bot", "text": "hello", "timestamp": 1000.5, "data": {}, "metadata": {}}
    assert [r.get("text") for r in replies_in_tracker(Tracker([user, bot]), "m3", now=1001.0)] == ["hello"]


class SavingBot:
    """Rasa's on_new_message as its processor runs a turn: the replies go out as its actions end,
    then the turn is saved (here: what the person had seen at that moment is noted), or the save fails."""

    def __init__(self, output: CollectingOutputChannel, save_fails: bool = False) -> None:
        self.output, self.save_fails = output, save_fails
        self.seen_at_save: List[Text] = []

    async def __call__(self, user: UserMessage) -> None:
        await user.output_channel.send_response(user.sender_id, {"text": f"answer to {user.text}"})
        await user.output_channel.send_response(user.sender_id, {"text": "anything else?"})
        if self.save_fails:
            raise ConnectionError("the tracker store refused the save")
        self.seen_at_save = texts(self.output)


def test_the_person_sees_a_reply_only_once_its_turn_is_saved(server_extensions):
    """Issue 24 item 4: a replica that dies between the reply and the save must not leave the person
    with an answer the conversation does not hold."""
    server_extensions.replies = LocalReplies()
    output = CollectingOutputChannel()
    bot = SavingBot(output)
    asyncio.run(Guard(answered(bot))(message("how do I add a user?", "m4", output)))
    assert bot.seen_at_save == []  # nothing reached the person before the save ...
    assert texts(output) == ["answer to how do I add a user?", "anything else?"]  # ... all of it after, in order


def test_a_turn_whose_save_fails_says_trouble_only_and_its_retry_is_answered(server_extensions):
    server_extensions.replies = LocalReplies()
    output = CollectingOutputChannel()
    guard = Guard(answered(SavingBot(output, save_fails=True)))
    asyncio.run(guard(message("when is my plan due?", "m5", output)))
    (trouble,) = texts(output)  # not the answer, which the conversation does not hold, then "trouble"
    assert "trouble" in trouble and load_office().phone in trouble
    retry = CollectingOutputChannel()
    asyncio.run(Guard(answered(SavingBot(retry)))(message("when is my plan due?", "m5", retry)))
    assert texts(retry) == ["answer to when is my plan due?", "anything else?"]
