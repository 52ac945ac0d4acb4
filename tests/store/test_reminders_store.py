"""The reminders' records (cers/reminders/store.py, migration 0006), on SQLite and on PostgreSQL with TEST_POSTGRES_URL: subscribing with the consent kept word for word, STOP ending every subscription of a number at once (logged), START, confirmation codes (6 digits, 10 minutes, 5 wrong tries), and claims that give each reminder, and each number's day, to exactly one caller, also on separate connections."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from cers.facilities.store import FacilityStore
from cers.reminders.numbers import e164, masked
from cers.reminders.schedule import ANNUAL, CHANGE, OVERDUE, Reminder
from cers.reminders.store import (
    CLAIMED,
    CODE_TRIES,
    FAILED,
    OPT_OUT,
    PROVIDER_OPT_OUT,
    SENT,
    SKIPPED,
    STAFF,
    UNCERTAIN,
    ClaimOutcome,
    CodeOutcome,
    RemindersStore,
)

T0 = dt.datetime(2027, 2, 15, 18, 0, tzinfo=dt.timezone.utc)  # 10:00 in California
DAY = dt.date(2027, 2, 15)
NUMBER, OTHER = "+15305550123", "+15305550199"
DISCLOSURE = "Test County CUPA will text reminders of CERS deadlines for Feather River Feed: at most 4 per deadline."


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


@pytest.fixture
def reminders(store):
    return RemindersStore(store.engine)


def annual(offset: int = 7, cers_id: str = "10234567") -> Reminder:
    return Reminder(cers_id, ANNUAL, dt.date(2027, 3, 1), offset, 14)


def test_subscribing_keeps_the_consent_word_for_word_and_one_row_per_facility_and_number(reminders):
    first = reminders.subscribe("10234567", NUMBER, "twilio", "es", DISCLOSURE, T0)
    assert (first.cers_id, first.number, first.channel, first.language, first.active) == (
        "10234567",
        NUMBER,
        "twilio",
        "es",
        True,
    )
    assert first.created_at == T0
    again = reminders.subscribe("10234567", NUMBER, "socketio", "en", DISCLOSURE + " (again)", minutes(5))
    assert again.id == first.id and again.language == "en" and again.created_at == T0
    reminders.subscribe("20234567", NUMBER, "twilio", "en", DISCLOSURE, minutes(6))
    assert [s.cers_id for s in reminders.active(NUMBER)] == ["10234567", "20234567"]
    consents = reminders.consents(NUMBER)
    assert [(c.channel, c.language, c.disclosure, c.given_at) for c in consents] == [
        ("twilio", "es", DISCLOSURE, T0),
        ("socketio", "en", DISCLOSURE + " (again)", minutes(5)),
        ("twilio", "en", DISCLOSURE, minutes(6)),
    ]


def test_stop_ends_every_subscription_of_the_number_at_once_and_is_logged(reminders, database_url):
    reminders.subscribe("10234567", NUMBER, "twilio", "en", DISCLOSURE, T0)
    reminders.subscribe("20234567", NUMBER, "socketio", "en", DISCLOSURE, T0)
    reminders.subscribe("10234567", OTHER, "twilio", "en", DISCLOSURE, T0)
    reminders.issue_code(NUMBER, "30234567", "en", "socketio", T0)
    # Another replica, with its own engine, sees the opt-out at once.
    replica = FacilityStore(database_url)
    try:
        assert RemindersStore(replica.engine).opt_out(NUMBER, "ALTO", "twilio", minutes(1)) == 2
    finally:
        replica.dispose()
    assert reminders.active(NUMBER) == []
    assert {s.ended_reason for s in reminders.subscriptions(NUMBER)} == {OPT_OUT}
    assert [s.number for s in reminders.active(OTHER)] == [OTHER]
    assert reminders.check_code(NUMBER, "123456", minutes(2)).outcome == CodeOutcome.MISSING  # its code is gone
    assert reminders.opt_out(NUMBER, "STOP", "twilio", minutes(3)) == 0  # a second STOP ends nothing, logged too
    log = reminders.opt_outs(NUMBER)
    assert [(e["keyword"], e["channel"], e["at"], e["ended"]) for e in log] == [
        ("ALTO", "twilio", minutes(1), 2),
        ("STOP", "twilio", minutes(3), 0),
    ]


def test_start_turns_back_on_what_an_opt_out_ended_only(reminders):
    reminders.subscribe("10234567", NUMBER, "twilio", "es", DISCLOSURE, T0)
    reminders.subscribe("20234567", NUMBER, "twilio", "en", DISCLOSURE, T0)
    reminders.subscribe("30234567", NUMBER, "twilio", "en", DISCLOSURE, T0)
    assert reminders.remove("30234567", NUMBER, "maria.lopez", "slack", minutes(1))
    assert not reminders.remove("30234567", NUMBER, "maria.lopez", "slack", minutes(1))  # already removed
    reminders.opt_out(NUMBER, "STOP", "twilio", minutes(2))
    restarted = reminders.opt_in(NUMBER, "twilio", "reminders are back on", minutes(3))
    assert sorted(s.cers_id for s in restarted) == ["10234567", "20234567"]
    assert {s.cers_id: s.active for s in reminders.subscriptions(NUMBER)} == {
        "10234567": True,
        "20234567": True,
        "30234567": False,  # staff removed it: START does not bring it back
    }
    assert reminders.subscriptions(NUMBER)[2].ended_reason == STAFF
    assert reminders.consents(NUMBER)[-1].disclosure == "reminders are back on"
    assert reminders.consents(NUMBER)[-2].language == "es"  # each keeps its own language
    assert [e["keyword"] for e in reminders.opt_outs(NUMBER)] == ["staff:maria.lopez", "STOP"]
    assert reminders.opt_in(NUMBER, "twilio", "again", minutes(4)) == []  # nothing left to restart
    # A number the provider reported as opted out with its carrier comes back with START too.
    assert reminders.end_number(NUMBER, PROVIDER_OPT_OUT, minutes(5)) == 2
    assert len(reminders.opt_in(NUMBER, "twilio", "back", minutes(6))) == 2


def test_a_code_is_six_digits_lasts_ten_minutes_and_confirms_once(reminders):
    code = reminders.issue_code(NUMBER, "10234567", "es", "socketio", T0)
    assert code is not None and len(code) == 6 and code.isdigit()
    assert reminders.issue_code(NUMBER, "10234567", "es", "socketio", minutes(0.5)) is None  # not a flood of codes
    check = reminders.check_code(NUMBER, f" {code[:3]} {code[3:]} ", minutes(9))
    assert (check.outcome, check.cers_id, check.language, check.channel) == (
        CodeOutcome.CONFIRMED,
        "10234567",
        "es",
        "socketio",
    )
    assert reminders.check_code(NUMBER, code, minutes(9)).outcome == CodeOutcome.MISSING  # used up
    reminders.issue_code(OTHER, "10234567", "en", "rest", T0, code="111111")
    assert reminders.check_code(OTHER, "111111", minutes(10)).outcome == CodeOutcome.EXPIRED
    assert reminders.check_code("+15305550100", "111111", T0).outcome == CodeOutcome.MISSING


def test_five_wrong_tries_end_a_code_and_the_right_one_is_refused_after(reminders):
    reminders.issue_code(NUMBER, "10234567", "en", "socketio", T0, code="424242")
    lefts = [reminders.check_code(NUMBER, "000000", minutes(1)) for _ in range(CODE_TRIES - 1)]
    assert [c.outcome for c in lefts] == [CodeOutcome.WRONG] * (CODE_TRIES - 1)
    assert [c.tries_left for c in lefts] == [4, 3, 2, 1]
    assert reminders.check_code(NUMBER, "42", minutes(1)).outcome == CodeOutcome.ENDED  # the fifth wrong try
    assert reminders.check_code(NUMBER, "424242", minutes(2)).outcome == CodeOutcome.MISSING
    # A new code may be asked for after a minute.
    assert reminders.issue_code(NUMBER, "10234567", "en", "socketio", minutes(2), code="515151") == "515151"
    assert reminders.check_code(NUMBER, "515151", minutes(3)).outcome == CodeOutcome.CONFIRMED
    assert reminders.purge_codes(minutes(60)) == 0


def test_a_code_is_kept_only_as_a_salted_hash(reminders, store):
    from sqlalchemy import text

    reminders.issue_code(NUMBER, "10234567", "en", "socketio", T0, code="987654")
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT code_hash FROM reminder_codes")).scalar_one()
    assert "987654" not in stored and "$" in stored


def test_a_reminder_is_claimed_once_and_a_number_once_a_day(reminders):
    first = reminders.claim(annual(7), NUMBER, DAY, "text", "en", T0)
    assert first.outcome == ClaimOutcome.CLAIMED and first.send_id
    assert reminders.claim(annual(7), NUMBER, DAY, "text", "en", T0).outcome == ClaimOutcome.TAKEN
    assert reminders.claim(annual(7), NUMBER, DAY + dt.timedelta(days=1), "t", "en", T0).outcome == ClaimOutcome.TAKEN
    other_reminder = Reminder("20234567", CHANGE, dt.date(2027, 2, 19), 7, 4)
    assert reminders.claim(other_reminder, NUMBER, DAY, "text", "en", T0).outcome == ClaimOutcome.DAY_TAKEN
    # Another number gets the same facility's reminder (two people at one business).
    assert reminders.claim(annual(7), OTHER, DAY, "text", "en", T0).outcome == ClaimOutcome.CLAIMED
    assert reminders.texted_on([NUMBER, OTHER, "+15305550100"], DAY) == {NUMBER, OTHER}
    assert reminders.recorded([NUMBER], [dt.date(2027, 3, 1)]) == {(NUMBER, "10234567", ANNUAL, dt.date(2027, 3, 1), 7)}


def test_sent_skipped_failed_and_stale_claims(reminders):
    sent = reminders.claim(annual(30), NUMBER, DAY, "text", "en", T0).send_id
    assert reminders.mark_sent(sent, "SM123", 1, minutes(1))
    row = reminders.send(sent)
    assert (row.status, row.provider_id, row.sent_at, row.attempts) == (SENT, "SM123", minutes(1), 1)

    skipped = reminders.claim(annual(30), OTHER, DAY, "text", "en", T0).send_id
    assert reminders.mark_skipped(skipped, "submitted since", minutes(1))
    assert reminders.send(skipped).status == SKIPPED and reminders.send(skipped).day is None
    # The skip freed the day: another reminder may go to that number today; the skipped one never.
    assert reminders.claim(annual(30), OTHER, DAY, "text", "en", T0).outcome == ClaimOutcome.TAKEN
    later = Reminder("10234567", CHANGE, dt.date(2027, 2, 19), OVERDUE, -1)
    failed = reminders.claim(later, OTHER, DAY, "text", "en", T0).send_id
    assert reminders.mark_failed(failed, "invalid number", 1, minutes(2))
    assert not reminders.mark_skipped(failed, "late", minutes(3))  # only a claim can be finished once

    stale = reminders.claim(annual(1), NUMBER, DAY + dt.timedelta(days=1), "text", "en", minutes(10)).send_id
    assert [s.id for s in reminders.stale_claims(minutes(20))] == [stale]
    assert reminders.stale_claims(minutes(5)) == []
    assert reminders.mark_uncertain(stale, "never confirmed", minutes(30))
    assert reminders.send(stale).status == UNCERTAIN and reminders.stale_claims(minutes(60)) == []
    # A job that got the provider's id after all still records it.
    assert reminders.mark_sent(stale, "SM999", 1, minutes(31)) and reminders.send(stale).status == SENT
    assert reminders.counts() == {SENT: 2, SKIPPED: 1, FAILED: 1}
    assert CLAIMED not in reminders.counts()


def test_two_claims_of_one_key_on_separate_connections_give_it_to_exactly_one(database_url):
    """Two jobs (each with its own engine and connection pool, like two replicas) claim the same
    reminders at the same moment: each key, and each number's day, goes to exactly one of them."""
    engines = [FacilityStore(database_url, timeout=10.0) for _ in range(2)]
    engines[0].migrate()
    stores = [RemindersStore(s.engine) for s in engines]
    numbers = [f"+1530555{n:04d}" for n in range(20)]
    start = threading.Barrier(2)
    results: list[list] = [[], []]

    def job(index: int) -> None:
        start.wait()
        for number in numbers:
            results[index].append(stores[index].claim(annual(7), number, DAY, "t", "en", T0).outcome)

    try:
        threads = [threading.Thread(target=job, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        for first, second in zip(*results):
            assert sorted([first.value, second.value]) == ["claimed", "taken"]
        assert len(stores[0].sends()) == len(numbers)
    finally:
        for store in engines:
            store.dispose()


def test_the_job_reads_active_subscriptions_by_number_in_batches(reminders):
    for n in range(7):
        reminders.subscribe("10234567", f"+1530555{n:04d}", "twilio", "en", DISCLOSURE, T0)
    reminders.subscribe("20234567", "+15305550003", "twilio", "en", DISCLOSURE, T0)
    reminders.opt_out("+15305550005", "STOP", "twilio", T0)
    seen = list(reminders.active_by_number(batch=2))
    assert [number for number, _ in seen] == [f"+1530555{n:04d}" for n in (0, 1, 2, 3, 4, 6)]
    assert [s.cers_id for s in dict(seen)["+15305550003"]] == ["10234567", "20234567"]


def test_numbers_are_stored_in_e164():
    assert e164("(530) 555-0123") == e164("530.555.0123") == e164("1 530 555 0123") == "+15305550123"
    assert e164("+15305550123") == "+15305550123"
    assert e164("+44 20 7946 0958") == "+442079460958"
    for bad in ("555-0123", "(030) 555-0123", "530 155 0123", "hello", "", "+0123456789"):
        assert e164(bad) is None, bad
    assert masked("+15305550123") == "+1530***0123"


def test_the_dashboard_figures_count_by_week_in_the_office_zone(reminders):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/Los_Angeles")
    reminders.subscribe("10234567", NUMBER, "twilio", "en", DISCLOSURE, T0)  # Monday Feb 15, 10:00
    reminders.subscribe("10234638", OTHER, "socketio", "en", DISCLOSURE, T0 + dt.timedelta(days=7))
    claim = reminders.claim(annual(7), NUMBER, DAY, "text", "en", T0, None)
    reminders.mark_sent(claim.send_id, "SM1", 1, T0)
    # Sunday Feb 21 at 23:30 in California is Monday in UTC: it belongs to the week of Feb 15.
    reminders.opt_out(NUMBER, "STOP", "twilio", dt.datetime(2027, 2, 22, 7, 30, tzinfo=dt.timezone.utc))
    reminders.remove("10234638", OTHER, "maria", "slack", T0 + dt.timedelta(days=8))
    figures = reminders.weekly(T0 - dt.timedelta(days=1), T0 + dt.timedelta(days=30), zone)
    assert (figures.active, figures.numbers) == (0, 0)
    assert figures.weeks == (
        (dt.date(2027, 2, 15), {"signed_up": 1, SENT: 1, "opted_out": 1}),
        (dt.date(2027, 2, 22), {"signed_up": 1, "removed": 1}),
    )
    assert reminders.weekly(T0 + dt.timedelta(days=30), T0 + dt.timedelta(days=60), zone).weeks == ()
