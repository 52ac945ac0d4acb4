"""The demo data set covers every rule, on 2027-02-15 (as its README says) and on the real date."""

import datetime as dt
from pathlib import Path

import pytest

from cers import settings
from cers.deadlines import State
from cers.facilities.importer import read_folder

DEMO = Path(__file__).resolve().parents[2] / "demo" / "facilities"
# The data is dated for the annual cycle that ends March 1, 2027 (P = March 1, 2026).
CYCLE = (dt.date(2026, 3, 2), dt.date(2027, 3, 1))


def cases(today):
    """case name -> CERS IDs showing it on `today`."""
    found = {}

    def add(case, cers_id):
        found.setdefault(case, set()).add(cers_id)

    for cers_id, records in read_folder(DEMO).items():
        status = records.evaluate(today)
        add(f"annual {status.annual.label}", cers_id)
        if any(e.last_submitted is None for e in status.elements):
            add("never submitted", cers_id)
        for change in status.changes:
            add(f"change {'overdue' if change.state == State.OVERDUE else 'pending'}", cers_id)
        for fix in status.corrections:
            add(f"not accepted {'overdue' if fix.state == State.OVERDUE else 'pending'}", cers_id)
        if status.drafts:
            add("draft not submitted", cers_id)
        if status.ignored_elements:
            add("element not required", cers_id)
        for program in records.facility.programs:
            add(f"program {program}", cers_id)
    return found


EVERY_CASE = {
    "annual current",
    "annual due",
    "annual overdue",
    "never submitted",
    "change pending",
    "change overdue",
    "not accepted pending",
    "not accepted overdue",
    "draft not submitted",
    "element not required",
    "program HMBP",
    "program UST",
    "program APSA",
    "program HW",
    "program CALARP",
}


def test_at_least_25_facilities_with_the_spec_example_id():
    records = read_folder(DEMO)
    assert len(records) >= 25
    assert records["10234567"].facility.zip == "95971"
    assert any("Chester Lumber" in r.facility.name for r in records.values())


def test_every_case_on_2027_02_15_as_the_readme_documents():
    found = cases(dt.date(2027, 2, 15))
    assert EVERY_CASE <= set(found)
    # The README's table, facility by facility.
    assert found["annual current"] >= {"10234572", "10234583", "10234805"}
    assert found["annual due"] >= {"10234567", "10234594", "10234683", "10234838"}
    assert found["annual overdue"] >= {"10234605", "10234616", "10234627", "10234794"}
    assert found["never submitted"] >= {"10234616", "10234627", "10234749"}
    assert found["change pending"] == {"10234638", "10234761", "10234783"}
    assert found["change overdue"] == {"10234649", "10234650", "10234772", "10234816"}
    assert found["not accepted pending"] == {"10234694", "10234827"}
    assert found["not accepted overdue"] == {"10234705", "10234716", "10234861"}
    assert found["draft not submitted"] == {"10234567", "10234738", "10234749", "10234761", "102348490", "10234850"}
    assert found["element not required"] == {"10234750"}


def test_every_case_on_the_real_date():
    today = settings.today()
    if not CYCLE[0] <= today <= CYCLE[1]:
        pytest.skip(f"the demo data is dated for the cycle ending March 1, 2027; today is {today}")
    assert EVERY_CASE <= set(cases(today))
