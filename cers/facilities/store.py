"""The facility database: SQLAlchemy models and FacilityStore, the one class that reads and writes them."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    and_,
    create_engine,
    event,
    func,
    or_,
    select,
    union,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from cers import deadlines
from cers.dates import next_annual_due
from cers.facilities import fuzzy
from cers.settings import database_url

logger = logging.getLogger(__name__)

# A dead or slow database must fail well inside the bot's 3-second answer budget.
TIMEOUT_SECONDS = 1.5
# cers/reminders/store.py's tables (migration 0006), dropped with the rest by drop_schema.
REMINDER_TABLES = (
    "reminder_sends",
    "reminder_codes",
    "reminder_consents",
    "reminder_opt_outs",
    "reminder_subscriptions",
)
DATA_VERSION = "data_version"

Base: Any = declarative_base()  # SQLAlchemy 1.4 builds the class at run time


class Meta(Base):
    """Key/value facts about the data set, e.g. data_version (bumped by each import that changes data)."""

    __tablename__ = "meta"
    key = Column(String(40), primary_key=True)
    value = Column(String(200), nullable=False)


class FacilityRow(Base):
    __tablename__ = "facilities"
    cers_id = Column(String(9), primary_key=True)
    name = Column(String(200), nullable=False)
    street = Column(String(200), nullable=False, default="")
    city = Column(String(100), nullable=False, default="")
    zip = Column(String(5), nullable=False)
    phone = Column(String(40), nullable=False, default="")
    programs = Column(String(60), nullable=False, default="")  # ";"-separated, as in the export
    # Derived at import (from deadlines.py) so the overdue and due-soon lists are index lookups:
    # the oldest of the required elements' latest submission dates, NULL if one was never submitted.
    weakest_on = Column(Date, nullable=True)
    content_hash = Column(String(64), nullable=False)  # lets a re-import skip unchanged facilities

    __table_args__ = (
        Index("ix_facilities_weakest_on", "weakest_on"),
        Index("ix_facilities_name", "name", "cers_id"),  # the staff lists page through facilities by name
    )


class SubmittalRow(Base):
    __tablename__ = "submittals"
    id = Column(Integer, primary_key=True, autoincrement=True)
    cers_id = Column(String(9), ForeignKey("facilities.cers_id", ondelete="CASCADE"), nullable=False)
    element = Column(String(60), nullable=False)
    status = Column(String(20), nullable=False)
    date = Column(Date, nullable=False)
    reviewed_on = Column(Date, nullable=True)
    # Derived at import: on the latest submission of each required element, latest_on = date, and
    # correction_due = reviewed_on + 30 when that submission was Not Accepted. NULL on every other row.
    latest_on = Column(Date, nullable=True)
    correction_due = Column(Date, nullable=True)

    __table_args__ = (
        Index("ix_submittals_cers_id", "cers_id"),
        Index("ix_submittals_latest_on", "latest_on"),
        Index("ix_submittals_correction_due", "correction_due"),
    )


class ChangeRow(Base):
    __tablename__ = "changes"
    id = Column(Integer, primary_key=True, autoincrement=True)
    cers_id = Column(String(9), ForeignKey("facilities.cers_id", ondelete="CASCADE"), nullable=False)
    change = Column(String(100), nullable=False)
    changed_on = Column(Date, nullable=False)
    due_on = Column(Date, nullable=False)  # changed_on + 30 days
    met_on = Column(Date, nullable=True)  # the first submission that meets it; NULL while outstanding

    __table_args__ = (
        Index("ix_changes_cers_id", "cers_id"),
        Index("ix_changes_met_on_due_on", "met_on", "due_on"),
    )


class StoreUnavailable(RuntimeError):
    """The database is down, slow or broken: say so and give the office's phone number."""


class SchemaNotReady(StoreUnavailable):
    """The database has not been migrated to this release's schema (a deployment step was missed)."""


@dataclass(frozen=True)
class Match:
    """A facility found by fuzzy search (score 0..100)."""

    cers_id: str
    name: str
    street: str
    city: str
    zip: str
    score: float


@dataclass(frozen=True)
class Listed:
    """A facility in the overdue or due-soon list, with the status that put it there."""

    cers_id: str
    name: str
    city: str
    status: deadlines.FacilityStatus


@dataclass(frozen=True)
class FacilityList:
    total: int  # how many facilities qualify
    items: tuple[Listed, ...]  # the first `limit` of them, by name


def _connect_args(url: str, timeout: float) -> dict:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        # The sqlite3 timeout is the busy timeout: how long to wait for another writer's lock.
        return {"timeout": timeout, "check_same_thread": False}
    if backend == "postgresql":
        millis = int(timeout * 1000)
        # libpq treats connect_timeout below 2 s as 2 s: _install_connect_deadline enforces the real one.
        return {
            "connect_timeout": 2,
            "tcp_user_timeout": millis,
            "options": f"-c statement_timeout={millis} -c lock_timeout={millis}",
        }
    return {}


def _install_connect_deadline(engine: Engine, timeout: float) -> None:
    """Give up on a connection attempt after `timeout` seconds, whatever the server does."""

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, _record, cargs, cparams):
        outcome: dict = {}
        lock = threading.Lock()

        def attempt():
            try:
                connection = dialect.dbapi.connect(*cargs, **cparams)
            except Exception as error:  # handed to the waiting caller below
                outcome["error"] = error
                return
            with lock:
                if outcome.get("abandoned"):
                    connection.close()  # the caller has given up: do not leak the connection
                else:
                    outcome["connection"] = connection

        worker = threading.Thread(target=attempt, name="db-connect", daemon=True)
        worker.start()
        worker.join(timeout)
        with lock:
            if "connection" in outcome:
                return outcome["connection"]
            if "error" in outcome:
                raise outcome["error"]
            outcome["abandoned"] = True
        raise dialect.dbapi.OperationalError(f"no connection within {timeout:g} s")


def _install_sqlite_pragmas(engine: Engine, timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        # WAL: readers (the bot) go on while an import writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Memory-mapped reads and a bigger page cache: the staff lists scan large index ranges.
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()
        # SQLite has no statement timeout: a progress handler aborts work past the deadline.
        deadline = record.info["deadline"] = {"at": None}
        dbapi_connection.set_progress_handler(
            lambda: 1 if deadline["at"] is not None and time.monotonic() > deadline["at"] else 0, 10_000
        )

    @event.listens_for(engine, "before_cursor_execute")
    def _start_clock(conn, cursor, statement, parameters, context, executemany):
        deadline = conn.connection.info.get("deadline")
        if deadline is not None:
            options = context.execution_options if context is not None else conn.get_execution_options()
            # Bulk work (the importer, building the search index) sets no_deadline.
            deadline["at"] = None if options.get("no_deadline") else time.monotonic() + timeout

    def _stop_clock(conn):
        deadline = conn.connection.info.get("deadline")
        if deadline is not None:
            deadline["at"] = None

    event.listen(engine, "commit", _stop_clock)
    event.listen(engine, "rollback", _stop_clock)

    @event.listens_for(engine, "reset")
    def _on_reset(dbapi_connection, record):
        # The pool rolls back on return; a stale deadline must not abort that.
        deadline = record.info.get("deadline")
        if deadline is not None:
            deadline["at"] = None


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """An aware time as the stores keep times (naive UTC); a naive one is taken to be UTC already."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def aware_utc(moment: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC) as an aware one."""
    return moment.replace(tzinfo=dt.timezone.utc)


def aware_utc_or_none(moment: Optional[dt.datetime]) -> Optional[dt.datetime]:
    return aware_utc(moment) if moment is not None else None


class FacilityStore:
    """Facilities, submittals and changes in DATABASE_URL: one engine and session factory per instance."""

    def __init__(self, url: Optional[str] = None, *, timeout: float = TIMEOUT_SECONDS, engine: Optional[Engine] = None):
        """A store on DATABASE_URL (or `url`) with an engine of its own, or on an `engine` another
        store made for the same database (one engine per database and process)."""
        self.timeout = timeout
        if engine is not None:
            self.engine = engine
            self.url = engine.url.render_as_string(hide_password=False)
            self.backend = engine.url.get_backend_name()
        else:
            self.url = url or database_url()
            parsed = make_url(self.url)
            self.backend = parsed.get_backend_name()
            if self.backend == "sqlite" and parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                self.url,
                future=True,
                connect_args=_connect_args(self.url, timeout),
                pool_pre_ping=True,
                **({} if self.backend == "sqlite" else {"pool_timeout": timeout}),
            )
            if self.backend == "sqlite":
                _install_sqlite_pragmas(self.engine, timeout)
            elif self.backend == "postgresql":
                _install_connect_deadline(self.engine, timeout)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)
        self._schema_ready = False
        self._lock = threading.Lock()
        self._index: Optional[tuple[str, fuzzy.FuzzyIndex, list[tuple[str, str, str, str, str]]]] = None

    # ------------------------------------------------------------ plumbing

    def ensure_schema(self) -> None:
        """Check, once per store, that the database's schema is at the latest migration.

        Migrations run once before the servers start (`make migrate`, the importer, a deployment's
        migration job), never from here: several processes migrating at once could race."""
        if self._schema_ready:
            return
        with self._lock:
            if not self._schema_ready:
                from cers.facilities import migrations

                found, wanted = migrations.current(self.engine), migrations.head()
                if found != wanted:
                    raise SchemaNotReady(
                        f"the facility database is at schema {found or 'none'}, not {wanted}: "
                        "run `make migrate` (python -m cers.facilities.migrations) first"
                    )
                self._schema_ready = True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction; any database failure comes out as StoreUnavailable."""
        try:
            self.ensure_schema()
            with self._sessions.begin() as session:
                yield session
        except SchemaNotReady as error:
            logger.error("%s", error)
            raise
        except (DBAPIError, SQLAlchemyError, TimeoutError) as error:
            logger.warning("facility database unavailable: %s", error)
            raise StoreUnavailable(str(error).splitlines()[0]) from error

    def migrate(self) -> bool:
        """Bring the schema to the latest migration (for deployment steps, not servers); True if anything ran."""
        from cers.facilities import migrations

        try:
            ran = migrations.upgrade(self.engine)
        except (DBAPIError, SQLAlchemyError) as error:
            raise StoreUnavailable(str(error).splitlines()[0]) from error
        self._schema_ready = False
        return ran

    def drop_schema(self) -> None:
        """Drop the store's tables and Alembic's version table (tests and benchmarks start clean)."""
        from sqlalchemy import text

        with self.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS verification_locks"))
            conn.execute(text("DROP TABLE IF EXISTS verification_failures"))
            conn.execute(text("DROP TABLE IF EXISTS handoffs"))
            conn.execute(text("DROP TABLE IF EXISTS callback_requests"))
            for reminders_table in REMINDER_TABLES:
                conn.execute(text(f"DROP TABLE IF EXISTS {reminders_table}"))
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        self._schema_ready = False

    def dispose(self) -> None:
        self.engine.dispose()

    def save(self, facilities: dict[str, deadlines.Records], progress=None) -> "SaveResult":
        """Replace the data of the facilities named (all in one transaction); see save() below."""
        return save(self, facilities, progress)

    # ------------------------------------------------------------ lookups

    def is_empty(self) -> bool:
        with self.session() as s:
            return s.execute(select(FacilityRow.cers_id).limit(1)).first() is None

    def count(self) -> int:
        with self.session() as s:
            return s.execute(select(func.count()).select_from(FacilityRow)).scalar_one()

    def get(self, cers_id: str) -> Optional[deadlines.Records]:
        """Everything on file for one facility, or None."""
        with self.session() as s:
            row = s.get(FacilityRow, str(cers_id).strip())
            return self._records(s, [row])[0] if row else None

    def get_many(self, cers_ids: Sequence[str]) -> dict[str, deadlines.Records]:
        """Everything on file for each of these facilities that exists, in three queries (the reminder job's batches)."""
        ids = sorted({str(i).strip() for i in cers_ids})
        if not ids:
            return {}
        with self.session() as s:
            rows = s.execute(select(FacilityRow).where(FacilityRow.cers_id.in_(ids))).scalars().all()
            return {r.facility.cers_id: r for r in self._records(s, rows)}

    def verify(self, cers_id: str, zip_code: str) -> Optional[deadlines.Records]:
        """The records when the CERS ID and the site ZIP belong together; None otherwise.

        A wrong ZIP and an unknown ID take the same single query and give the same None."""
        with self.session() as s:
            row = s.execute(
                select(FacilityRow).where(
                    FacilityRow.cers_id == str(cers_id).strip(),
                    FacilityRow.zip == str(zip_code).strip()[:5],
                )
            ).scalar_one_or_none()
            return self._records(s, [row])[0] if row else None

    def search(self, text: str, limit: int = 5) -> list[Match]:
        """Facilities whose name or address reads like text, best first (typos and partial names are fine)."""
        text = (text or "").strip()
        if not text:
            return []
        index, rows = self._fuzzy_index()
        hits = index.search(text, limit)
        found = [
            Match(cers_id, name, street, city, zip_code, score=h.score)
            for h in hits
            for cers_id, name, street, city, zip_code in (rows[h.position],)
        ]
        exact = [m for m in found if m.cers_id == text]
        if not exact and text.isdigit():
            records = self.get(text)
            if records:
                f = records.facility
                exact = [Match(f.cers_id, f.name, f.street, f.city, f.zip, 100.0)]
        return (exact + [m for m in found if m not in exact])[:limit]

    def warm_search_index(self) -> None:
        """Build the in-memory name index now (about 1 s per 100,000 facilities) rather than on the first search."""
        self._fuzzy_index()

    def overdue(self, today: dt.date, limit: int = 20, due_month: int = 3, due_day: int = 1) -> FacilityList:
        """Facilities with anything overdue on `today`: an annual element, a change update or a correction."""
        annual_due = next_annual_due(today, due_month, due_day)
        # A latest submission on or before P - 1 year (= N - 2 years) is overdue.
        cutoff = annual_due.replace(year=annual_due.year - 2)
        return self._listing(
            [
                (FacilityRow, FacilityRow.weakest_on.is_(None)),
                (FacilityRow, FacilityRow.weakest_on <= cutoff),
                (SubmittalRow, SubmittalRow.correction_due < today),
                (ChangeRow, and_(ChangeRow.met_on.is_(None), ChangeRow.due_on < today)),
            ],
            today,
            limit,
            due_month,
            due_day,
        )

    def due_within(
        self, today: dt.date, days: int, limit: int = 20, due_month: int = 3, due_day: int = 1
    ) -> FacilityList:
        """Facilities with something coming due from today to today + days (what is already overdue aside)."""
        horizon = today + dt.timedelta(days=days)
        annual_due = next_annual_due(today, due_month, due_day)
        previous = annual_due.replace(year=annual_due.year - 1)
        terms = [
            (SubmittalRow, SubmittalRow.correction_due.between(today, horizon)),
            (ChangeRow, and_(ChangeRow.met_on.is_(None), ChangeRow.due_on.between(today, horizon))),
        ]
        if annual_due <= horizon:
            # Some required element was last submitted in (P - 1 year, P]: it is due by N.
            terms.append(
                (
                    SubmittalRow,
                    and_(
                        SubmittalRow.latest_on > previous.replace(year=previous.year - 1),
                        SubmittalRow.latest_on <= previous,
                    ),
                )
            )
        return self._listing(terms, today, limit, due_month, due_day)

    # ------------------------------------------------------------ helpers

    def _listing(self, terms, today, limit, due_month, due_day) -> FacilityList:
        """terms: (table, condition) pairs; a facility is listed when any of them holds for it.

        The derived columns make the conditions exact, so only the facilities shown are evaluated.
        The total is a UNION of index ranges; the page walks the name index and stops after `limit`."""
        ids = union(*[select(model.cers_id).where(condition) for model, condition in terms]).subquery()
        matches = or_(
            *[
                condition
                if model is FacilityRow
                else select(model.id).where(model.cers_id == FacilityRow.cers_id, condition).exists()
                for model, condition in terms
            ]
        )
        with self.session() as s:
            total = s.execute(select(func.count()).select_from(ids)).scalar_one()
            rows = (
                s.execute(
                    select(FacilityRow).where(matches).order_by(FacilityRow.name, FacilityRow.cers_id).limit(limit)
                )
                .scalars()
                .all()
            )
            records = self._records(s, rows)
        items = tuple(
            Listed(r.facility.cers_id, r.facility.name, r.facility.city, r.evaluate(today, due_month, due_day))
            for r in records
        )
        return FacilityList(total, items)

    @staticmethod
    def _records(s: Session, rows: Sequence[FacilityRow]) -> list[deadlines.Records]:
        ids = [r.cers_id for r in rows]
        subs: dict[str, list[deadlines.Submittal]] = {i: [] for i in ids}
        chs: dict[str, list[deadlines.Change]] = {i: [] for i in ids}
        for r in s.execute(
            select(
                SubmittalRow.cers_id,
                SubmittalRow.element,
                SubmittalRow.status,
                SubmittalRow.date,
                SubmittalRow.reviewed_on,
            )
            .where(SubmittalRow.cers_id.in_(ids))
            .order_by(SubmittalRow.id)
        ):
            subs[r.cers_id].append(deadlines.Submittal(r.element, r.status, r.date, r.reviewed_on))
        for r in s.execute(
            select(ChangeRow.cers_id, ChangeRow.change, ChangeRow.changed_on)
            .where(ChangeRow.cers_id.in_(ids))
            .order_by(ChangeRow.id)
        ):
            chs[r.cers_id].append(deadlines.Change(r.change, r.changed_on))
        return [deadlines.Records(to_facility(r), tuple(subs[r.cers_id]), tuple(chs[r.cers_id])) for r in rows]

    def data_version(self) -> str:
        with self.session() as s:
            return s.execute(select(Meta.value).where(Meta.key == DATA_VERSION)).scalar_one_or_none() or "0"

    def _fuzzy_index(self):
        """The in-memory search index, rebuilt when an import has changed the data since it was built."""
        version = self.data_version()
        cached = self._index
        if cached is None or cached[0] != version:
            with self.session() as s:
                rows = [
                    tuple(r)
                    for r in s.execute(
                        select(
                            FacilityRow.cers_id,
                            FacilityRow.name,
                            FacilityRow.street,
                            FacilityRow.city,
                            FacilityRow.zip,
                        ).execution_options(no_deadline=True)
                    )
                ]
            index = fuzzy.build((name, street, city, zip_code) for _, name, street, city, zip_code in rows)
            cached = (version, index, rows)
            self._index = cached
        return cached[1], cached[2]


def to_facility(row: FacilityRow) -> deadlines.Facility:
    programs = tuple(p for p in row.programs.split(";") if p)
    return deadlines.Facility(row.cers_id, row.name, programs, row.street, row.city, row.zip, row.phone)


@dataclass(frozen=True)
class SaveResult:
    added: int
    updated: int
    unchanged: int
    submittals: int  # rows written
    changes: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)


def content_hash(records: deadlines.Records) -> str:
    """A fingerprint of everything on file for a facility, independent of row order."""
    f = records.facility
    parts = [repr((f.cers_id, f.name, f.street, f.city, f.zip, f.phone, f.programs))]
    parts += sorted(
        repr((s.element, s.status, s.date.isoformat(), s.reviewed_on and s.reviewed_on.isoformat()))
        for s in records.submittals
    )
    parts += sorted(repr((c.change, c.changed_on.isoformat())) for c in records.changes)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def derived_rows(records: deadlines.Records, digest: str) -> tuple[dict, list[dict], list[dict]]:
    """The facility, submittal and change rows to store, with the derived columns from deadlines.py."""
    f = records.facility
    required = deadlines.required_elements(f.programs)
    latest = deadlines.latest_submissions(required, records.submittals)
    latest_ids = {id(s) for s in latest.values()}
    facility = dict(
        cers_id=f.cers_id,
        name=f.name,
        street=f.street,
        city=f.city,
        zip=f.zip,
        phone=f.phone,
        programs=";".join(f.programs),
        weakest_on=deadlines.weakest_submission(required, latest),
        content_hash=digest,
    )
    submittals = []
    for s in records.submittals:
        is_latest = id(s) in latest_ids
        submittals.append(
            dict(
                cers_id=f.cers_id,
                element=s.element,
                status=s.status,
                date=s.date,
                reviewed_on=s.reviewed_on,
                latest_on=s.date if is_latest else None,
                correction_due=deadlines.correction_due(s) if is_latest else None,
            )
        )
    changes = [
        dict(
            cers_id=f.cers_id,
            change=c.change,
            changed_on=c.changed_on,
            due_on=c.changed_on + dt.timedelta(days=deadlines.UPDATE_DAYS),
            met_on=deadlines.change_met_on(c, required, records.submittals),
        )
        for c in records.changes
    ]
    return facility, submittals, changes


def _copy_value(value) -> str:
    if value is None:
        return "\\N"  # unquoted: COPY's NULL; every real value is quoted, so text "\N" stays text
    return '"' + str(value).replace('"', '""') + '"'


def _bulk_insert(conn, table, rows: list[dict]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, the driver's executemany on SQLite, Core elsewhere."""
    if not rows:
        return
    columns = list(rows[0])
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # COPY streams the rows in one command: several times faster than INSERT batches.
        data = io.StringIO("".join(",".join(_copy_value(row[c]) for c in columns) + "\n" for row in rows))
        with conn.connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {table.name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", data
            )
    elif dialect == "sqlite":
        # Dates as ISO text, which is how SQLAlchemy's SQLite Date type stores them.
        values = [
            tuple(v.isoformat() if isinstance(v, dt.date) else v for v in (row[c] for c in columns)) for row in rows
        ]
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        conn.exec_driver_sql(sql, values)
    else:
        conn.execute(table.insert(), rows)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def save(store: "FacilityStore", facilities: dict[str, deadlines.Records], progress=None) -> SaveResult:
    """Replace the data of the facilities named, in one transaction; unchanged facilities are left alone."""
    report = progress or (lambda message: None)
    try:
        store.ensure_schema()
        with store.engine.begin() as conn:
            conn = conn.execution_options(no_deadline=True)
            existing = dict(conn.execute(select(FacilityRow.cers_id, FacilityRow.content_hash)).all())
            digests = {cers_id: content_hash(r) for cers_id, r in facilities.items()}
            changed = [i for i in facilities if existing.get(i) != digests[i]]
            replaced = [i for i in changed if i in existing]
            for ids in _chunks(replaced, 500):
                for table in (SubmittalRow.__table__, ChangeRow.__table__, FacilityRow.__table__):
                    conn.execute(table.delete().where(table.c.cers_id.in_(ids)))
            rows_f, rows_s, rows_c = [], [], []
            for cers_id in changed:
                f, s, c = derived_rows(facilities[cers_id], digests[cers_id])
                rows_f.append(f)
                rows_s += s
                rows_c += c
            for table, rows, label in (
                (FacilityRow.__table__, rows_f, "facilities"),
                (SubmittalRow.__table__, rows_s, "submittals"),
                (ChangeRow.__table__, rows_c, "changes"),
            ):
                written = 0
                for chunk in _chunks(rows, 10_000):
                    _bulk_insert(conn, table, chunk)
                    written += len(chunk)
                    if len(rows) > 10_000:
                        report(f"writing {label}: {written:,} of {len(rows):,}")
            if changed:
                version = conn.execute(select(Meta.value).where(Meta.key == DATA_VERSION)).scalar_one_or_none()
                if version is None:
                    conn.execute(Meta.__table__.insert(), {"key": DATA_VERSION, "value": "1"})
                else:
                    conn.execute(
                        Meta.__table__.update().where(Meta.key == DATA_VERSION).values(value=str(int(version) + 1))
                    )
    except (DBAPIError, SQLAlchemyError) as error:
        raise StoreUnavailable(str(error).splitlines()[0]) from error
    return SaveResult(
        added=len(changed) - len(replaced),
        updated=len(replaced),
        unchanged=len(facilities) - len(changed),
        submittals=len(rows_s),
        changes=len(rows_c),
    )
