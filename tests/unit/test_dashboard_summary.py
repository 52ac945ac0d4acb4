"""The dashboard's figures from a small set of conversations: per day and channel, hours, topics, outcomes, status checks, unsure messages; refresh and purge."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys

import pytest

from cers.conversation.events import read_events
from cers.dashboard.summary import SummaryStore, status_outcome
from cers.settings import parse_hours
from tests.unit.dashboard_events import Conversation, at, create_events, write

HOURS = parse_hours(
    {
        "time_zone": "America/Los_Angeles",
        "weekly": {day: "08:00-17:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
    },
    "test",
)
TITLES = {
    "how_to_add_user": "Add a user",
    "how_to_log_in": "Log in",
    "check_facility_status": "Am I up to date?",
    "ask_for_human": "Talk to a person",
}
NOT_FOUND = (
    "I couldn't find a facility with that CERS ID and ZIP code. Please check both and send them again, "
    "for example: 12345678 12345"
)
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def conversations():
    """Eight senders; what each should count as is said beside it."""
    a = (
        Conversation("a", "socketio", at("2026-11-16", "09:00"))
        .session()  # Monday, office hours
        .answer("how do I add a user", "how_to_add_user")
        .answer("thanks", "thank_you")
    )
    b = (
        Conversation("b", "twilio", at("2026-11-16", "20:00"))
        .session()  # Monday evening: outside hours
        .unsure("call me at (530) 555-0123 about the tank thing", [("how_to_log_in", 0.3), ("ust_program", 0.2)])
    )
    c = (
        Conversation("c", "rest", at("2026-11-17", "10:30"))
        .session()  # status: not found, then shown
        .user("am I up to date?", "check_facility_status")
        .action("action_facility_status")
        .bot("I can check that. What's the CERS ID?")
        .slot("status_open", True)
        .listen()
        .user("10234567 95971", "provide_facility_ids")
        .action("action_facility_status")
        .bot(NOT_FOUND, status_outcome="not_found")
        .slot("status_failures", 1.0)
        .slot("status_open", True)
        .listen()
        .user("10234567 95970", "provide_facility_ids")
        .action("action_facility_status")
        .bot("Up to date.", offers_guide="update_business_info", status_outcome="shown")
        .slot("status_open", False)
        .listen()
    )
    d = (
        Conversation("d", "rest", at("2026-11-21", "11:00"))
        .session()  # Saturday: outside hours
        .answer("can I talk to a human", "ask_for_human")
        .answer("how do I log in", "how_to_log_in")
    )
    e = (
        Conversation("e", "slack", at("2026-11-18", "14:00"))
        .session()  # staff look-up: not a status check
        .user("status of chester lumber", "check_facility_status")
        .action("action_facility_status")
        .bot("Chester Lumber: up to date.")
        .slot("status_open", False)
        .listen()
    )
    f = (
        Conversation("f", "socketio", at("2026-10-10", "10:00"))
        .session()  # an October session, then November
        .answer("how do I log in", "how_to_log_in")
    )
    f.session(at("2026-11-20", "09:30")).unsure("mail me at jo@example.org about users", [("how_to_add_user", 0.35)])
    f.user("/how_to_add_user", "how_to_add_user").action("utter_how_to_add_user").bot("To add a user...").listen()
    g = (
        Conversation("g", "socketio", at("2026-11-19", "16:00"))
        .session()  # three bad tries: locked out
        .user("status", "check_facility_status")
        .action("action_facility_status")
        .bot("What's the CERS ID?")
        .listen()
        .user("123", "provide_facility_ids")
        .action("action_facility_status")
        .bot("That doesn't look like a CERS ID.")
        .slot("status_failures", 1.0)
        .listen()
        .user("10234567 11111", "provide_facility_ids")
        .action("action_facility_status")
        .bot(NOT_FOUND, status_outcome="not_found")
        .slot("status_failures", 2.0)
        .listen()
        .user("10234567 22222", "provide_facility_ids")
        .action("action_facility_status")
        .bot("I couldn't find a facility with that CERS ID and ZIP code. That's 3 tries.", status_outcome="not_found")
        .slot("status_failures", 3.0)
        .listen()
        .user("status again", "check_facility_status")
        .action("action_facility_status")
        .bot("I can't check a facility's status again in this conversation after 3 tries.", status_outcome="blocked")
        .listen()
    )
    h = Conversation("h", "socketio", at("2026-11-22", "12:00")).session()  # opened, nothing said: not counted
    return [a, b, c, d, e, f, g, h]


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    engine = create_events(url)
    write(engine, *conversations())
    store = SummaryStore(url, HOURS)
    store.refresh()
    yield store, engine
    store.dispose()
    engine.dispose()


def table(rows):
    return {row[0]: row[1:] for row in rows}


def test_conversations_per_day_and_channel(store):
    figures = store[0].figures(*NOVEMBER, TITLES)
    assert figures.conversations == 7  # a b c d e f(November) g; h said nothing, f's October session is out of range
    assert dict(figures.per_channel) == {"socketio": 3, "rest": 2, "twilio": 1, "slack": 1}
    days = {day: total for day, _, total in figures.per_day}
    assert len(days) == 30 and sum(days.values()) == 7
    assert days["2026-11-16"] == 2 and days["2026-11-17"] == 1 and days["2026-11-22"] == 0
    assert figures.messages == 2 + 1 + 3 + 2 + 1 + 2 + 5


def test_busiest_hours_and_outside_office_hours(store):
    figures = store[0].figures(*NOVEMBER, TITLES)
    hours = {hour: (count, outside) for hour, count, outside in figures.per_hour}
    assert hours[9] == (2, 0)  # a, f (weekdays, 9 AM)
    assert hours[20] == (1, 1)  # b: Monday 8 PM
    assert hours[11] == (1, 1)  # d: Saturday
    assert figures.outside_hours == 2 and figures.hours_listed


def test_top_topics_use_topic_titles_only(store):
    figures = store[0].figures(*NOVEMBER, TITLES)
    topics = {intent: (title, messages, conversations) for intent, title, messages, conversations in figures.topics}
    assert topics["how_to_add_user"] == ("Add a user", 2, 2)  # a, and f's button
    assert topics["check_facility_status"] == ("Am I up to date?", 4, 3)  # c, e, g twice
    assert "thank_you" not in topics and "nlu_fallback" not in topics
    assert figures.topics[0][0] == "check_facility_status"


def test_how_conversations_ended(store):
    outcomes = {key: count for key, _, count in store[0].figures(*NOVEMBER, TITLES).outcomes}
    # b ended on "Did you mean" with nothing after it; f chose a button after its "Did you mean".
    assert outcomes == {"bot": 5, "asked_for_person": 1, "handed_off": 0, "unanswered": 1}


def test_status_checks_by_outcome_public_only(store):
    status = {key: count for key, _, count in store[0].figures(*NOVEMBER, TITLES).status}
    assert status == {
        "locked": 0,
        "shown": 1,
        "not_found": 2,
        "not_an_id": 1,
        "locked_out": 1,
        "refused_locked": 1,
        "unavailable": 0,
    }


def bot_events(messages):
    return read_events([{"event": "bot", **message} for message in messages])


def test_status_outcome_recorded_by_the_action_wins():
    def said(outcome):
        return read_events([{"event": "bot", "text": "any words", "metadata": {"status_outcome": outcome}}])

    assert status_outcome(None, said("shown")) == "shown"
    assert status_outcome(1.0, said("not_found")) == "not_found"
    assert status_outcome(2.0, said("locked")) == "locked"
    assert status_outcome(3.0, said("not_found")) == "locked_out"
    assert status_outcome(3.0, said("blocked")) == "locked_out"
    assert status_outcome(None, said("blocked")) == "refused_locked"
    assert status_outcome(None, said("unavailable")) == "unavailable"


def test_status_outcome_is_read_from_the_action_alone_never_from_its_words():
    # Words alone (no recorded outcome) are a prompt, whatever they say; a failed try the action
    # did not mark (a malformed ID, asked again) is "not a CERS ID".
    assert (
        status_outcome(None, bot_events([{"text": "x", "metadata": {"offers_guide": "update_business_info"}}])) is None
    )
    assert status_outcome(None, bot_events([{"text": "Sorry, I can't look up facility records right now."}])) is None
    assert status_outcome(1.0, bot_events([{"text": NOT_FOUND}])) == "not_an_id"
    assert status_outcome(3.0, bot_events([{"text": "That doesn't look like a ZIP code"}])) == "locked_out"
    assert status_outcome(None, bot_events([{"text": "Thanks. Now the ZIP code?"}])) is None


def test_unsure_messages_newest_first_with_guesses(store):
    found = store[0].unsure_messages(*NOVEMBER)
    assert [m.text for m in found] == [
        "mail me at jo@example.org about users",
        "call me at (530) 555-0123 about the tank thing",
    ]
    assert found[0].guesses == (("how_to_add_user", 0.35),)
    assert found[1].channel == "twilio" and found[1].time.tzinfo is not None
    assert store[0].figures(*NOVEMBER, TITLES).unsure == 2
    assert store[0].unsure_messages(*NOVEMBER, before=found[0].event_id) == found[1:]
    assert store[0].unsure_message(found[1].event_id) == found[1]


def test_refresh_folds_in_new_events_of_a_known_conversation(store):
    summary, engine = store
    b = Conversation("b", "twilio", at("2026-11-16", "20:05"))
    b.answer("how do I log in", "how_to_log_in")
    write(engine, b)
    assert not summary.progress().caught_up
    summary.refresh()
    figures = summary.figures(*NOVEMBER, TITLES)
    assert figures.conversations == 7  # the same conversation, not a new one
    assert {key: count for key, _, count in figures.outcomes}["unanswered"] == 0
    assert summary.progress().caught_up


def test_figures_kept_in_memory_follow_what_another_server_folds_in(store):
    """Each server keeps each day's figures and reads a day again only when its version changed:
    a change made by another server (a replica refreshing, a purge) still shows at once."""
    summary, engine = store
    october = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    before, october_before = summary.figures(*NOVEMBER, TITLES), summary.figures(*october, TITLES)
    assert summary.figures(*NOVEMBER, TITLES) == before  # from memory: the same
    other = SummaryStore(str(engine.url), HOURS)  # another replica on the same database
    try:
        late = Conversation("late", "socketio", at("2026-11-16", "10:15"))
        late.answer("how do I add a user", "how_to_add_user")
        write(engine, late)
        other.refresh()
        after = summary.figures(*NOVEMBER, TITLES)
        assert after.conversations == before.conversations + 1
        assert table(after.per_day)["2026-11-16"][1] == table(before.per_day)["2026-11-16"][1] + 1
        assert summary.figures(*october, TITLES) == october_before  # its days did not change
        other.purge(at("2026-11-01", "00:00"))
        assert summary.figures(*october, TITLES).conversations == october_before.conversations - 1 == 0
        other.rebuild()
        other.refresh()
        assert summary.figures(*NOVEMBER, TITLES) == after
    finally:
        other.dispose()


def test_rebuild_gives_the_same_figures(store):
    summary, _ = store
    before = summary.figures(*NOVEMBER, TITLES)
    summary.rebuild()
    summary.refresh()
    assert summary.figures(*NOVEMBER, TITLES) == before


def test_changed_office_hours_rebuild_the_summary(store, tmp_path):
    summary, _ = store
    always_open = parse_hours(
        {
            "time_zone": "America/Los_Angeles",
            "weekly": {
                day: "00:00-23:59"
                for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
            },
        },
        "test",
    )
    other = SummaryStore(summary.url, always_open)
    other.refresh()
    assert other.figures(*NOVEMBER, TITLES).outside_hours == 0
    other.dispose()


def test_purge_deletes_old_conversations_only(store):
    summary, engine = store
    # Everything before November 1 goes: f's October session, not its November one.
    deleted_conversations, deleted_events = summary.purge(at("2026-11-01", "00:00"))
    assert deleted_conversations == 1 and deleted_events == 9  # 4 for the session start, 5 for the answer
    with engine.connect() as connection:
        senders = [
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT sender_id FROM events WHERE timestamp < ?", (at("2026-11-01", "00:00"),)
            )
        ]
        assert senders == []
        assert connection.exec_driver_sql("SELECT count(*) FROM events WHERE sender_id = 'f'").scalar() > 0
    assert summary.figures(*NOVEMBER, TITLES).conversations == 7
    assert summary.figures(dt.date(2026, 10, 1), dt.date(2026, 10, 31), TITLES).conversations == 0
    assert summary.purge(at("2026-11-01", "00:00")) == (0, 0)


def test_the_dashboard_core_imports_no_rasa():
    code = (
        "import sys\nimport cers.dashboard.accounts, cers.dashboard.summary, cers.dashboard.exports, "
        "cers.dashboard.retention, cers.dashboard.masking, cers.dashboard.queue\n"
        "print(sorted(m for m in sys.modules if m == 'rasa' or m.startswith(('rasa.', 'rasa_sdk'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_conversations_and_unsure_messages_by_language_and_the_export_keeps_it(tmp_path):
    """A conversation counts in the language its messages made clear (the last one); an unclear
    message ("ok") keeps it; its unsure messages are exported with that language."""
    from cers.dashboard.exports import training_csv, training_yaml

    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    engine = create_events(url)
    spanish = (
        Conversation("es1", "rest", at("2026-11-16", "09:00"))
        .session()
        .user("hola", "greet", language="es")
        .listen()
        .unsure("ok y el tanque", [("ust_program", 0.3)])
    )
    english = (
        Conversation("en1", "rest", at("2026-11-16", "10:00"))
        .session()
        .answer("how do I add a user", "how_to_add_user")
    )
    switched = (
        Conversation("sw1", "rest", at("2026-11-16", "11:00"))
        .session()
        .user("necesito ayuda", "ask_capabilities", language="es")
        .listen()
        .user("english please", "choose_language", language="en")
        .listen()
    )
    write(engine, spanish, english, switched)
    summary = SummaryStore(url, HOURS)
    try:
        summary.refresh()
        figures = summary.figures(*NOVEMBER, TITLES)
        assert figures.per_language == [("en", 2, 0), ("es", 1, 1)]
        [message] = summary.unsure_messages(*NOVEMBER)
        assert message.language == "es"
        header, row = list(csv.reader(io.StringIO(training_csv([message], TITLES))))
        assert dict(zip(header, row))["language"] == "es"
        assert "  metadata: {language: es}" in training_yaml([message], TITLES)
    finally:
        summary.dispose()
        engine.dispose()
