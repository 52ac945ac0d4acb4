"""Status-check limits across conversations (cers/verification.py) on the database: per CERS ID, per client, windows, locks, unlock."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cers.verification import CERS_ID, CLIENT, FailedCheck, Limits, SqlLedger, Verification, client_key

T0 = dt.datetime(2027, 2, 15, 14, 0, tzinfo=dt.timezone.utc)


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


@pytest.fixture
def verification(store):
    return Verification(SqlLedger(store.engine, Limits()))


def test_ten_failures_for_one_cers_id_from_many_clients_lock_it_for_an_hour(verification):
    for n in range(9):
        assert verification.failed("10234567", f"203.0.113.{n}", minutes(n)) == []
    (lock,) = verification.failed("10234567", "203.0.113.99", minutes(9))
    assert (lock.kind, lock.key, lock.failures) == (CERS_ID, "10234567", 10)
    assert lock.until == minutes(69)
    # Anyone, from anywhere, now gets refused for that ID, and only that ID.
    assert verification.refused("10234567", "198.51.100.7", minutes(10)) == lock
    assert verification.refused("10234572", "198.51.100.7", minutes(10)) is None
    assert verification.lock_of("10234567", minutes(68)) is not None
    assert verification.refused("10234567", "198.51.100.7", minutes(70)) is None


def test_failures_older_than_the_window_do_not_count(verification):
    for n in range(9):
        verification.failed("10234567", f"client-{n}", minutes(n))
    assert verification.failed("10234567", "client-late", minutes(61)) == []  # the first has aged out


def test_twenty_failures_from_one_client_lock_that_client_out_of_every_facility(verification):
    locks = []
    for n in range(20):
        locks += verification.failed(f"1023{n:04d}", "+15305550123", minutes(n))
    assert [(lock.kind, lock.failures) for lock in locks] == [(CLIENT, 20)]
    refused = verification.refused("10234572", "+15305550123", minutes(21))
    assert refused is not None and refused.kind == CLIENT
    assert verification.refused("10234572", "+15305550199", minutes(21)) is None


def test_a_lock_is_reported_once_and_unlock_clears_it_and_its_count(verification):
    for n in range(10):
        verification.failed("10234567", f"c{n}", minutes(n))
    assert verification.failed("10234567", "c10", minutes(11)) == []  # already locked: no second notice
    assert verification.unlock("10234567") is True
    assert verification.refused("10234567", "c11", minutes(12)) is None
    assert verification.failed("10234567", "c12", minutes(13)) == []  # the count started over
    assert verification.unlock("10234567") is False


def test_clients_are_stored_as_fingerprints_never_as_phone_numbers(store, verification):
    verification.failed("10234567", "+15305550123", T0)
    with store.engine.connect() as conn:
        keys = set(conn.execute(select(FailedCheck.key)).scalars())
    assert "+15305550123" not in keys and client_key("+15305550123") in keys


def test_a_limit_of_zero_is_off(store):
    verification = Verification(SqlLedger(store.engine, Limits(per_cers_id=0, per_client=0)))
    for n in range(30):
        assert verification.failed("10234567", "one client", minutes(n)) == []
    assert verification.refused("10234567", "one client", minutes(31)) is None
