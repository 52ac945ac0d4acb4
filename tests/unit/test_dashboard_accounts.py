"""Staff accounts: one-time passwords, argon2 hashes, sessions that end, the sign-in limit, signed tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from cers.dashboard import accounts as accounts_module
from cers.dashboard import passwords
from cers.dashboard.accounts import AccountError, AccountStore, SchemaNotReady
from cers.dashboard.settings import retention_days, session_secret
from cers.settings import SettingsError


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 11, 23, 9, 0)

    def __call__(self):
        return self.now


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """argon2id with the smallest cost: the account rules are the same, the hashing 100 times quicker."""
    real = passwords.HASHER
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    return real


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    store = AccountStore(f"sqlite:///{tmp_path / 'facilities.db'}", migrate=True, clock=clock)
    yield store
    store.dispose()


def test_a_new_account_signs_in_once_with_its_one_time_password_then_must_choose_one(store):
    one_time, created = store.create_or_reset("Maria.Lopez")
    assert created and store.has_accounts() and store.names() == ["maria.lopez"]
    result = store.sign_in("maria.lopez", one_time, "10.0.0.1")
    assert result.ok and result.user.must_change_password
    with pytest.raises(AccountError):
        store.change_password(result.user, one_time, "short")
    with pytest.raises(AccountError):
        store.change_password(result.user, "wrong one", "a perfectly long password")
    store.change_password(result.user, one_time, "a perfectly long password")
    assert not store.user_for(result.token).must_change_password
    assert not store.sign_in("maria.lopez", one_time, "10.0.0.1").ok
    assert store.sign_in("MARIA.LOPEZ", "a perfectly long password", "10.0.0.1").ok


def test_passwords_are_stored_as_argon2id_hashes_and_tokens_as_sha256(store, quick_hashes, monkeypatch):
    monkeypatch.setattr(passwords, "HASHER", quick_hashes)  # the real parameters
    one_time, _ = store.create_or_reset("ana")
    token = store.sign_in("ana", one_time, "10.0.0.1").token
    with store.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT password_hash FROM staff_users").scalar()
        sessions = [row[0] for row in connection.exec_driver_sql("SELECT token_hash FROM staff_sessions")]
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and one_time not in stored
    assert sessions == [passwords.token_hash(token)] and token not in sessions


def test_resetting_an_account_ends_its_sessions(store):
    one_time, _ = store.create_or_reset("ana")
    token = store.sign_in("ana", one_time, "10.0.0.1").token
    second, created = store.create_or_reset("ana")
    assert not created and second != one_time
    assert store.user_for(token) is None


def test_sessions_end_when_idle_or_old_and_on_sign_out(store, clock):
    one_time, _ = store.create_or_reset("ana")
    token = store.sign_in("ana", one_time, "10.0.0.1").token
    clock.now += accounts_module.IDLE_TIMEOUT - dt.timedelta(minutes=1)
    assert store.user_for(token) is not None
    clock.now += accounts_module.IDLE_TIMEOUT + dt.timedelta(minutes=1)
    assert store.user_for(token) is None
    token = store.sign_in("ana", one_time, "10.0.0.1").token
    store.end_session(token)
    assert store.user_for(token) is None
    assert store.user_for("made-up") is None and store.user_for(None) is None


def test_sign_in_is_limited_after_five_failures_even_with_the_right_password(store, clock):
    one_time, _ = store.create_or_reset("ana")
    for _ in range(accounts_module.MAX_FAILURES_PER_NAME):
        result = store.sign_in("ana", "guess", "10.0.0.2")
        assert not result.ok and not result.limited
    limited = store.sign_in("ana", one_time, "10.0.0.3")
    assert limited.limited and not limited.ok
    clock.now += accounts_module.WINDOW + dt.timedelta(seconds=1)
    assert store.sign_in("ana", one_time, "10.0.0.3").ok


def test_unknown_names_fail_like_wrong_passwords(store):
    store.create_or_reset("ana")
    result = store.sign_in("nobody", "x", "10.0.0.4")
    assert not result.ok and not result.limited


def test_bad_names_are_refused(store):
    for name in ("", "x", "two words", "../etc", "-dash"):
        with pytest.raises(AccountError):
            store.create_or_reset(name)


def test_a_server_refuses_to_work_on_an_unmigrated_database(tmp_path):
    store = AccountStore(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SchemaNotReady, match="make migrate"):
        store.has_accounts()
    store.dispose()


def test_signed_values_and_csrf_tokens():
    secret = "s" * 40
    signed = passwords.sign(secret, "abc")
    assert passwords.unsign(secret, signed) == "abc"
    assert passwords.unsign("t" * 40, signed) is None
    assert passwords.unsign(secret, "abc.0000") is None and passwords.unsign(secret, None) is None
    assert passwords.unsign(secret, passwords.sign(secret, "abc", "login")) is None  # another purpose
    token = passwords.csrf_token(secret, "session-1")
    assert passwords.csrf_ok(secret, "session-1", token)
    assert not passwords.csrf_ok(secret, "session-2", token)
    assert not passwords.csrf_ok(secret, "session-1", None) and not passwords.csrf_ok(secret, None, token)


def test_one_time_passwords_are_long_and_different():
    made = {passwords.one_time_password() for _ in range(50)}
    assert len(made) == 50 and all(len(p) == 19 for p in made)


def test_settings(monkeypatch):
    monkeypatch.delenv("SESSION_SECRET", raising=False)
    assert session_secret() == ""
    monkeypatch.setenv("SESSION_SECRET", "short")
    with pytest.raises(SettingsError):
        session_secret()
    monkeypatch.setenv("SESSION_SECRET", "x" * 32)
    assert session_secret() == "x" * 32
    monkeypatch.delenv("RETENTION_DAYS", raising=False)
    assert retention_days() == 365
    monkeypatch.setenv("RETENTION_DAYS", "30")
    assert retention_days() == 30
    for bad in ("0", "a year"):
        monkeypatch.setenv("RETENTION_DAYS", bad)
        with pytest.raises(SettingsError):
            retention_days()
