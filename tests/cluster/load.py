"""Conversations over REST through haproxy, as fast as replies come, retrying with the same message_id: the load of the cluster tests."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import aiohttp

from tests.cluster.cluster import PHONE, TROUBLE

# Ten messages that each get an answer, whatever came before.
MESSAGES = [
    "hi there",
    "how do I add a user?",
    "when is the deadline for the business plan?",
    "how can i sign up for cers",
    "I forgot my password and can't log in",
    "how do I update our business info in cers",
    "what's your phone number?",
    "how much chemical do i need before i have to file a business plan",
    "am I talking to a real person?",
    "what is a cers id?",
]


@dataclass
class Attempt:
    sender: str
    message_id: str
    sent: float  # time.monotonic()
    done: float
    outcome: str  # "answer", "trouble", "empty", "http 502", "ClientConnectionError"...
    texts: List[str] = field(default_factory=list)


@dataclass
class Load:
    """Every attempt of every message, for the tests to read."""

    attempts: List[Attempt] = field(default_factory=list)
    answered: Dict[str, List[str]] = field(default_factory=dict)  # message_id -> reply texts

    def answers(self) -> List[Attempt]:
        return [a for a in self.attempts if a.outcome == "answer"]

    def answers_between(self, start: float, end: float) -> int:
        return sum(1 for a in self.answers() if start <= a.done < end)

    def troubles(self) -> List[Attempt]:
        return [a for a in self.attempts if a.outcome == "trouble"]

    def failures(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for attempt in self.attempts:
            if attempt.outcome != "answer":
                counts[attempt.outcome] = counts.get(attempt.outcome, 0) + 1
        return counts

    def longest_wait(self) -> float:
        """The longest time from a message's first attempt to its answer (seconds)."""
        first: Dict[str, float] = {}
        longest = 0.0
        for attempt in self.attempts:
            first.setdefault(attempt.message_id, attempt.sent)
            if attempt.outcome == "answer":
                longest = max(longest, attempt.done - first[attempt.message_id])
        return longest


async def send_until_answered(
    session: aiohttp.ClientSession, url: str, sender: str, text: str, message_id: str, load: Load, deadline: float
) -> List[str]:
    """Sends the message until it is answered (not a "having trouble" reply), with the same id."""
    while True:
        sent = time.monotonic()
        texts: List[str] = []
        try:
            async with session.post(
                url + "/webhooks/rest/webhook",
                timeout=aiohttp.ClientTimeout(total=60),
                json={"sender": sender, "message": text, "metadata": {"message_id": message_id}},
            ) as response:
                if response.status != 200:
                    outcome = f"http {response.status}"
                else:
                    texts = [reply.get("text") or "" for reply in await response.json()]
                    if any(TROUBLE in t for t in texts):
                        outcome = "trouble"
                        assert any(PHONE in t for t in texts), texts
                    else:
                        outcome = "answer" if texts else "empty"
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            outcome = type(error).__name__
        load.attempts.append(Attempt(sender, message_id, sent, time.monotonic(), outcome, texts))
        if outcome == "answer":
            load.answered[message_id] = texts
            return texts
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{sender}: message {message_id} not answered before the deadline (last attempt: {outcome})"
            )
        await asyncio.sleep(0.25 if outcome.startswith(("http", "Client", "Server")) else 0.5)


async def converse(
    session: aiohttp.ClientSession, url: str, sender: str, load: Load, deadline: float, messages: List[str] = MESSAGES
) -> None:
    for index, text in enumerate(messages):
        await send_until_answered(session, url, sender, text, f"{sender}-{index}", load, deadline)


async def run_load(
    url: str,
    conversations: int,
    load: Load,
    hang_limit: float,
    during: Optional[Callable[[Load], "asyncio.Future"]] = None,
    prefix: str = "load",
) -> List[str]:
    """`conversations` conversations at once, each sending MESSAGES; `during(load)` runs alongside
    (e.g. kills a replica). Returns the senders."""
    senders = [f"{prefix}-{uuid.uuid4().hex[:10]}" for _ in range(conversations)]
    deadline = time.monotonic() + hang_limit
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.create_task(converse(session, url, sender, load, deadline)) for sender in senders]
        if during is not None:
            tasks.append(asyncio.create_task(during(load)))
        await asyncio.gather(*tasks)
    return senders


def applied(events: List[tuple]) -> List[tuple]:
    """The events as the conversation holds them: a rewind (a turn that failed in silence, then
    retried: channels/dedup.py) takes back its user message and what followed it."""
    kept: List[tuple] = []
    for event in events:
        if event[0] == "rewind":
            users = [index for index, (type_name, _, _) in enumerate(kept) if type_name == "user"]
            kept = kept[: users[-1]] if users else kept
        else:
            kept.append(event)
    return kept


def check_trackers(cluster, senders: List[str], messages: List[str] = MESSAGES) -> None:
    """Every conversation in PostgreSQL has each message once, in order, each followed by a bot reply."""
    problems = []
    for sender in senders:
        events = applied(cluster.events(sender))
        users = [(text, message_id) for type_name, text, message_id in events if type_name == "user"]
        expected = [(text, f"{sender}-{index}") for index, text in enumerate(messages)]
        if users != expected:
            problems.append(f"{sender}: user messages {users} != {expected}")
            continue
        # Each user message is followed by at least one bot message before the next one.
        kinds = [type_name for type_name, _, _ in events if type_name in ("user", "bot")]
        turns = "".join("u" if kind == "user" else "b" for kind in kinds)
        if "uu" in turns or not turns.endswith("b"):
            problems.append(f"{sender}: a message without a reply: {turns}")
    assert not problems, "\n".join(problems[:10])
