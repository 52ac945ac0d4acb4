"""Writes Rasa-shaped rows into an `events` table (the SQL tracker store's), for the dashboard's tests: conversations as a person would have them."""

from __future__ import annotations

import datetime as dt
import json
from typing import List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ZONE = ZoneInfo("America/Los_Angeles")

# Rasa's SQLTrackerStore table, as it creates it (rasa/core/tracker_store.py, SQLEvent).
EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)"""


def at(day: str, clock: str) -> float:
    """A UNIX time from an office-time day and clock ("2026-11-16", "09:00")."""
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZONE).timestamp()


class Conversation:
    """Appends one sender's events, one second apart, as Rasa writes them."""

    def __init__(self, sender: str, channel: str, start: float):
        self.sender, self.channel, self.time = sender, channel, start
        self.rows: List[Tuple] = []

    def _add(self, type_name: str, intent: Optional[str] = None, action: Optional[str] = None, **data) -> None:
        self.time += 1.0
        event = {"event": type_name, "timestamp": self.time, "metadata": {"model_id": "test"}, **data}
        self.rows.append((self.sender, type_name, self.time, intent, action, json.dumps(event)))

    def session(self, at_time: Optional[float] = None) -> "Conversation":
        if at_time is not None:
            self.time = at_time
        self._add("action", action="action_session_start", name="action_session_start")
        self._add("session_started")
        self._add("slot", action="office_name", name="office_name", value="Test Office")
        self._add("action", action="action_listen", name="action_listen")
        return self

    def user(
        self, text: str, intent: str, ranking: Sequence[Tuple[str, float]] = (), language: Optional[str] = None
    ) -> "Conversation":
        """A message; `language`: the language the pipeline found clear in it (its "language" entity)."""
        ranking = list(ranking) or [(intent, 0.99)]
        entities = [{"entity": "language", "value": language, "start": 0, "end": 0}] if language else []
        parse = {
            "intent": {"name": intent, "confidence": ranking[0][1]},
            "entities": entities,
            "text": text,
            "intent_ranking": [{"name": name, "confidence": value} for name, value in ranking],
        }
        self._add("user", intent=intent, text=text, parse_data=parse, input_channel=self.channel)
        self._add("user_featurization", use_text_for_featurization=False)
        return self

    def action(self, name: str) -> "Conversation":
        self._add("action", action=name, name=name, policy="RulePolicy", confidence=1.0)
        return self

    def bot(self, text: str, **metadata) -> "Conversation":
        self._add("bot", text=text, metadata={"model_id": "test", **metadata}, data={"buttons": None})
        return self

    def slot(self, name: str, value) -> "Conversation":
        self._add("slot", action=name, name=name, value=value)
        return self

    def listen(self) -> "Conversation":
        return self.action("action_listen")

    def answer(self, text: str, intent: str, reply: str = "An answer.") -> "Conversation":
        """A question the bot understood and answered with utter_<intent>."""
        return self.user(text, intent).action(f"utter_{intent}").bot(reply).listen()

    def unsure(self, text: str, guesses: Sequence[Tuple[str, float]], language: Optional[str] = None) -> "Conversation":
        """A message the bot was not sure about: "Did you mean" with buttons."""
        ranking = [("nlu_fallback", 0.4)] + list(guesses)
        return (
            self.user(text, "nlu_fallback", ranking, language)
            .action("action_did_you_mean")
            .bot("I'm not sure what you mean. Did you mean one of these?")
            .listen()
        )


def create_events(url: str) -> sa.engine.Engine:
    engine = sa.create_engine(url, future=True)
    with engine.begin() as connection:
        connection.exec_driver_sql(EVENTS_DDL)
        connection.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id)")
    return engine


def write(engine: sa.engine.Engine, *conversations: Conversation) -> None:
    rows = [row for conversation in conversations for row in conversation.rows]
    rows.sort(key=lambda row: row[2])  # as they would arrive
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                "VALUES (:s, :t, :ts, :i, :a, :d)"
            ),
            [dict(s=s, t=t, ts=ts, i=i, a=a, d=d) for s, t, ts, i, a, d in rows],
        )
    for conversation in conversations:
        conversation.rows.clear()
