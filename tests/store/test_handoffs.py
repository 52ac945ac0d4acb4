"""Handoffs and callback requests in the facility database (cers/handoffs.py), on SQLite and PostgreSQL: one open handoff per conversation, threads, staff replies, ending and timing out exactly once, callbacks done once, the dashboard's ranges, purge."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from cers.handoffs import ENDED, FAILED, OPEN, TIMED_OUT, CallbackRequest, Handoff, HandoffStore

T0 = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.timezone.utc)


def seconds(n: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=n)


@pytest.fixture
def handoffs(store):
    return HandoffStore(store.engine)


def test_one_open_handoff_per_conversation_and_its_thread(handoffs):
    first = handoffs.start("abc123", "socketio", "Why was my inventory not accepted?", T0)
    assert first is not None and first.state == OPEN and first.requested_at == T0
    assert handoffs.start("abc123", "socketio", "again", seconds(5)) is None  # not replaced
    assert handoffs.start("+15305550123", "twilio", None, seconds(5)) is not None  # another conversation
    handoffs.attach_thread(first.id, "C0STAFF", "1700000000.000100")
    found = handoffs.by_thread("C0STAFF", "1700000000.000100")
    assert isinstance(found, Handoff) and found.id == first.id and found.sender_id == "abc123"
    assert handoffs.by_thread("C0OTHER", "1700000000.000100") is None
    assert handoffs.open_for("abc123").id == first.id


def test_staff_replies_name_the_first_who_answered_and_keep_the_handoff_alive(handoffs):
    handoff = handoffs.start("abc123", "socketio", None, T0)
    assert handoffs.staff_replied(handoff.id, "Maria", seconds(60))
    assert handoffs.staff_replied(handoff.id, "Sam", seconds(500))
    stored = handoffs.get(handoff.id)
    assert (stored.answered_at, stored.handled_by, stored.last_staff_at) == (seconds(60), "Maria", seconds(500))
    # 900 s counts from the last staff reply: not expired at 1000 s, expired at 1400 s.
    assert handoffs.expired(900, seconds(1000)) == []
    assert not handoffs.claim_timeout(handoff.id, 900, seconds(1000))
    assert [h.id for h in handoffs.expired(900, seconds(1400))] == [handoff.id]


def test_ending_happens_once_whoever_tries(handoffs):
    handoff = handoffs.start("abc123", "socketio", None, T0)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda by: handoffs.finish(handoff.id, ENDED, by, seconds(30)), ["a", "b", "c", "d"]))
    assert results.count(True) == 1
    stored = handoffs.get(handoff.id)
    assert stored.state == ENDED and stored.ended_by in "abcd" and stored.ended_at == seconds(30)
    assert handoffs.open_for("abc123") is None
    assert not handoffs.staff_replied(handoff.id, "Maria", seconds(40))  # too late
    assert handoffs.start("abc123", "socketio", None, seconds(50)) is not None  # a new one may start


def test_a_timeout_is_claimed_by_exactly_one_replica(handoffs):
    handoff = handoffs.start("abc123", "socketio", None, T0)
    assert not handoffs.claim_timeout(handoff.id, 900, seconds(899))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: handoffs.claim_timeout(handoff.id, 900, seconds(901)), range(4)))
    assert results.count(True) == 1
    assert handoffs.get(handoff.id).state == TIMED_OUT
    assert handoffs.latest_for("abc123").state == TIMED_OUT
    assert not handoffs.finish(handoff.id, ENDED, "Maria")  # staff cannot end it after that


def test_callbacks_are_stored_found_by_thread_and_done_once(handoffs):
    callback = handoffs.add_callback("abc123", "rest", "Maria Lopez", "(530) 555-0123", "Due date?", T0)
    assert isinstance(callback, CallbackRequest) and callback.requested_at == T0 and callback.done_at is None
    handoffs.attach_callback_thread(callback.id, "C0STAFF", "1700000000.000200")
    assert handoffs.by_thread("C0STAFF", "1700000000.000200").id == callback.id
    assert [c.id for c in handoffs.open_callbacks()] == [callback.id]
    assert handoffs.callback_done(callback.id, "maria.lopez", seconds(3600))
    assert not handoffs.callback_done(callback.id, "sam", seconds(3700))
    done = handoffs.callback(callback.id)
    assert (done.done_by, done.done_at) == ("maria.lopez", seconds(3600))
    assert handoffs.open_callbacks() == []
    assert not handoffs.callback_done("no-such-id", "sam")


def test_ranges_for_the_dashboard_leave_out_handoffs_that_never_started(handoffs):
    kept = handoffs.start("a", "socketio", None, T0)
    failed = handoffs.start("b", "twilio", None, seconds(10))
    handoffs.finish(failed.id, FAILED)
    handoffs.start("c", "socketio", None, T0 + dt.timedelta(days=2))
    handoffs.add_callback("d", "rest", "Sam", "sam@example.com", "Fees?", seconds(20))
    day = (T0 - dt.timedelta(hours=1), T0 + dt.timedelta(hours=1))
    assert [h.id for h in handoffs.handoffs_between(*day)] == [kept.id]
    assert [c.name for c in handoffs.callbacks_between(*day)] == ["Sam"]


def test_purge_deletes_what_is_older_than_the_cutoff(handoffs):
    handoffs.start("old", "socketio", None, T0 - dt.timedelta(days=400))
    handoffs.add_callback("old", "rest", "Sam", "sam@example.com", "Fees?", T0 - dt.timedelta(days=400))
    recent = handoffs.start("new", "socketio", None, T0)
    assert handoffs.purge(T0 - dt.timedelta(days=365)) == 2
    assert handoffs.open_for("old") is None and handoffs.open_for("new").id == recent.id


def test_the_dashboard_reads_them_by_office_day_and_marks_callbacks_done(handoffs):
    from cers.dashboard.queue import StoredQueue, response_times

    queue = StoredQueue(handoffs, "America/Los_Angeles")
    # 2026-11-24 07:30 UTC is still November 23 in California.
    late = handoffs.start("a", "socketio", None, dt.datetime(2026, 11, 24, 7, 30, tzinfo=dt.timezone.utc))
    handoffs.staff_replied(late.id, "Maria Lopez", dt.datetime(2026, 11, 24, 7, 32, tzinfo=dt.timezone.utc))
    handoffs.start("b", "twilio", None, dt.datetime(2026, 11, 24, 8, 30, tzinfo=dt.timezone.utc))  # November 24
    callback = handoffs.add_callback("c", "rest", "Sam", "sam@example.com", "Fees?", T0)
    [shown] = queue.handoffs(dt.date(2026, 11, 23), dt.date(2026, 11, 23))
    assert (shown.handled_by, shown.response_seconds, shown.requested_at.hour) == ("Maria Lopez", 120.0, 23)
    assert (
        response_times([h.response_seconds for h in queue.handoffs(dt.date(2026, 11, 23), dt.date(2026, 11, 24))])[0]
        == 1
    )  # one of the two was answered
    assert [c.id for c in queue.open_callbacks()] == [callback.id]
    assert queue.mark_done(callback.id, "maria.lopez") and not queue.mark_done(callback.id, "maria.lopez")
    [done] = queue.callbacks(dt.date(2026, 11, 23), dt.date(2026, 11, 23))
    assert done.done_by == "maria.lopez" and queue.open_callbacks() == []
