"""The office profile (office.yml, or OFFICE_FILE): what differs between offices is read, checked with errors that name the setting, and changes the answers that depend on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cers.office_answers import check_local_rules, office_answer
from cers.settings import SettingsError, load_office

ROOT = Path(__file__).resolve().parents[2]
BASE = "name: Test County CUPA\nphone: '(555) 010-0111'\n"


@pytest.fixture
def office_file(tmp_path, monkeypatch):
    def write(text: str):
        path = tmp_path / "office.yml"
        path.write_text(BASE + text)
        monkeypatch.setenv("OFFICE_FILE", str(path))
        return path

    return write


@pytest.mark.parametrize(
    "text, named",
    [
        ("programs:\n  tanks: true\n", "programs.tanks: unknown program"),
        ("programs:\n  underground_tanks: false\n", "programs.underground_tanks"),
        ("programs:\n  calarp: {contact: '(555) 010-0199'}\n", "programs.calarp"),
        ("programs:\n  calarp: {handled_by: X, phone: '1'}\n", "programs.calarp.phone: unknown key"),
        ("links:\n  fees: www.example.org\n", "links.fees: 'www.example.org' is not a web address"),
        ("links:\n  permits: https://example.org\n", "links.permits: unknown link"),
        ("local_rules:\n  - {topic: fees_and_invoices, text: Pay by March}\n", "local_rules[0].source: missing"),
        (
            "local_rules:\n  - {topic: fees_and_invoices, text: x, source: y, url: z}\n",
            "local_rules[0].url: unknown key",
        ),
        ("local_rules: {topic: x}\n", "local_rules: expected a list"),
        ("phon: '(555) 010-0111'\n", "phon: unknown setting"),
        ("annual_due_month: 2\nannual_due_day: 30\n", "office.yml"),
        ("reminder_days: 30\n", "reminder_days: expected a list"),
        ("reminder_days: [30, seven]\n", "reminder_days: 'seven' is not a whole number"),
        ("reminder_days: [400]\n", "reminder_days: 400 is not a whole number of days from 0 to 365"),
        ("reminder_days: [7, 7]\n", "reminder_days: 7 is listed twice"),
    ],
)
def test_a_bad_setting_stops_with_the_setting_named(office_file, text, named):
    office_file(text)
    with pytest.raises(SettingsError, match=named.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        load_office()


def test_a_program_the_office_does_not_run_is_answered_with_who_does(office_file):
    office_file("programs:\n  underground_tanks: {handled_by: the City Fire Department, contact: '(555) 010-0150'}\n")
    answer = office_answer("ust_program", load_office())
    assert answer.response is None  # the usual answer would say "a permit from the office"
    assert answer.texts == [
        "Here, Test County CUPA does not run the underground storage tank (UST) program: the City Fire Department does.",
        "Next: contact them at (555) 010-0150. For anything else, call Test County CUPA at (555) 010-0111.",
    ]
    # The programs it runs keep their usual answer.
    assert office_answer("apsa_program", load_office()).response == "utter_apsa_program"


def test_without_a_contact_the_person_is_told_to_call_the_office_to_find_out(office_file):
    office_file("programs:\n  calarp: {handled_by: the State}\n")
    texts = office_answer("calarp_program", load_office()).texts
    assert texts[-1] == "Next: contact the State. To find out how, call Test County CUPA at (555) 010-0111."


def test_the_office_pages_and_local_rules_follow_the_usual_answer(office_file):
    office_file(
        "links:\n  fees: https://example.org/fees\n  forms: https://example.org/forms\n"
        "local_rules:\n  - topic: close_sell_move_business\n    text: Tell us 30 days before you close.\n"
        "    source: County Code 1.2\n"
    )
    office = load_office()
    assert office_answer("fees_and_invoices", office).texts == ["The office's fee page: https://example.org/fees"]
    assert office_answer("hazardous_waste_generator", office).texts == ["The office's forms: https://example.org/forms"]
    closing = office_answer("close_sell_move_business", office)
    assert closing.response == "utter_close_sell_move_business"
    assert closing.texts == ["A local rule here: Tell us 30 days before you close. (Source: County Code 1.2)"]
    assert check_local_rules(office) == []


def test_an_office_with_nothing_of_its_own_gets_the_usual_answers_only(office_file):
    office_file("")
    for topic in ("ust_program", "fees_and_invoices", "close_sell_move_business"):
        assert office_answer(topic, load_office()).texts == []


def test_a_local_rule_on_a_topic_that_cannot_carry_one_is_refused(office_file):
    office_file("local_rules:\n  - {topic: greet, text: Hello, source: nowhere}\n")
    [problem] = check_local_rules(load_office())
    assert "topic 'greet' cannot carry a local rule" in problem


@pytest.mark.parametrize("profile", ["office.yml", "offices/example-county.yml"])
def test_the_shipped_profiles_load(monkeypatch, profile):
    monkeypatch.setenv("OFFICE_FILE", str(ROOT / profile))
    office = load_office()
    assert office.name and office.phone and check_local_rules(office) == []


def test_reminder_days_default_to_30_7_and_1_and_are_kept_largest_first(office_file):
    office_file("")
    assert load_office().reminder_days == (30, 7, 1)
    office_file("reminder_days: [1, 14, 0]\n")
    assert load_office().reminder_days == (14, 1, 0)
    office_file("reminder_days: []\n")  # only the reminder once a deadline has passed
    assert load_office().reminder_days == ()


def test_spanish_answers_say_the_office_and_its_rules_in_spanish(office_file):
    """short_name_es and a local rule's text_es are what a Spanish answer says; without them,
    "la oficina" and the rule as written (issue 20)."""
    from cers.templates import office_values, render

    office_file(
        "short_name_es: la oficina de Salud Ambiental\n"
        "local_rules:\n  - topic: close_sell_move_business\n    text: Tell us 30 days before you close.\n"
        "    text_es: Avísenos 30 días antes de cerrar.\n    source: County Code 1.2\n"
        "  - topic: fees_and_invoices\n    text: Fees are due in July.\n    source: County Code 3.4\n"
    )
    office = load_office()
    assert office_values(office, "es")["office_short_name"] == "la oficina de Salud Ambiental"
    [closing] = office_answer("close_sell_move_business", office, "es").texts
    assert "Avísenos 30 días antes de cerrar." in closing and "County Code 1.2" in closing
    [fees] = office_answer("fees_and_invoices", office, "es").texts
    assert "Fees are due in July." in fees
    assert closing.startswith(render("answers", "office_topic.local_rule", language="es", text="", source="")[:10])
    office_file("")
    assert office_values(load_office(), "es")["office_short_name"] == "la oficina"
