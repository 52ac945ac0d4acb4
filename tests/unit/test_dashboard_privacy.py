"""Privacy: phone numbers and e-mail addresses masked in the dashboard's lists and exports; exports as training lines."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import yaml

from cers.dashboard.exports import suggested_intent, training_csv, training_yaml
from cers.dashboard.masking import mask
from cers.dashboard.summary import UnsureMessage

TITLES = {"how_to_add_user": "Add a user", "how_to_log_in": "Log in"}


@pytest.mark.parametrize(
    "text, masked",
    [
        ("call me at (530) 555-0123", "call me at [phone]"),
        ("530-555-0123 or 530.555.0123 or 530 555 0123", "[phone] or [phone] or [phone]"),
        ("5305550123 and +1 530 555 0123", "[phone] and [phone]"),
        ("my cell is 555-0123.", "my cell is [phone]."),
        ("+44 20 7946 0958", "[phone]"),
        ("write to Jo.Smith+cers@example.co.uk please", "write to [e-mail] please"),
        ("status for 10234567 zip 95971", "status for 10234567 zip 95971"),
        ("cers id 102345678, zip 95971-1234", "cers id 102345678, zip 95971-1234"),
        ("due 2027-03-01, 1500 gallons, 10 234 567", "due 2027-03-01, 1500 gallons, 10 234 567"),
    ],
)
def test_mask(text, masked):
    assert mask(text) == masked


def message(text, guesses=(("how_to_add_user", 0.4), ("ust_program", 0.2)), event_id=7):
    return UnsureMessage(event_id, dt.datetime(2026, 11, 16, 20, 0, tzinfo=dt.timezone.utc), "twilio", text, guesses)


def test_csv_export_is_masked_with_guesses():
    rows = list(csv.DictReader(io.StringIO(training_csv([message("call 530-555-0123 or a@b.org")], TITLES))))
    assert rows[0]["text"] == "call [phone] or [e-mail]"
    assert rows[0]["intent"] == "how_to_add_user"
    assert (rows[0]["guess_2"], rows[0]["confidence_2"]) == ("ust_program", "0.200")
    assert rows[0]["channel"] == "SMS" and rows[0]["guess_3"] == ""


def test_csv_export_cannot_become_a_spreadsheet_formula():
    rows = list(csv.reader(io.StringIO(training_csv([message('=HYPERLINK("x")')], TITLES))))
    assert rows[1][0].startswith("'=")


def test_yaml_export_is_rasa_training_data_with_the_chosen_intent():
    messages = [
        message("users thing, mail x@y.org", event_id=1),
        message("log in trouble 555-0199", (("ust_program", 0.3), ("how_to_log_in", 0.25)), event_id=2),
        message("more users\nstuff", event_id=3),
    ]
    text = training_yaml(messages, TITLES, {3: "how_to_log_in"})
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    examples = {entry["intent"]: entry["examples"] for entry in data["nlu"]}
    assert examples["how_to_add_user"] == "- users thing, mail [e-mail]\n"
    # The best guess that is a topic, and the one chosen on the dashboard; one line each.
    assert examples["how_to_log_in"] == "- log in trouble [phone]\n- more users stuff\n"


def test_suggested_intent_prefers_topics():
    assert suggested_intent(message("x", (("greet", 0.5), ("how_to_log_in", 0.2))), TITLES) == "how_to_log_in"
    assert suggested_intent(message("x", (("greet", 0.5),)), TITLES) == "greet"
    assert suggested_intent(message("x", ()), TITLES) == ""
