"""The facility status actions, run on real rasa_sdk Trackers over the demo facilities (CERS_TODAY=2027-02-15)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from actions import services
from actions.status import (
    ActionCloseFacilityStatus,
    ActionFacilityStatus,
    ActionListDueSoonFacilities,
    ActionListOverdueFacilities,
    ActionStopFacilityStatus,
)
from actions.walkthrough import ActionAffirm, ActionStartWalkthrough
from cers.facilities.importer import import_folder
from cers.facilities.store import FacilityStore, StoreUnavailable
from cers.verification import Limits, SqlLedger, Verification
from tests.unit.conversation import Conversation as BaseConversation
from tests.unit.conversation import texts

DEMO = Path(__file__).resolve().parents[2] / "demo" / "facilities"
SLOTS = (
    "status_open",
    "status_cers_id",
    "status_zip",
    "status_failures",
    "status_choices",
    "guide_id",
    "guide_step",
    "guide_open",
    "guide_paused",
)
# The demo data is dated for an office on the state's default date, March 1 (demo/facilities/README.md):
# these tests pin such an office of their own, whatever office.yml says (tests/live checks the
# office in use).
DEMO_OFFICE = (
    "name: Demo County Environmental Health\nphone: '(555) 010-0100'\nannual_due_month: 3\nannual_due_day: 1\n"
)
PHONE = "(555) 010-0100"


class Conversation(BaseConversation):
    def __init__(self, channel: str = "rest"):
        super().__init__(SLOTS, channel)

    def turn(self, text: str, intent: str = "provide_facility_ids", action=None) -> str:
        self.user(text, intent)
        return texts(self.run(action or ActionFacilityStatus()))


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('status') / 'facilities.db'}"
    store = FacilityStore(url)
    store.migrate()
    import_folder(DEMO, store)
    store.dispose()
    return url


@pytest.fixture(autouse=True)
def demo_store(demo_url, monkeypatch, tmp_path):
    """The actions' one store, on the demo data; today is 2027-02-15 (the demo README's date)."""
    office = tmp_path / "office.yml"
    office.write_text(DEMO_OFFICE)
    monkeypatch.setenv("OFFICE_FILE", str(office))
    store = FacilityStore(demo_url)
    services.start(store)
    monkeypatch.setenv("CERS_TODAY", "2027-02-15")
    yield store
    store.dispose()


@pytest.fixture
def public():
    return Conversation("rest")


@pytest.fixture
def staff():
    return Conversation("staff")


# ---------------------------------------------------------------- public: asking for the ID and ZIP


def test_ids_in_the_first_message_give_the_status_at_once(public):
    reply = public.turn("status for 10234567 zip 95971", "check_facility_status")
    assert reply.startswith("Feather River Feed & Supply (10234567): 1 thing is due\n")
    assert "- Submit your Hazardous Materials Inventory by March 1, 2027 (14 days left)." in reply
    assert "draft from November 10, 2026 is not submitted" in reply
    assert reply.rstrip().endswith("Want me to walk you through it?")
    assert [b["payload"] for b in public.messages[-1]["buttons"]] == ["/affirm", "/deny", "/reminders_subscribe"]
    assert public.slots["status_open"] is False and public.slots["status_cers_id"] is None


def test_zip_first_then_the_id(public):
    assert public.turn("my zip is 96122").startswith("Thanks. Now the facility's CERS ID?")
    reply = public.turn("10 234 638")
    assert reply.startswith("Beckwourth Ranch Supply (10234638): 1 thing is due")
    assert "Facility Information by February 19, 2027 (4 days left) for the ownership change." in reply


def test_asked_step_by_step(public):
    reply = public.turn("am I up to date?", "check_facility_status")
    assert "What's the CERS ID?" in reply and "for example 12345678" in reply
    assert public.slots["status_open"] is True
    reply = public.turn("cers id is 10 234 694")
    assert "ZIP code" in reply and "for example 12345" in reply
    assert public.slots["status_cers_id"] == "10234694"
    reply = public.turn("95971-1234")
    assert "- Resubmit your Not Accepted CalARP by February 24, 2027 (9 days left)." in reply
    assert public.slots["status_open"] is False


def test_bad_formats_are_asked_again_with_an_example(public):
    public.turn("am I up to date?", "check_facility_status")
    reply = public.turn("1023456")
    assert "8 or 9 digits" in reply and "for example 12345678" in reply
    reply = public.turn("10234567")
    assert "ZIP code" in reply
    reply = public.turn("9597")
    assert "5 digits, for example 12345" in reply
    assert public.slots["status_cers_id"] == "10234567"  # the good ID is kept
    assert public.slots["status_failures"] == 2.0


def test_unrecognised_text_while_waiting_is_read_as_an_answer(public):
    public.turn("am I up to date?", "check_facility_status")
    reply = public.turn("1O234567", "nlu_fallback")
    assert "doesn't look like a CERS ID" in reply


def test_cannot_find_it_gets_the_office_phone_and_the_check_waits(public):
    public.turn("am I up to date?", "check_facility_status")
    reply = public.turn("I don't have it right now", "stuck")
    assert "When you have it, send the facility's CERS ID" in reply and PHONE in reply
    assert public.slots["status_open"] is True and public.slots["status_failures"] is None
    assert "ZIP code" in public.turn("10234567")


def test_unrecognised_text_after_moving_on_gets_the_usual_answer(public):
    public.turn("am I up to date?", "check_facility_status")
    public.user("when is it due", "annual_due_date")
    public.response("action_annual_due_date")
    public.user("blorp", "nlu_fallback")
    messages = public.run(ActionFacilityStatus())
    assert messages == [dict(messages[0], response="utter_default")]
    assert public.slots["status_open"] is False


def test_an_faq_in_the_middle_and_the_check_picks_up_where_it_was(public):
    public.turn("am I up to date?", "check_facility_status")
    public.turn("10234605")
    public.user("when is it due", "annual_due_date")
    public.response("action_annual_due_date")
    reply = public.turn("95947")
    assert reply.startswith("Greenville Tire & Brake (10234605): 2 things are overdue")
    assert "- Submit your Hazardous Waste — it was due March 1, 2026." in reply


def test_wrong_zip_and_unknown_id_get_the_same_answer(public):
    wrong_zip = public.turn("10234567 96122")
    other = Conversation()
    unknown_id = other.turn("99999999 95971")
    assert wrong_zip == unknown_id
    assert "couldn't find a facility with that CERS ID and ZIP code" in wrong_zip
    assert "Feather River" not in wrong_zip
    assert public.slots["status_cers_id"] is None and public.slots["status_open"] is True


def test_three_failures_end_with_the_office_phone(public):
    # A wrong pair already gives the phone (a locked ID gets exactly the same words); a bad format does not.
    assert PHONE in public.turn("10234567 96122")
    assert PHONE not in public.turn("123")
    reply = public.turn("10234567 96020")
    assert PHONE in reply and "3 tries" in reply
    assert public.slots["status_open"] is False
    # And no more tries in this conversation, even with the right pair.
    reply = public.turn("10234567 95971")
    assert PHONE in reply and "Feather River" not in reply


def test_stop_ends_the_check(public):
    public.turn("am I up to date?", "check_facility_status")
    public.turn("10234567")
    public.user("never mind", "stop")
    reply = texts(public.run(ActionStopFacilityStatus()))
    assert "stopped the status check" in reply
    assert public.slots["status_open"] is False and public.slots["status_cers_id"] is None


def test_stop_after_a_walkthrough_started_stops_the_walkthrough(public):
    public.turn("am I up to date?", "check_facility_status")
    public.user("walk me through adding a user", "start_walkthrough")
    public.run(ActionCloseFacilityStatus())
    public.run(ActionStartWalkthrough())
    assert public.slots["guide_open"] is True and public.slots["status_open"] is False
    # Even if the check were still marked open, "stop" goes to the walkthrough opened since.
    public.slots["status_open"] = True
    public.user("stop", "stop")
    reply = texts(public.run(ActionStopFacilityStatus()))
    assert reply.startswith('OK, I\'ve stopped "Adding a user"')
    assert public.slots["guide_paused"] is True and public.slots["status_open"] is False


def test_a_status_check_pauses_an_open_walkthrough(public):
    public.user("walk me through adding a user", "start_walkthrough")
    public.run(ActionStartWalkthrough())
    public.turn("am I up to date?", "check_facility_status")
    assert public.slots["guide_open"] is False and public.slots["guide_paused"] is True
    public.user("stop", "stop")
    reply = texts(public.run(ActionStopFacilityStatus()))
    assert "stopped the status check" in reply and 'Say "continue"' in reply
    assert public.slots["guide_paused"] is True and public.slots["guide_id"] == "add_user"


def test_yes_after_the_status_starts_the_update_walkthrough(public):
    public.turn("10234567 95971", "check_facility_status")
    public.user("yes", "affirm")
    reply = texts(public.run(ActionAffirm()))
    assert "Updating your business information" in reply and "Step 1 of 5" in reply
    assert public.slots["guide_id"] == "update_business_info"


@pytest.mark.parametrize(
    "pair, expected",
    [
        (
            "10234572 96020",
            ["Chester Lumber Company (10234572): you're up to date", "Your next annual due date is March 1, 2028."],
        ),
        (
            "10234616 96103",
            [
                "Graeagle Golf Maintenance Yard (10234616): 3 things are overdue",
                "Submitting them now also covers March 1, 2027.",
            ],
        ),
        (
            "10234649 95947",
            [
                "Indian Valley Hardware (10234649): 1 thing is overdue",
                "- Submit your Facility Information for the address change — it was due October 1, 2026.",
            ],
        ),
        (
            "10234705 95947",
            [
                "- Resubmit your Not Accepted Hazardous Materials Inventory — it was due September 9, 2026.",
                "Then you're next due March 1, 2028.",
            ],
        ),
        (
            "10234749 96122",
            [
                "Portola Dry Cleaners (10234749): 2 things are overdue",
                "- Your Hazardous Waste draft from October 12, 2026 is not submitted",
            ],
        ),
        ("102348490 95971", ["Spanish Creek Sawmill (102348490): you're up to date"]),
    ],
)
def test_replies_for_demo_facilities(public, pair, expected):
    reply = public.turn(pair, "check_facility_status")
    for part in expected:
        assert part in reply


def test_most_urgent_first(public):
    reply = public.turn("10234761 95956", "check_facility_status")
    assert reply.startswith("Meadow Valley Garage (10234761): 1 thing is overdue, 2 more due")
    assert (
        reply.index("— it was due March 1, 2026")
        < reply.index("by March 1, 2027")
        < reply.index("by March 3, 2027")
        < reply.index("draft from")
    )


@pytest.mark.parametrize(
    "cers_id, zip_code",
    [
        ("10234567", "95971"),
        ("10234761", "95956"),
        ("10234638", "96122"),
        ("10234805", "96103"),
    ],
)
def test_public_replies_never_show_what_is_on_file_beyond_the_name(public, demo_store, cers_id, zip_code):
    reply = public.turn(f"{cers_id} {zip_code}", "check_facility_status")
    facility = demo_store.get(cers_id).facility
    assert facility.name in reply
    assert "555-" not in reply
    if facility.phone:
        assert facility.phone not in reply
    assert facility.street not in reply


# ---------------------------------------------------------------- staff


def test_staff_lookup_by_id_shows_everything_on_file(staff):
    reply = staff.turn("10234761")
    assert reply.startswith("Meadow Valley Garage (10234761): ")
    assert "4711 Bucks Lake Rd" in reply and "(530) 555-0121" in reply and "Last submitted:" in reply
    assert "walk you through" not in reply


def test_staff_lookup_by_name_with_a_typo_lists_both_chester_lumbers(staff):
    reply = staff.turn("status of chester lumbr", "check_facility_status")
    assert "Chester Lumber Company" in reply and "Chester Lumber Outlet" in reply
    assert "Reply with the number" in reply
    payloads = [b["payload"] for b in staff.messages[-1]["buttons"]]
    assert sorted(payloads) == ["10234572", "10234850"]
    assert staff.slots["status_choices"] == payloads
    chosen = staff.slots["status_choices"][1]
    reply = staff.turn("2")
    assert f"({chosen}): " in reply
    assert staff.slots["status_choices"] is None


def test_staff_lookup_by_address(staff):
    reply = staff.turn("look up 401 main st chester", "check_facility_status")
    assert reply.startswith("Chester Lumber Company (10234572): ")


def test_staff_lookup_by_partial_name(staff):
    reply = staff.turn("how is graeagle golf doing", "check_facility_status")
    assert reply.startswith("Graeagle Golf Maintenance Yard (10234616): ")


def test_staff_without_a_name_is_asked_which(staff):
    reply = staff.turn("am I up to date?", "check_facility_status")
    assert "Which facility?" in reply and staff.slots["status_open"] is True
    reply = staff.turn("quincy auto body", "nlu_fallback")
    assert reply.startswith("Quincy Auto Body (10234583): ")


def test_staff_no_match_and_unknown_id(staff):
    assert 'found no facility matching "xyzzy plugh"' in staff.turn("status of xyzzy plugh", "check_facility_status")
    assert "No facility has CERS ID 99999999." in staff.turn("99999999")


def test_staff_overdue_list(staff):
    staff.user("which facilities are overdue?", "list_overdue_facilities")
    reply = texts(staff.run(ActionListOverdueFacilities()))
    assert reply.startswith("14 facilities have something overdue as of February 15, 2027.")
    assert "The first 10, by name:" in reply
    assert (
        "1. Almanor Propane & Fuel (10234627, Chester): annual Underground Storage Tanks (due March 1, 2026)" in reply
    )


def test_staff_due_soon_list(staff):
    staff.user("which are due in the next 30 days?", "list_due_soon_facilities")
    reply = texts(staff.run(ActionListDueSoonFacilities()))
    assert reply.startswith("11 facilities have something due in the next 30 days (by March 17, 2027).")
    assert "Beckwourth Ranch Supply (10234638, Portola): ownership update by February 19, 2027 (4 days)" in reply


@pytest.mark.parametrize(
    "action, text, intent",
    [
        (ActionListOverdueFacilities(), "which facilities are overdue?", "list_overdue_facilities"),
        (ActionListDueSoonFacilities(), "which are due in the next 30 days?", "list_due_soon_facilities"),
    ],
)
def test_staff_lists_are_refused_on_public_channels(public, action, text, intent):
    public.user(text, intent)
    reply = texts(public.run(action))
    assert "only for the office's staff" in reply and "Almanor" not in reply


@pytest.mark.parametrize("channel", ["rest", "socketio", "twilio", "cmdline", None])
def test_only_staff_channels_are_staff(channel):
    chat = Conversation(channel)
    reply = chat.turn("status of chester lumbr", "check_facility_status")
    assert "Chester" not in reply and "What's the CERS ID?" in reply


def test_slack_is_a_staff_channel():
    assert "Chester Lumber Company" in Conversation("slack").turn("status of chester lumbr", "check_facility_status")


# ---------------------------------------------------------------- faults


class SlowStore:
    def verify(self, cers_id, zip_code):
        time.sleep(2)

    def search(self, text, limit):
        time.sleep(2)


class DownStore:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise StoreUnavailable("connection refused")

        return fail


@pytest.mark.parametrize("store", [SlowStore(), DownStore()], ids=["slow", "down"])
def test_database_slow_or_down_answers_in_time_with_the_phone(public, staff, monkeypatch, store, demo_store):
    # The limits' ledger (and anything else kept in the database) on the demo database: only the
    # facility look-up is slow or down.
    if isinstance(store, SlowStore):
        store.engine = demo_store.engine
    # A shorter deadline than the real 2 s keeps this test quick; the behaviour is the same.
    monkeypatch.setattr(services, "STORE_DEADLINE_SECONDS", 0.4)
    services.start(store, verification=Verification(SqlLedger(demo_store.engine, Limits())))
    started = time.monotonic()
    reply = public.turn("10234567 95971", "check_facility_status")
    assert time.monotonic() - started < services.STORE_DEADLINE_SECONDS + 0.5
    assert "can't look up facility records right now" in reply and PHONE in reply
    assert public.slots["status_open"] is False
    assert public.slots["status_failures"] is None  # the database's fault is not the person's
    reply = staff.turn("status of chester lumbr", "check_facility_status")
    assert "can't look up facility records right now" in reply


def test_unreachable_postgresql(public, monkeypatch):
    services.start(FacilityStore("postgresql://127.0.0.1:1/x"))
    started = time.monotonic()
    reply = public.turn("10234567 95971", "check_facility_status")
    assert time.monotonic() - started < 3
    assert PHONE in reply


def test_the_store_is_made_at_start_up_from_database_url(monkeypatch, demo_url):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    started = services.start()
    assert services.services() is started and started.store.url == demo_url


def test_a_database_behind_the_schema_is_reported_not_migrated(public, tmp_path):
    services.start(FacilityStore(f"sqlite:///{tmp_path / 'new.db'}"))
    reply = public.turn("10234567 95971", "check_facility_status")
    assert "can't look up facility records right now" in reply and PHONE in reply


def test_the_examples_in_prompts_are_no_demo_facility_s_id_or_zip():
    import csv
    from pathlib import Path

    from cers.text import EXAMPLE_ID, EXAMPLE_ZIP

    rows = list(csv.DictReader(open(Path(__file__).resolve().parents[2] / "demo/facilities/facilities.csv")))
    assert EXAMPLE_ID not in {row["cers_id"] for row in rows}
    assert EXAMPLE_ZIP not in {row["zip"] for row in rows}


# ---------------------------------------------------------------- limits across conversations


def test_ten_failed_pairs_for_one_id_in_ten_conversations_lock_it_and_the_lock_looks_like_a_wrong_pair(staff):
    unknown = Conversation().turn("99999999 95971", "check_facility_status")
    for _ in range(10):
        assert Conversation().turn("10234805 95971", "check_facility_status") == unknown.replace("99999999", "10234805")
    # The right pair, from someone new: the same words as a wrong pair (the lock reveals nothing).
    locked = Conversation().turn("10234805 96103", "check_facility_status")
    assert locked == unknown and PHONE in locked
    # Staff see the lock and open it again.
    assert "locked until" in staff.turn("10234805", "provide_facility_ids")
    assert "open again" in staff.turn("unlock 10234805", "provide_facility_ids")
    assert Conversation().turn("10234805 96103", "check_facility_status").startswith("Graeagle")


def test_twenty_failed_pairs_from_one_client_lock_that_client_out(public):
    for n in range(20):
        chat = Conversation()
        chat.client = public.client
        chat.turn(f"1023{n:04d} 11111", "check_facility_status")
    reply = public.turn("10234567 95971", "check_facility_status")
    assert reply.startswith("I couldn't find a facility with that CERS ID and ZIP code.")
    other = Conversation().turn("10234567 95971", "check_facility_status")
    assert other.startswith("Feather River Feed & Supply")
