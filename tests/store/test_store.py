"""FacilityStore on a real database: schema, lookups, verification, fuzzy search, lists, timeouts."""

import datetime as dt
import time

import pytest
from sqlalchemy import event, inspect, text

from cers import deadlines
from cers.facilities import migrations as migrate
from cers.facilities.importer import import_folder, read_folder
from cers.facilities.store import FacilityRow, FacilityStore, SchemaNotReady, StoreUnavailable
from cers.settings import database_url

from .conftest import DEMO

TODAYS = [
    dt.date(2026, 11, 23),
    dt.date(2026, 11, 24),
    dt.date(2027, 2, 15),
    dt.date(2027, 3, 1),
    dt.date(2027, 3, 2),
    dt.date(2028, 2, 29),
    dt.date(2026, 9, 20),
]


def test_default_url_is_a_sqlite_file_in_var(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url().startswith("sqlite:///") and database_url().endswith("var/facilities.db")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://x@127.0.0.1/db")
    assert database_url() == "postgresql+psycopg2://x@127.0.0.1/db"


def test_a_store_never_migrates_it_refuses_a_database_behind_the_schema(database_url):
    """Migrations run once before the servers start; a server's store only checks."""
    store = FacilityStore(database_url)
    with pytest.raises(SchemaNotReady, match="make migrate"):
        store.get("10234567")
    assert "facilities" not in inspect(store.engine).get_table_names()
    assert store.migrate() is True
    assert store.get("10234567") is None
    store.dispose()


def test_the_migration_command_migrates_database_url(database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert migrate.main([]) == 0
    assert "migrated to" in capsys.readouterr().out
    assert migrate.main([]) == 0
    assert "already at" in capsys.readouterr().out


def test_store_migrates_a_new_database_to_head(store):
    assert store.is_empty()
    assert migrate.current(store.engine) == migrate.head()
    tables = set(inspect(store.engine).get_table_names())
    assert {"facilities", "submittals", "changes", "meta", "alembic_version"} <= tables
    indexes = {i["name"] for i in inspect(store.engine).get_indexes("submittals")}
    assert {"ix_submittals_cers_id", "ix_submittals_latest_on", "ix_submittals_correction_due"} <= indexes
    assert migrate.upgrade(store.engine) is False  # already at head: nothing runs


def test_get_returns_the_records_of_the_export(demo_store):
    expected = read_folder(DEMO)["10234567"]
    got = demo_store.get("10234567")
    assert got.facility == expected.facility
    assert sorted(got.submittals, key=repr) == sorted(expected.submittals, key=repr)
    assert demo_store.get("99999999") is None
    assert not demo_store.is_empty() and demo_store.count() == len(read_folder(DEMO))


def test_nine_digit_ids_and_empty_phone(demo_store):
    assert demo_store.get("102348490").facility.name == "Spanish Creek Sawmill"
    assert demo_store.get("10234805").facility.phone == ""


def count_statements(store):
    seen = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_verify_needs_the_matching_zip_and_cannot_be_told_from_an_unknown_id(demo_store):
    assert demo_store.verify("10234567", "95971").facility.cers_id == "10234567"
    assert demo_store.verify(" 10234567 ", "95971-1234") is not None
    seen = count_statements(demo_store)
    wrong_zip = demo_store.verify("10234567", "96020")
    statements_wrong = list(seen)
    seen.clear()
    unknown = demo_store.verify("19999999", "95971")
    assert wrong_zip is None and unknown is None
    assert statements_wrong == seen  # the very same query either way


@pytest.mark.parametrize(
    "query, expected_first",
    [
        ("Feather River Feed", "10234567"),
        ("feather rivr feed", "10234567"),
        ("Graegle Mill", "10234727"),
        ("lake almanor marina", "10234683"),
        ("spanish crk sawmil", "102348490"),
        ("401 Main St Chester", "10234572"),
        ("10234567", "10234567"),
    ],
)
def test_search_forgives_typos_and_partial_names(demo_store, query, expected_first):
    assert demo_store.search(query)[0].cers_id == expected_first


def test_search_chester_lumbr_lists_both_chester_lumber_facilities(demo_store):
    found = [m.cers_id for m in demo_store.search("chester lumbr", limit=5)]
    assert set(found[:2]) == {"10234572", "10234850"}


def test_search_nonsense_and_hostile_text(demo_store):
    assert demo_store.search("zzqxv") == []
    assert demo_store.search("") == []
    demo_store.search("'; DROP TABLE facilities; --")
    demo_store.search("<script>alert(1)</script>")
    assert demo_store.get("10234567'; DROP TABLE facilities; --") is None
    assert demo_store.verify("10234567' OR '1'='1", "95971' OR '1'='1") is None
    assert demo_store.count() == 31


def brute_force(today):
    """The lists computed the slow way: evaluate every facility of the export."""
    overdue, due = set(), set()
    for cers_id, records in read_folder(DEMO).items():
        status = records.evaluate(today)
        if status.overall == deadlines.State.OVERDUE:
            overdue.add(cers_id)
        pending = [c.due for c in status.changes + status.corrections if c.state == deadlines.State.DUE]
        if status.elements_in(deadlines.State.DUE):
            pending.append(status.annual_due)
        if any(today <= when <= today + dt.timedelta(days=30) for when in pending):
            due.add(cers_id)
    return overdue, due


@pytest.mark.parametrize("today", TODAYS)
def test_overdue_and_due_within_agree_with_the_rules(demo_store, today):
    overdue, due = brute_force(today)
    listed = demo_store.overdue(today, limit=100)
    assert {i.cers_id for i in listed.items} == overdue and listed.total == len(overdue)
    assert all(i.status.overall == deadlines.State.OVERDUE for i in listed.items)
    soon = demo_store.due_within(today, 30, limit=100)
    assert {i.cers_id for i in soon.items} == due and soon.total == len(due)


def test_lists_are_sorted_by_name_and_limited(demo_store):
    listed = demo_store.overdue(dt.date(2027, 2, 15), limit=3)
    assert len(listed.items) == 3 and listed.total > 3
    names = [i.name for i in listed.items]
    assert names == sorted(names)


def test_search_index_follows_a_new_import(store, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "facilities.csv").write_text(
        "cers_id,name,street,city,zip,phone,programs\n20000001,Old Name Garage,1 Main St,Quincy,95971,,HW\n"
    )
    (folder / "submittals.csv").write_text("cers_id,element,status,date,reviewed_on\n")
    (folder / "changes.csv").write_text("cers_id,change,changed_on\n")
    import_folder(folder, store)
    assert store.search("old name garage")[0].cers_id == "20000001"
    (folder / "facilities.csv").write_text(
        "cers_id,name,street,city,zip,phone,programs\n20000001,Brand New Motors,1 Main St,Quincy,95971,,HW\n"
    )
    import_folder(folder, store)
    assert store.search("brand new motors")[0].cers_id == "20000001"
    assert store.search("old name garage") == []


def test_two_store_instances_do_not_share_sessions(database_url):
    a, b = FacilityStore(database_url), FacilityStore(database_url)
    a.migrate()
    assert a.engine is not b.engine
    assert a.is_empty() and b.is_empty()
    a.dispose()
    b.dispose()


# ---------------------------------------------------------------- failing fast


def test_unreachable_postgres_fails_fast():
    store = FacilityStore("postgresql+psycopg2://nobody@127.0.0.1:9/nothing")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        store.get("10234567")
    assert time.monotonic() - started < 2.0


def test_unusable_sqlite_path_fails_fast(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = FacilityStore(f"sqlite:///{blocker}")  # a file that is not a database
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        store.is_empty()
    assert time.monotonic() - started < 2.0


def test_a_slow_statement_is_cut_off(store):
    store.is_empty()
    slow = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) SELECT count(*) FROM n"
    )
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        with store.session() as s:
            s.execute(slow).scalar_one()
    assert time.monotonic() - started < 2.0
    assert store.is_empty()  # the store goes on working afterwards


def test_a_locked_sqlite_database_fails_fast_for_writers(tmp_path):
    url = f"sqlite:///{tmp_path / 'f.db'}"
    holder = FacilityStore(url)
    holder.migrate()
    holder.is_empty()
    other = FacilityStore(url, timeout=0.5)
    other.is_empty()
    with holder.engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            with other.session() as s:
                s.execute(FacilityRow.__table__.delete())
        assert time.monotonic() - started < 2.0
        assert other.is_empty()  # readers are not blocked by a writer (WAL)
        conn.exec_driver_sql("ROLLBACK")


def test_a_postgres_server_that_never_answers_fails_fast():
    # A socket that accepts TCP connections but never speaks: libpq alone would wait 2 s or more.
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    try:
        store = FacilityStore(f"postgresql+psycopg2://nobody@127.0.0.1:{port}/nothing", timeout=1.0)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.get("10234567")
        assert time.monotonic() - started < 2.0
    finally:
        listener.close()


def test_warm_search_index_then_search(demo_store):
    demo_store.warm_search_index()
    assert demo_store.search("quincy auto body")[0].cers_id == "10234583"


def test_the_migrations_build_exactly_the_models_schema(store):
    """Every table of the facility database: the store's, the status-check limits', the handoffs', the reminders' and the staff accounts'."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import MetaData

    import cers.handoffs  # noqa: F401 (so are the handoffs')
    import cers.reminders.store  # noqa: F401 (and the reminders')
    import cers.verification  # noqa: F401 (its tables are on the store's metadata)
    from cers.dashboard import accounts
    from cers.facilities.store import Base

    models = MetaData()
    for metadata in (Base.metadata, accounts.Base.metadata):
        for table in metadata.tables.values():
            table.to_metadata(models)
    store.is_empty()
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), models) == []
