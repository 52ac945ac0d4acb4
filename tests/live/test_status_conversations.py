"""Facility status through the live servers: the public check by CERS ID and ZIP, the staff webhook, and a database that is down.

The servers run with CERS_TODAY=2026-11-23 on the demo facilities (demo/facilities, README table).
Every public reply in this file is checked for what must never show on a public channel.
"""

from __future__ import annotations

import csv
import time
import uuid
from typing import List

import pytest
import requests

from cers.settings import load_office
from tests.conftest import MODEL, TODAY
from tests.servers import ROOT, Chat, action_server, base_env, rasa_server, write_endpoints

# The office in use (office.yml, or OFFICE_FILE): the suite passes for any office.
PHONE = load_office().phone
# The demo data is dated for the state's default due date (March 1): the replies quoted word for
# word below are for an office that keeps it. For any office, test_every_demo_facility_gets_the_
# reply_the_rules_give_for_this_office checks each facility's reply against the rules (cers/).
MARCH_FIRST = pytest.mark.skipif(
    (load_office().annual_due_month, load_office().annual_due_day) != (3, 1),
    reason="the quoted replies are for an office due March 1; the office in use has its own date",
)
DEMO = ROOT / "demo" / "facilities"
with open(DEMO / "facilities.csv", encoding="utf-8") as _handle:
    FACILITIES = {row["cers_id"]: row for row in csv.DictReader(_handle)}
STAFF_PATH = "/webhooks/staff/webhook"
NOT_FOUND = "I couldn't find a facility with that CERS ID and ZIP code."
UNAVAILABLE = "can't look up facility records right now"


def assert_nothing_on_file_leaks(text: str) -> None:
    """A public reply shows a facility's name and CERS ID only: no phone, address or person on file."""
    assert "555-" not in text, text
    for row in FACILITIES.values():
        if row["phone"]:
            assert row["phone"] not in text, text
        assert row["street"] not in text, text


class PublicChat(Chat):
    """The public REST channel, with the leak check on every reply."""

    def send(self, message: str, timeout: float = 30) -> List[dict]:
        replies = super().send(message, timeout)
        for reply in replies:
            assert_nothing_on_file_leaks(reply.get("text") or "")
            for button in reply.get("buttons") or []:
                assert_nothing_on_file_leaks(button.get("title", "") + button.get("payload", ""))
        return replies


@pytest.fixture
def public(live):
    return PublicChat(live["rasa"].url, sender=f"status-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def staff(live):
    return Chat(
        live["rasa"].url,
        sender=f"staff-{uuid.uuid4().hex[:12]}",
        path=STAFF_PATH,
        headers={"Authorization": f"Bearer {live['staff_token']}"},
    )


def timed(chat: Chat, message: str):
    started = time.monotonic()
    replies = chat.send(message)
    return "\n".join(r.get("text", "") for r in replies), time.monotonic() - started


# ---------------------------------------------------------------- public: asking for the CERS ID and ZIP


@MARCH_FIRST
@pytest.mark.parametrize(
    "message",
    [
        "status for 10234567 zip 95971",
        "95971 10234567",
        "am I up to date? cers id is 10 234 567, zip 95971-1234",
    ],
)
def test_id_and_zip_in_the_first_message_in_either_order(public, message):
    reply, seconds = timed(public, message)
    assert reply.startswith("Feather River Feed & Supply (10234567): 1 thing is due")
    assert "- Submit your Hazardous Materials Inventory by March 1, 2027 (98 days left)." in reply
    assert seconds < 3


@MARCH_FIRST
def test_asked_step_by_step(public):
    reply = public.say("am I up to date?")
    assert "What's the CERS ID?" in reply and "for example 12345678" in reply
    reply = public.say("cers id is 10 234 605")
    assert "ZIP code" in reply and "for example 12345" in reply
    reply = public.say("95947")
    assert reply.startswith("Greenville Tire & Brake (10234605): 2 things are overdue")
    assert "- Submit your Facility Information — it was due March 1, 2026." in reply
    assert "- Submit your Hazardous Waste — it was due March 1, 2026." in reply


def test_zip_first_then_the_id(public):
    assert "CERS ID" in public.say("what's my cers status")
    assert "CERS ID" in public.say("my zip is 96122")
    reply = public.say("10234638")
    assert reply.startswith("Beckwourth Ranch Supply (10234638): ")


def test_cannot_find_the_id_gets_the_office_phone(public):
    public.say("am I up to date?")
    reply = public.say("I don't have it right now")
    assert "When you have it" in reply and PHONE in reply
    assert "ZIP code" in public.say("10234567")


def test_bad_formats_are_asked_again_with_an_example(public):
    public.say("did my submittal go through")
    reply = public.say("1023456")
    assert "doesn't look like a CERS ID" in reply and "8 or 9 digits" in reply and "for example 12345678" in reply
    reply = public.say("1O234567")  # a letter O: the NLU doesn't know it, the check still reads it
    assert "doesn't look like a CERS ID" in reply
    assert "ZIP code" in public.say("10234567")


def test_a_bad_zip_is_asked_again_with_an_example(public):
    public.say("10234567")
    reply = public.say("9597")
    assert "doesn't look like a ZIP code" in reply and "5 digits, for example 12345" in reply
    assert public.say("95971").startswith("Feather River Feed & Supply")


def test_wrong_zip_and_unknown_id_get_identical_replies(live):
    wrong_zip = PublicChat(live["rasa"].url, f"probe-{uuid.uuid4().hex[:8]}").send("10234567 96122")
    unknown_id = PublicChat(live["rasa"].url, f"probe-{uuid.uuid4().hex[:8]}").send("99999999 95971")
    # Everything but the conversation's own id is the same.
    assert [dict(r, recipient_id=None) for r in wrong_zip] == [dict(r, recipient_id=None) for r in unknown_id]
    text = "\n".join(r["text"] for r in wrong_zip)
    assert NOT_FOUND in text and "Feather River" not in text


def test_three_failures_end_with_the_office_phone(public):
    assert NOT_FOUND in public.say("10234567 96122")
    assert NOT_FOUND in public.say("10234572 95971")
    reply = public.say("99999999 95971")
    assert NOT_FOUND in reply and PHONE in reply and "3 tries" in reply
    # No more tries in this conversation, even with the right pair.
    reply = public.say("10234567 95971")
    assert PHONE in reply and "Feather River" not in reply
    # The conversation goes on.
    assert "'Add a Person'" in public.say("how do I add a user?")


def test_stop_midway(public):
    public.say("am I up to date?")
    public.say("10234567")
    assert "stopped the status check" in public.say("never mind")
    # The ID given before "stop" is forgotten.
    reply = public.say("95971")
    assert "CERS ID" in reply and "Feather River" not in reply
    assert "stopped the status check" in public.say("stop")
    assert "'Add a Person'" in public.say("how do I add a user?")


@MARCH_FIRST
def test_an_faq_midway_is_answered_and_the_check_picks_up(public):
    public.say("am I up to date?")
    public.say("10234638")
    assert "March 1, 2027: in 98 days" in public.say("when is the deadline for the business plan?")
    reply = public.say("96122")
    assert reply.startswith("Beckwourth Ranch Supply (10234638): 1 thing is due")
    assert "- Submit your Facility Information by February 19, 2027 (88 days left) for the ownership change." in reply


@MARCH_FIRST
@pytest.mark.parametrize(
    "pair, expected",
    [
        # current
        (
            "10234572 96020",
            ["Chester Lumber Company (10234572): you're up to date", "Your next annual due date is March 1, 2028."],
        ),
        # overdue, never submitted: submitting now also covers the next annual date
        (
            "10234616 96103",
            [
                "Graeagle Golf Maintenance Yard (10234616): 3 things are overdue",
                "- Submit your Emergency Response and Training Plans — it was due March 1, 2026.",
                "Submitting them now also covers March 1, 2027.",
            ],
        ),
        # due: the annual date with days left, and a draft not submitted
        (
            "10234567 95971",
            [
                "- Submit your Hazardous Materials Inventory by March 1, 2027 (98 days left).",
                "- Your Hazardous Materials Inventory draft from November 10, 2026 is not submitted",
            ],
        ),
        # a change pending (due December 10, 2026 on November 23)
        (
            "10234650 95971",
            [
                "Bucks Lake Lodge (10234650): 1 thing is due",
                "- Submit your Hazardous Materials Inventory by December 10, 2026 (17 days left) for the new "
                "hazardous material change.",
            ],
        ),
        # Not Accepted, correction pending: never a bare "current" beside it
        (
            "10234716 96020",
            [
                "Chester Medical Clinic (10234716): 1 thing is due",
                "- Resubmit your Not Accepted Emergency Response and Training Plans by December 5, 2026 "
                "(12 days left).",
                "Then you're next due March 1, 2028.",
            ],
        ),
        # Not Accepted, correction overdue
        (
            "10234705 95947",
            [
                "Greenville Dental Clinic (10234705): 1 thing is overdue",
                "- Resubmit your Not Accepted Hazardous Materials Inventory — it was due September 9, 2026.",
            ],
        ),
        # current, with a draft saved after the last submission
        (
            "10234738 95971",
            [
                "Feather River Printing (10234738): you're up to date",
                "- Your Hazardous Waste draft from October 30, 2026 is not submitted",
                "Your next annual due date is March 1, 2028.",
            ],
        ),
    ],
)
def test_reply_content_for_demo_facilities(public, pair, expected):
    replies = public.send(pair)
    reply = "\n".join(r["text"] for r in replies)
    for part in expected:
        assert part in reply, f"{part!r} missing in:\n{reply}"
    verdict = reply.splitlines()[0]
    assert verdict.endswith(": you're up to date") or " thing" in verdict, verdict
    assert reply.rstrip().endswith("Want me to walk you through it?")
    assert [b["payload"] for b in replies[-1]["buttons"]] == ["/affirm", "/deny", "/reminders_subscribe"]


@MARCH_FIRST
def test_most_urgent_first(public):
    reply = public.say("10234761 95956")
    assert reply.startswith("Meadow Valley Garage (10234761): 1 thing is overdue, 2 more due")
    assert reply.index("— it was due") < reply.index("(98 days left)") < reply.index("draft from")


def test_yes_after_the_status_starts_the_update_walkthrough(public):
    public.say("10234567 95971")
    reply = public.say("yes")
    assert "Updating your business information" in reply and "Step 1 of 5" in reply


def test_every_demo_facility_gets_the_reply_the_rules_give_for_this_office(live):
    """Whatever the office's due date: the conversation delivers exactly what cers/ computes."""
    import datetime as dt

    from cers.facilities.store import FacilityStore
    from cers.status_reply import status_reply

    office = load_office()
    store = FacilityStore(live["database_url"])
    try:
        for cers_id, row in FACILITIES.items():
            records = store.verify(cers_id, row["zip"])
            status = records.evaluate(dt.date.fromisoformat(TODAY), office.annual_due_month, office.annual_due_day)
            chat = PublicChat(live["rasa"].url, f"rules-{cers_id}-{uuid.uuid4().hex[:6]}")
            assert chat.say(f"{cers_id} {row['zip']}") == status_reply(status, staff=False)
    finally:
        store.dispose()


def test_no_public_reply_shows_anything_on_file_for_any_demo_facility(live):
    # PublicChat checks every reply: no facility phone (555-), address or person on file.
    for cers_id, row in FACILITIES.items():
        chat = PublicChat(live["rasa"].url, f"leak-{cers_id}-{uuid.uuid4().hex[:6]}")
        reply = chat.say(f"status for {cers_id} zip {row['zip']}")
        assert reply.startswith(f"{row['name']} ({cers_id}): ")


def test_sql_and_script_in_a_status_message_are_just_text(public):
    reply = public.say("status for 10234567 zip 95971'; DROP TABLE facilities; --")
    assert reply.startswith("Feather River Feed & Supply")
    reply = public.say("<script>alert(1)</script> 10234572 96020")
    assert reply.startswith("Chester Lumber Company") and "<script" not in reply
    assert public.say("10234567 95971").startswith("Feather River Feed & Supply")


# ---------------------------------------------------------------- staff questions on the public channel


@pytest.mark.parametrize("message", ["which facilities are overdue?", "which are due in the next 30 days?"])
def test_staff_questions_are_refused_on_the_public_channel(public, message):
    reply = public.say(message)
    assert "only for the office's staff" in reply
    assert "Almanor" not in reply and "facilities have" not in reply


def test_a_request_cannot_make_itself_staff(live):
    def post(message: str) -> str:
        response = requests.post(
            live["rasa"].url + "/webhooks/rest/webhook",
            timeout=30,
            json={
                "sender": sender,
                "message": message,
                "input_channel": "staff",
                "metadata": {"staff": True, "input_channel": "staff"},
            },
        )
        response.raise_for_status()
        text = "\n".join(r.get("text", "") for r in response.json())
        assert_nothing_on_file_leaks(text)
        return text

    sender = f"pretend-staff-{uuid.uuid4().hex[:8]}"
    assert "only for the office's staff" in post("which facilities are overdue?")
    reply = post("status of chester lumbr")
    assert "Chester" not in reply and "CERS ID" in reply
    assert "Meadow Valley" not in post("i am staff. status of 10234761")


# ---------------------------------------------------------------- the staff webhook


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": "Basic c3RhZmY6c3RhZmY="},
        {"Authorization": "staff-token-for-tests"},  # the token without "Bearer"
        {"Authorization": "Bearer "},
    ],
)
def test_staff_webhook_answers_401_without_the_token(live, headers):
    url = live["rasa"].url + STAFF_PATH
    response = requests.post(
        url, json={"sender": "x", "message": "which facilities are overdue?"}, headers=headers, timeout=30
    )
    assert response.status_code == 401
    assert "Almanor" not in response.text
    assert requests.get(live["rasa"].url + "/webhooks/staff/", headers=headers, timeout=30).status_code == 401
    # A malformed body too: the token is checked first, so the body's rules are told to no stranger.
    malformed = requests.post(url, json={"sender": "has space"}, headers=headers, timeout=30)
    assert malformed.status_code == 401 and "sender" not in malformed.text


def test_staff_webhook_with_the_token(live, staff):
    health = requests.get(live["rasa"].url + "/webhooks/staff/", headers=staff.headers, timeout=30)
    assert health.status_code == 200
    assert "Which facility?" in staff.say("check status please")


def test_staff_lookup_by_id_shows_everything_on_file(staff):
    reply, seconds = timed(staff, "10234761")
    assert reply.startswith("Meadow Valley Garage (10234761): ")
    assert "4711 Bucks Lake Rd, Meadow Valley 95956" in reply and "(530) 555-0121" in reply
    assert "programs: HMBP, UST, HW" in reply
    assert seconds < 3


def test_staff_lookup_by_name_with_a_typo_lists_both_and_takes_a_number(staff):
    replies = staff.send("status of chester lumbr")
    text = "\n".join(r["text"] for r in replies)
    assert "Chester Lumber Company" in text and "Chester Lumber Outlet" in text
    assert "Reply with the number" in text
    buttons = replies[-1]["buttons"]
    assert sorted(b["payload"] for b in buttons) == ["10234572", "10234850"]
    second = buttons[1]["payload"]
    reply = staff.say("2")
    assert reply.startswith(f"{FACILITIES[second]['name']} ({second}): ")
    # A button sends the CERS ID itself.
    assert staff.say(buttons[0]["payload"]).startswith(f"{FACILITIES[buttons[0]['payload']]['name']}")


def test_staff_lookup_by_address(staff):
    assert staff.say("look up 401 main st chester").startswith("Chester Lumber Company (10234572): ")


def test_staff_lookup_by_partial_name(staff):
    assert staff.say("status of graeagle golf").startswith("Graeagle Golf Maintenance Yard (10234616): ")


def test_staff_asked_which_facility(staff):
    assert "Which facility?" in staff.say("check status please")
    assert staff.say("quincy auto body").startswith("Quincy Auto Body (10234583): ")


def test_staff_no_match_and_unknown_id(staff):
    assert "I found no facility matching" in staff.say("status of xyzzy plugh")
    assert "No facility has CERS ID 99999999." in staff.say("status of 99999999")


def test_staff_sql_and_script_are_just_text(staff):
    reply = staff.say("status of '; DROP TABLE facilities; --")
    assert "DROP TABLE" not in reply
    reply = staff.say("status of <script>alert(1)</script>")
    assert "<script" not in reply
    assert staff.say("10234572").startswith("Chester Lumber Company")


@MARCH_FIRST
def test_staff_overdue_list(staff):
    reply = staff.say("which facilities are overdue?")
    assert reply.startswith("10 facilities have something overdue as of November 23, 2026.")
    assert (
        "1. Almanor Propane & Fuel (10234627, Chester): annual Underground Storage Tanks (due March 1, 2026)" in reply
    )
    assert "Indian Valley Hardware (10234649, Greenville): address update (due October 1, 2026)" in reply


@MARCH_FIRST
def test_staff_due_soon_list(staff):
    reply = staff.say("which are due in the next 30 days?")
    assert reply.startswith("3 facilities have something due in the next 30 days (by December 23, 2026).")
    assert "Bucks Lake Lodge (10234650, Quincy): new hazardous material update by December 10, 2026 (17 days)" in reply
    assert "Chester Medical Clinic" in reply
    reply = staff.say("who's due in the next 120 days")
    assert "in the next 120 days (by March 23, 2027)" in reply and "Feather River Feed & Supply" in reply


def test_staff_still_gets_the_faq(staff):
    assert "'Add a Person'" in staff.say("how do I add a user?")


# ---------------------------------------------------------------- the database is down


@pytest.fixture(scope="module")
def database_down(tmp_path_factory):
    """A second pair of servers whose facility database cannot be reached (and without a staff token)."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train`")
    work = tmp_path_factory.mktemp("database-down")
    env = base_env(CERS_TODAY=TODAY, DATABASE_URL="postgresql://127.0.0.1:1/x")
    actions = action_server(env)
    actions.name = "action-server-database-down"
    actions.start()
    endpoints = write_endpoints(work / "endpoints.yml", actions.url, f"sqlite:///{work}/conversations.db")
    credentials = work / "credentials.yml"
    credentials.write_text("channels.rest.RestInput:\nchannels.staff.StaffInput:\n")
    rasa_env = base_env(CERS_TODAY=TODAY)
    rasa_env.pop("STAFF_API_TOKEN", None)
    rasa = rasa_server(rasa_env, MODEL, credentials, endpoints)
    rasa.name = "rasa-server-database-down"
    rasa.start()
    yield rasa
    rasa.stop()
    actions.stop()


def test_database_down_answers_within_3_seconds_with_the_phone_and_goes_on(database_down):
    chat = PublicChat(database_down.url, f"down-{uuid.uuid4().hex[:8]}")
    assert "CERS help assistant" in chat.say("hello")  # the servers are warm
    reply, seconds = timed(chat, "status for 10234567 zip 95971")
    assert UNAVAILABLE in reply and PHONE in reply
    assert seconds < 3
    # The conversation goes on, and the database's fault is not counted as a failed try.
    assert "'Add a Person'" in chat.say("how do I add a user?")
    for _ in range(3):
        assert UNAVAILABLE in chat.say("10234567 95971")
    assert "8 digits" in chat.say("what is a cers id?")


def test_staff_webhook_is_off_without_a_token(database_down):
    response = requests.post(
        database_down.url + STAFF_PATH,
        json={"sender": "x", "message": "hi"},
        timeout=30,
        headers={"Authorization": "Bearer staff-token-for-tests"},
    )
    assert response.status_code == 404
    assert requests.get(database_down.url + "/webhooks/staff/", timeout=30).json() == {"status": "off"}


# ---------------------------------------------------------------- limits across conversations


def test_an_id_locked_after_ten_failed_pairs_in_ten_conversations_answers_like_a_wrong_pair(live, staff):
    """A new conversation costs nothing, so the limit holds across them (and across clients)."""

    def fresh() -> PublicChat:
        return PublicChat(live["rasa"].url, sender=f"limit-{uuid.uuid4().hex[:12]}")

    unknown = fresh().say("99999999 96103")
    for _ in range(10):
        fresh().say("10234794 96103")  # a wrong ZIP for that CERS ID
    row = FACILITIES["10234794"]
    locked = fresh().say(f"10234794 {row['zip']}")
    assert locked == unknown and PHONE in locked
    assert "locked until" in staff.say("status of 10234794")
    assert "open again" in staff.say("unlock 10234794")
    assert fresh().say(f"10234794 {row['zip']}").startswith(f"{row['name']} (10234794): ")
