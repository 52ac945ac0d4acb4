"""The CSV importer: every bad row named, all or nothing, idempotent, newer exports replace, progress."""

import shutil

import pytest
from sqlalchemy import func, select

from cers.facilities import importer
from cers.facilities.importer import ImportFailed, import_folder, read_folder
from cers.facilities.store import ChangeRow, FacilityRow, SubmittalRow

from .conftest import DEMO

FACILITIES = "cers_id,name,street,city,zip,phone,programs\n"
SUBMITTALS = "cers_id,element,status,date,reviewed_on\n"
CHANGES = "cers_id,change,changed_on\n"


def export(folder, facilities="", submittals="", changes=""):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "facilities.csv").write_text(FACILITIES + facilities, encoding="utf-8")
    (folder / "submittals.csv").write_text(SUBMITTALS + submittals, encoding="utf-8")
    (folder / "changes.csv").write_text(CHANGES + changes, encoding="utf-8")
    return folder


def counts(store):
    with store.session() as s:
        return tuple(
            s.execute(select(func.count()).select_from(t)).scalar_one() for t in (FacilityRow, SubmittalRow, ChangeRow)
        )


def problems_of(folder):
    with pytest.raises(ImportFailed) as failed:
        read_folder(folder)
    return [str(p) for p in failed.value.problems]


def test_every_bad_row_is_named_by_file_line_and_column(tmp_path):
    folder = export(
        tmp_path / "bad",
        facilities=(
            "10234567,Good Shop,1 Main St,Quincy,95971,(530) 555-0101,HMBP\n"
            "01234567,Leading Zero,1 Main St,Quincy,95971,,HMBP\n"
            "10234568,Bad Zip,1 Main St,Quincy,9597,,HMBP\n"
            "10234569,Bad Program,1 Main St,Quincy,95971,,HMBP;XYZ\n"
            "10234567,Duplicate,1 Main St,Quincy,95971,,HW\n"
            "10234570,,1 Main St,Quincy,95971,call me maybe,HW\n"
            "10234571,Too Few Fields\n"
        ),
        submittals=(
            "10234567,Hazardous Materials Inventory,Accepted,2026-02-20,2026-03-01\n"
            "10234567,Hazardous Materials Inventory,Accepted,2026-02-30,\n"
            "10234567,Site Map,Lost,2026-02-20,\n"
            "99999999,Facility Information,Submitted,2026-02-20,\n"
            "10234567,Facility Information,Submitted,2026-02-20,2026-02-21\n"
            "10234567,Facility Information,Not Accepted,2026-02-20,2026-01-01\n"
        ),
        changes=("10234567,ownership,2027-01-20\n10234567,,20270120\n"),
    )
    assert problems_of(folder) == [
        "facilities.csv:3: cers_id: '01234567' is not 8 or 9 digits without a leading zero",
        "facilities.csv:4: zip: '9597' is not 5 digits",
        "facilities.csv:5: programs: unknown program(s) XYZ; use HMBP, UST, APSA, HW, CALARP",
        "facilities.csv:6: cers_id: 10234567 is already on line 2",
        "facilities.csv:7: name: is empty",
        "facilities.csv:7: phone: 'call me maybe' does not look like a phone number",
        "facilities.csv:8: has 2 fields, the header has 7",
        "submittals.csv:3: date: '2026-02-30' is not a date like 2027-02-15",
        "submittals.csv:3: reviewed_on: is empty; required for status Accepted",
        "submittals.csv:4: element: 'Site Map' is not one of: Facility Information, Hazardous Materials Inventory, "
        "Emergency Response and Training Plans, Underground Storage Tanks, Aboveground Petroleum Storage, "
        "Hazardous Waste, CalARP",
        "submittals.csv:4: status: 'Lost' is not one of: Draft, Submitted, Under Review, Accepted, Not Accepted",
        "submittals.csv:5: cers_id: 99999999 is not in facilities.csv",
        "submittals.csv:6: reviewed_on: must be empty for status Submitted",
        "submittals.csv:7: reviewed_on: 2026-01-01 is before the submittal date 2026-02-20",
        "changes.csv:3: change: is empty",
        "changes.csv:3: changed_on: '20270120' is not a date like 2027-02-15",
    ]


def test_missing_files_and_headers(tmp_path):
    folder = tmp_path / "partial"
    folder.mkdir()
    (folder / "facilities.csv").write_text("cers_id,name,zip\n10234567,X,95971\n")
    found = problems_of(folder)
    assert found[0].startswith("facilities.csv:1: header lacks column(s) street, city, phone, programs")
    assert found[1].startswith("submittals.csv: missing") and found[2].startswith("changes.csv: missing")


def test_not_utf8_is_reported(tmp_path):
    folder = export(tmp_path / "latin1")
    (folder / "facilities.csv").write_bytes(
        (FACILITIES + "10234567,Caf\xe9,1 Main St,Quincy,95971,,HW\n").encode("latin-1")
    )
    assert problems_of(folder)[0].startswith("facilities.csv: is not UTF-8 text")


def test_lenient_forms_are_accepted(tmp_path):
    # A BOM, extra columns, lower-case names, blank lines and spaces around values are fine.
    folder = tmp_path / "lenient"
    folder.mkdir()
    (folder / "facilities.csv").write_text(
        "\ufeff" + FACILITIES.strip() + ",extra\n 10234567 , Café Quincy ,1 Main St,Quincy,95971,,hmbp; hw ,x\n\n"
    )
    (folder / "submittals.csv").write_text(SUBMITTALS + "10234567,hazardous waste,accepted,2026-05-01,2026-05-02\n")
    (folder / "changes.csv").write_text(CHANGES)
    records = read_folder(folder)["10234567"]
    assert records.facility.name == "Café Quincy" and records.facility.programs == ("HMBP", "HW")
    assert records.submittals[0].element == "Hazardous Waste" and records.submittals[0].status == "Accepted"


def test_a_bad_export_imports_nothing_even_into_a_full_database(store, tmp_path):
    import_folder(DEMO, store)
    before, version = counts(store), store.data_version()
    bad = tmp_path / "bad"
    shutil.copytree(DEMO, bad)
    with open(bad / "submittals.csv", "a") as handle:
        handle.write("10234567,Facility Information,Submitted,not-a-date,\n")
    with open(bad / "facilities.csv", "a") as handle:
        handle.write("30000001,Brand New,1 Main St,Quincy,95971,,HW\n")
    with pytest.raises(ImportFailed):
        import_folder(bad, store)
    assert counts(store) == before and store.data_version() == version
    assert store.get("30000001") is None


def test_reimporting_the_same_data_changes_nothing(store):
    first = import_folder(DEMO, store)
    assert (first.added, first.updated, first.unchanged) == (31, 0, 0)
    before, version = counts(store), store.data_version()
    again = import_folder(DEMO, store)
    assert (again.added, again.updated, again.unchanged, again.submittals) == (0, 0, 31, 0)
    assert counts(store) == before and store.data_version() == version


def test_a_newer_export_replaces_the_facilities_it_names_only(store, tmp_path):
    import_folder(DEMO, store)
    untouched = store.get("10234572")
    newer = export(
        tmp_path / "newer",
        facilities="10234567,Feather River Feed & Supply LLC,2150 E Main St,Quincy,95971,(530) 555-0101,HMBP\n"
        "30000001,Quincy Bike Shop,5 Main St,Quincy,95971,,HW\n",
        submittals="10234567,Facility Information,Submitted,2027-02-01,\n",
        changes="10234567,business name,2027-01-25\n",
    )
    result = import_folder(newer, store)
    assert (result.added, result.updated) == (1, 1)
    updated = store.get("10234567")
    assert updated.facility.name == "Feather River Feed & Supply LLC"
    assert [s.date.isoformat() for s in updated.submittals] == ["2027-02-01"]  # the old rows are replaced
    assert [c.change for c in updated.changes] == ["business name"]
    assert store.get("10234572") == untouched
    assert store.get("30000001").facility.name == "Quincy Bike Shop"
    assert store.count() == 32


def test_row_order_does_not_make_a_facility_look_changed(store, tmp_path):
    import_folder(DEMO, store)
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    for name in ("facilities.csv", "submittals.csv", "changes.csv"):
        lines = (DEMO / name).read_text().splitlines()
        (shuffled / name).write_text("\n".join([lines[0]] + lines[:0:-1]) + "\n")
    assert import_folder(shuffled, store).unchanged == 31


def test_progress_is_reported_for_large_files(store, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "PROGRESS_EVERY", 10)
    messages = []
    import_folder(DEMO, store, progress=messages.append)
    assert "submittals.csv: 10 rows read" in messages and "submittals.csv: 117 rows" in messages
    assert "facilities.csv: 31 rows" in messages


def test_command_line_exit_codes_and_messages(database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert importer.main([str(DEMO)]) == 0
    err = capsys.readouterr().err
    assert "Imported" in err and "31 added" in err
    bad = export(tmp_path / "bad", facilities="123,X,1 Main St,Quincy,95971,,HW\n")
    assert importer.main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert "facilities.csv:2: cers_id: '123' is not 8 or 9 digits" in err
    assert "nothing was imported" in err


def test_command_line_reports_an_unreachable_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://nobody:secret@127.0.0.1:9/nothing")
    assert importer.main([str(DEMO)]) == 2
    err = capsys.readouterr().err
    assert "cannot write to the database" in err and "secret" not in err


def test_awkward_text_round_trips_through_the_bulk_insert(store, tmp_path):
    name = 'Joe\'s "Best", Inc. \\N 100% Café'
    folder = export(
        tmp_path / "awkward",
        facilities=f'10234567,"{name.replace(chr(34), chr(34) * 2)}",,Quincy,95971,,\n',
        changes='10234567,"new sign, ""big"" one",2027-01-02\n',
    )
    import_folder(folder, store)
    records = store.get("10234567")
    assert records.facility.name == name and records.facility.street == "" and records.facility.phone == ""
    assert records.facility.programs == ()
    assert records.changes[0].change == 'new sign, "big" one'


def test_if_empty_imports_only_into_an_empty_database(database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert importer.main(["--if-empty", str(DEMO)]) == 0
    assert "31 added" in capsys.readouterr().err
    other = export(tmp_path / "other", facilities="30000001,Quincy Bike Shop,5 Main St,Quincy,95971,,HW\n")
    assert importer.main(["--if-empty", str(other)]) == 0
    assert "already holds 31 facilities" in capsys.readouterr().err


def test_change_texts_not_recognized_are_reported_and_imported_anyway(tmp_path):
    folder = export(
        tmp_path / "x",
        facilities="10000001,Shop,1 Main St,Quincy,95971,,HMBP\n",
        changes="10000001,Operators,2027-01-20\n10000001,repaved the lot,2027-01-21\n",
    )
    messages = []
    records = read_folder(folder, messages.append)
    assert [c.change for c in records["10000001"].changes] == ["Operators", "repaved the lot"]
    notes = [m for m in messages if m.startswith("note:")]
    assert notes == [notes[0]] and "changes.csv:3" in notes[0] and "'repaved the lot'" in notes[0]
    assert "any element" in notes[0]
