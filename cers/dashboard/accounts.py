"""Named staff accounts, their sessions and the sign-in limit, kept in the facility database (DATABASE_URL).

    make staff-user NAME=maria.lopez     (python -m cers.dashboard.accounts NAME)

creates the account, or resets its password and signs it out everywhere, and prints a one-time
password: the first sign-in with it asks for a new password. Passwords are kept as argon2id
hashes, sessions as the SHA-256 of their token (the cookie carries the token). Everything is in
the database, so every replica sees the same accounts and sessions. The tables come from the
Alembic migration 0003: `make staff-user` migrates the database first, like the importer; a
server only checks that the schema is at head (`make migrate` otherwise).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    create_engine,
    delete,
    func,
    select,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from cers.dashboard import passwords
from cers.settings import database_url

Base: Any = declarative_base()  # SQLAlchemy 1.4 builds the class at run time

# Sign-in limit: after this many failed sign-ins in WINDOW, that name (or that address) must wait.
MAX_FAILURES_PER_NAME = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = dt.timedelta(minutes=15)
# A session ends after SESSION_LIFETIME, or after IDLE_TIMEOUT without a request.
SESSION_LIFETIME = dt.timedelta(hours=12)
IDLE_TIMEOUT = dt.timedelta(hours=2)
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")


class StaffUserRow(Base):
    __tablename__ = "staff_users"
    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(80), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    must_change_password = Column(Boolean, nullable=False)
    created_at = Column(DateTime, nullable=False)
    password_changed_at = Column(DateTime, nullable=False)


class StaffSessionRow(Base):
    __tablename__ = "staff_sessions"
    token_hash = Column(String(64), primary_key=True)
    user_id = Column(Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False)
    __table_args__ = (Index("ix_staff_sessions_user_id", "user_id"),)
    created_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)


class SignInAttemptRow(Base):
    __tablename__ = "staff_sign_in_attempts"
    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(80), nullable=False)
    address = Column(String(64), nullable=False)
    at = Column(DateTime, nullable=False)
    succeeded = Column(Boolean, nullable=False)
    # As migration 0003 makes them: sign-in limits count recent attempts per name and per address.
    __table_args__ = (
        Index("ix_staff_sign_in_attempts_name_at", "name", "at"),
        Index("ix_staff_sign_in_attempts_address_at", "address", "at"),
    )


class SchemaNotReady(RuntimeError):
    """The facility database has not been migrated to the schema with the staff tables."""


class AccountError(ValueError):
    """A staff name or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class StaffUser:
    id: int
    name: str
    must_change_password: bool


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt gave: a session token, or why not."""

    user: Optional[StaffUser] = None
    token: Optional[str] = None
    limited: bool = False  # too many failures: not even checked

    @property
    def ok(self) -> bool:
        return self.token is not None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def normalise_name(name: str) -> str:
    value = (name or "").strip().lower()
    if not _NAME.match(value):
        raise AccountError(
            "A staff name has 2 to 80 letters, digits, dots, dashes or underscores, "
            "and starts with a letter or digit (e.g. maria.lopez)."
        )
    return value


class AccountStore:
    """Staff accounts and sessions in DATABASE_URL: one engine and session factory per instance."""

    def __init__(
        self,
        url: Optional[str] = None,
        *,
        engine: Optional[Engine] = None,
        migrate: bool = False,
        clock: Callable[[], dt.datetime] = utcnow,
    ):
        """DATABASE_URL's (or `url`'s) accounts, through an engine of its own, or through `engine`
        (the Rasa server's one engine for that database, channels/extensions.py: not disposed here)."""
        self.owns_engine = engine is None
        if engine is None:
            self.url = url or database_url()
            parsed = make_url(self.url)
            sqlite = parsed.get_backend_name() == "sqlite"
            if sqlite and parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                self.url,
                future=True,
                pool_pre_ping=True,
                connect_args={"timeout": 10, "check_same_thread": False} if sqlite else {"connect_timeout": 5},
            )
        else:
            self.url = engine.url.render_as_string(hide_password=False)
        self.engine = engine
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self.clock = clock
        self._schema_ready = False
        if migrate:
            from cers.facilities import migrations

            migrations.upgrade(self.engine)

    def ensure_schema(self) -> None:
        """The tables exist only once the database is migrated (0003): say which command does it."""
        if self._schema_ready:
            return
        from cers.facilities import migrations

        found, wanted = migrations.current(self.engine), migrations.head()
        if found != wanted:
            raise SchemaNotReady(
                f"the facility database is at schema {found or 'none'}, not {wanted}: "
                "run `make migrate` (python -m cers.facilities.migrations) first"
            )
        self._schema_ready = True

    def dispose(self) -> None:
        if self.owns_engine:
            self.engine.dispose()

    def _db(self) -> Session:
        self.ensure_schema()
        return self._sessions.begin()

    # ------------------------------------------------------------ accounts

    def has_accounts(self) -> bool:
        with self._db() as db:
            return db.execute(select(StaffUserRow.id).limit(1)).first() is not None

    def names(self) -> list:
        with self._db() as db:
            return list(db.execute(select(StaffUserRow.name).order_by(StaffUserRow.name)).scalars())

    def create_or_reset(self, name: str) -> tuple:
        """(one-time password, created?): a new account, or a new password for an existing one (signed out everywhere)."""
        name = normalise_name(name)
        password = passwords.one_time_password()
        hashed = passwords.hash_password(password)
        now = self.clock()
        with self._db() as db:
            row = db.execute(select(StaffUserRow).where(StaffUserRow.name == name)).scalar_one_or_none()
            created = row is None
            if created:
                row = StaffUserRow(name=name, created_at=now)
                db.add(row)
            row.password_hash = hashed
            row.must_change_password = True
            row.password_changed_at = now
            db.flush()
            db.execute(delete(StaffSessionRow).where(StaffSessionRow.user_id == row.id))
        return password, created

    def change_password(self, user: StaffUser, current: str, new: str) -> None:
        """Sets a new password (checked against the current one); other sessions of the account end."""
        with self._db() as db:
            row = db.get(StaffUserRow, user.id)
            if row is None or not passwords.verify_password(row.password_hash, current):
                raise AccountError("The current password is not right.")
            problem = passwords.password_problem(new, row.name, current)
            if problem:
                raise AccountError(problem)
            row.password_hash = passwords.hash_password(new)
            row.must_change_password = False
            row.password_changed_at = self.clock()

    # ------------------------------------------------------------ signing in

    def failures(self, name: str, address: str) -> tuple:
        """Failed sign-ins within WINDOW: (for this name, from this address)."""
        since = self.clock() - WINDOW
        with self._db() as db:
            by_name = db.execute(
                select(func.count())
                .select_from(SignInAttemptRow)
                .where(
                    SignInAttemptRow.name == name, SignInAttemptRow.at >= since, SignInAttemptRow.succeeded.is_(False)
                )
            ).scalar_one()
            by_address = db.execute(
                select(func.count())
                .select_from(SignInAttemptRow)
                .where(
                    SignInAttemptRow.address == address,
                    SignInAttemptRow.at >= since,
                    SignInAttemptRow.succeeded.is_(False),
                )
            ).scalar_one()
        return by_name, by_address

    def sign_in(self, name: str, password: str, address: str) -> SignIn:
        """Checks a name and password, within the sign-in limit; on success, a new session's token."""
        name = (name or "").strip().lower()[:80]
        address = (address or "unknown")[:64]
        by_name, by_address = self.failures(name, address)
        if by_name >= MAX_FAILURES_PER_NAME or by_address >= MAX_FAILURES_PER_ADDRESS:
            self._record(name, address, False)
            return SignIn(limited=True)
        with self._db() as db:
            row = db.execute(select(StaffUserRow).where(StaffUserRow.name == name)).scalar_one_or_none()
            stored = row.password_hash if row else None
        # verify_password first, also without an account: an unknown name takes as long as a wrong password.
        if not passwords.verify_password(stored, password or "") or row is None or stored is None:
            self._record(name, address, False)
            return SignIn()
        self._record(name, address, True)
        now = self.clock()
        token = passwords.new_token()
        with self._db() as db:
            if passwords.needs_rehash(stored):
                db.get(StaffUserRow, row.id).password_hash = passwords.hash_password(password)
            db.add(
                StaffSessionRow(
                    token_hash=passwords.token_hash(token),
                    user_id=row.id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + SESSION_LIFETIME,
                )
            )
        return SignIn(StaffUser(row.id, row.name, row.must_change_password), token)

    def _record(self, name: str, address: str, succeeded: bool) -> None:
        now = self.clock()
        with self._db() as db:
            db.add(SignInAttemptRow(name=name, address=address, at=now, succeeded=succeeded))
            # Attempts older than a day count for nothing any more.
            db.execute(delete(SignInAttemptRow).where(SignInAttemptRow.at < now - dt.timedelta(days=1)))

    # ------------------------------------------------------------ sessions

    def user_for(self, token: Optional[str]) -> Optional[StaffUser]:
        """The staff member whose session this token opens, or None (unknown, expired or idle too long)."""
        if not token:
            return None
        now = self.clock()
        with self._db() as db:
            found = db.execute(
                select(StaffSessionRow, StaffUserRow)
                .join(StaffUserRow, StaffUserRow.id == StaffSessionRow.user_id)
                .where(StaffSessionRow.token_hash == passwords.token_hash(token))
            ).first()
            if found is None:
                return None
            session, user = found
            if session.expires_at <= now or session.last_seen_at + IDLE_TIMEOUT <= now:
                db.delete(session)
                return None
            if now - session.last_seen_at > dt.timedelta(minutes=1):  # not a write on every request
                session.last_seen_at = now
            return StaffUser(user.id, user.name, user.must_change_password)

    def end_session(self, token: Optional[str]) -> None:
        if token:
            with self._db() as db:
                db.execute(delete(StaffSessionRow).where(StaffSessionRow.token_hash == passwords.token_hash(token)))

    def end_other_sessions(self, user: StaffUser, keep_token: str) -> None:
        with self._db() as db:
            db.execute(
                delete(StaffSessionRow).where(
                    StaffSessionRow.user_id == user.id, StaffSessionRow.token_hash != passwords.token_hash(keep_token)
                )
            )


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make staff-user NAME=...",
        description="Creates a staff account for the dashboard (or resets its password) and prints a one-time password.",
    )
    parser.add_argument("name", help="the staff member's user name, e.g. maria.lopez")
    args = parser.parse_args(argv)
    try:
        store = AccountStore(migrate=True)
    except Exception as error:  # e.g. the database is unreachable
        print(
            f"Cannot open the facility database ({make_url(database_url()).render_as_string(hide_password=True)}):"
            f" {error}",
            file=sys.stderr,
        )
        return 1
    try:
        password, created = store.create_or_reset(args.name)
    except AccountError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        store.dispose()
    name = normalise_name(args.name)
    print(
        f"{'Created' if created else 'Reset the password of'} the staff account '{name}'"
        f"{'' if created else ' (its sessions are ended)'}."
    )
    print(f"One-time password: {password}")
    print("Give it to them in person or by phone; at the first sign-in at /staff/ they choose their own.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
