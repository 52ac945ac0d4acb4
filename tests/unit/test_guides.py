"""The walkthrough engine: every guide loads, follows the office FAQ, and every command behaves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cers.guides.engine import State, Walkthrough
from cers.guides.loader import GUIDES_DIR, GuideError, load_guide_file, load_guides
from cers.guides.matching import find_guide, guide_for_faq, match_guide
from cers.settings import Office, OfficeHours, load_office

PART_A_COUNTS = {
    "create_account": 5,
    "log_in": 4,
    "add_user": 3,
    "edit_user": 2,
    "view_business_info": 3,
    "update_business_info": 5,
}
PART_B = ("resubmit_without_changes", "request_facility_access", "fix_not_accepted")

# The button and link names of each Part A step (cers-facts.md), which the step must quote.
PART_A_KEY_NAMES = {
    "create_account": [
        ["CERS homepage"],
        ["'Business Portal Sign-In'", "green", "blue"],
        ["'Create New Account'"],
        ["activation email", "Business Portal"],
        ["request access"],
    ],
    "log_in": [
        ["'Business Portal Sign-In'", "green"],
        ["User ID", "'Next'"],
        ["password", "'Next'"],
        ["'Forgot your user name and password?'"],
    ],
    "add_user": [["Select your business"], ["'People/Users'"], ["'Add a Person'"]],
    "edit_user": [["Edit button", "bottom of the page"], ["Save"]],
    "view_business_info": [["select your facility"], ["'Start/Edit Submittal'"], ["page you want to see"]],
    "update_business_info": [
        ["page you want to edit"],
        ["'Start New Submittal'", "'Based on a copy of the last submittal'"],
        ["make your changes"],
        ["draft"],
        ["ALL draft pages"],
    ],
}

# shared/ sits beside the project's clone (in CI too); /work/shared on the developers' machines.
FACTS = next(
    (
        path
        for path in (
            Path(__file__).resolve().parents[3] / "shared/domain/cers-facts.md",
            Path("/work/shared/domain/cers-facts.md"),
        )
        if path.exists()
    ),
    Path("/work/shared/domain/cers-facts.md"),
)


@pytest.fixture(scope="module")
def guides():
    return load_guides()


@pytest.fixture
def office():
    return Office(
        name="Test County EH",
        short_name="the test office",
        phone="(555) 010-0000",
        city="",
        hours=OfficeHours(),
        address="",
        email="",
        annual_due_month=3,
        annual_due_day=1,
    )


@pytest.fixture
def engine(guides, office):
    return Walkthrough(guides, office)


def walk(engine, *commands, guide="add_user"):
    reply = engine.handle("start", State(), guide)
    for command in commands:
        reply = engine.handle(command, reply.state)
    return reply


# --- the guides themselves


def test_every_guide_loads(guides):
    assert set(PART_A_COUNTS) | set(PART_B) <= set(guides)
    for path in sorted(GUIDES_DIR.glob("*.yml")):
        assert load_guide_file(path).id == path.stem


@pytest.mark.parametrize("guide_id,count", sorted(PART_A_COUNTS.items()))
def test_part_a_step_counts(guides, guide_id, count):
    assert guides[guide_id].step_count == count


@pytest.mark.parametrize("guide_id", sorted(PART_A_KEY_NAMES))
def test_part_a_steps_quote_the_button_names(guides, guide_id):
    for step, names in zip(guides[guide_id].steps, PART_A_KEY_NAMES[guide_id]):
        for name in names:
            assert name.lower() in step.text.lower(), (guide_id, step.text, name)


@pytest.mark.skipif(not FACTS.exists(), reason="the shared facts file is not on this machine")
def test_part_a_steps_are_the_facts_verbatim(guides):
    facts = " ".join(FACTS.read_text(encoding="utf-8").split())
    for guide_id in PART_A_COUNTS:
        for number, step in enumerate(guides[guide_id].steps, start=1):
            assert f"{number}. {step.text}" in facts, (guide_id, number, step.text)


def test_part_b_guides_are_short_and_offered_by_their_faq(guides):
    for guide_id in PART_B:
        assert 2 <= guides[guide_id].step_count <= 5
    assert guide_for_faq("resubmit_without_changes", guides).id == "resubmit_without_changes"
    assert guide_for_faq("request_facility_access", guides).id == "request_facility_access"
    assert guide_for_faq("submittal_not_accepted", guides).id == "fix_not_accepted"


def test_no_guide_invents_a_phone_number_or_link(guides):
    # Phone numbers come from office.yml through {office_phone}; links would be invented facts.
    for guide in guides.values():
        texts = [guide.done] + [s.text for s in guide.steps] + [s.help or "" for s in guide.steps]
        for text in texts:
            assert not re.search(r"\(\d{3}\)|\d{3}-\d{4}", text), (guide.id, text)
            assert "http" not in text and "www." not in text, (guide.id, text)


def test_faq_intent_and_response_map_to_the_guide(guides):
    assert guide_for_faq("how_to_add_user", guides).id == "add_user"
    assert guide_for_faq("utter_how_to_add_user", guides).id == "add_user"
    assert guide_for_faq("utter_how_to_log_in", guides).id == "log_in"
    assert guide_for_faq("utter_annual_due_date", guides) is None


# --- matching free text


@pytest.mark.parametrize(
    "text,guide_id",
    [
        ("walk me through adding a user", "add_user"),
        ("help me add someone step by step", "add_user"),
        ("walk me thru addding a usr", "add_user"),
        ("guide me through logging in", "log_in"),
        ("I forgot my pasword", "log_in"),
        ("how do I creat an acount", "create_account"),
        ("step by step sign up", "create_account"),
        ("change a users email", "edit_user"),
        ("see what we submitted", "view_business_info"),
        ("update our bussiness informaton", "update_business_info"),
        ("nothing changed, resubmit", "resubmit_without_changes"),
        ("request acess to a facility", "request_facility_access"),
        ("my submittal was rejected", "fix_not_accepted"),
        ("Adding a user", "add_user"),
        # examples from data/nlu/walkthrough.yml
        ("walk me through giving a coworker access", "add_user"),
        ("walk me trough adding an employee", "add_user"),
        ("step by step how to change a user's email", "edit_user"),
        ("walk me through making a new submittal", "update_business_info"),
        ("start a walkthrough for updating our info", "update_business_info"),
        ("take me through resubmitting last year's info", "resubmit_without_changes"),
        ("step by step on viewing what we submitted", "view_business_info"),
        ("setting up a cers account slowly", "create_account"),
        ("guide me through logging on", "log_in"),
        ("can you guide me through signing in one step at a time", "log_in"),
        ("guided walkthrough for a not accepted submittal", "fix_not_accepted"),
        ("walk me through fixing my rejected submittal", "fix_not_accepted"),
        ("guide me through requesting facility access", "request_facility_access"),
    ],
)
def test_match_guide(guides, text, guide_id):
    guide = match_guide(text, guides)
    assert guide is not None and guide.id == guide_id, text


@pytest.mark.parametrize(
    "text", ["walk me through it", "step by step please", "", "what's the weather", "business info"]
)
def test_no_match_when_nothing_or_two_equally_named(guides, text):
    assert match_guide(text, guides) is None


def test_find_guide_by_id_title_or_words(guides):
    assert find_guide("add_user", guides).id == "add_user"
    assert find_guide("Editing a user", guides).id == "edit_user"
    assert find_guide("logging in", guides).id == "log_in"
    assert find_guide("", guides) is None


# --- the commands


def test_start_gives_step_one_with_quick_replies(engine):
    reply = engine.handle("start", State(), "add_user")
    assert reply.messages[-1] == "Step 1 of 3: Select your business."
    assert reply.state == State("add_user", 0, open=True, paused=False)
    titles = [b.title for b in reply.buttons]
    assert titles == ["Next", "Repeat", "I'm stuck", "All steps", "Stop"]
    assert "/next_step" in [b.payload for b in reply.buttons]
    assert '"next"' in reply.messages[0]  # plain words are explained for SMS


@pytest.mark.parametrize("guide_id", sorted(PART_A_COUNTS) + list(PART_B))
def test_every_guide_from_start_to_done(engine, guides, guide_id):
    guide = guides[guide_id]
    reply = engine.handle("start", State(), guide_id)
    for number in range(1, guide.step_count + 1):
        assert reply.messages[-1].startswith(f"Step {number} of {guide.step_count}: ")
        assert reply.state.step == number - 1 and reply.state.open
        reply = engine.handle("next", reply.state)
    assert "done" in reply.text
    assert "anything else" in reply.text.lower()
    assert reply.state == State()


def test_done_says_what_happens_next(engine):
    reply = walk(engine, "next", "next", "next", "next", "next", guide="update_business_info")
    assert "draft" in reply.text.lower() and "office" in reply.text.lower() and "review" in reply.text.lower()


def test_next_and_back(engine):
    reply = walk(engine, "next")
    assert reply.messages[-1] == "Step 2 of 3: Click 'People/Users'."
    assert [b.title for b in reply.buttons][:2] == ["Next", "Back"]
    reply = engine.handle("back", reply.state)
    assert reply.messages[-1] == "Step 1 of 3: Select your business."


def test_back_at_step_one_stays_and_says_so(engine):
    reply = walk(engine, "back")
    assert reply.state.step == 0
    assert "already on the first step" in reply.messages[0]
    assert reply.messages[-1].startswith("Step 1 of 3:")


def test_repeat(engine):
    reply = walk(engine, "next", "repeat")
    assert reply.messages == ("Step 2 of 3: Click 'People/Users'.",)
    assert reply.state.step == 1


def test_stop_then_resume_at_the_same_step(engine):
    reply = walk(engine, "next", "stop")
    assert reply.state == State("add_user", 1, open=False, paused=True)
    assert "step 2 of 3" in reply.text and '"continue"' in reply.text
    assert "/continue_walkthrough" in [b.payload for b in reply.buttons]
    reply = engine.handle("resume", reply.state)
    assert reply.messages[-1].startswith("Step 2 of 3:")
    assert reply.state == State("add_user", 1, open=True, paused=False)


def test_next_after_a_pause_shows_the_step_they_were_on(engine):
    reply = engine.handle("pause", walk(engine, "next").state)
    assert reply.text.startswith("Want to get back to")
    reply = engine.handle("next", reply.state)
    assert reply.messages[-1].startswith("Step 2 of 3:")


def test_pause_offers_to_continue_and_does_nothing_without_a_guide(engine):
    reply = engine.handle("pause", walk(engine, "next").state)
    assert reply.text == 'Want to get back to "Adding a user"? You were on step 2 of 3. Say "continue".'
    assert reply.state.paused and not reply.state.open
    nothing = engine.handle("pause", State())
    assert nothing.messages == () and nothing.state == State()
    # Already paused: no second offer after every later answer.
    assert engine.handle("pause", reply.state).messages == ()


def test_pause_after_an_answer_offering_another_guide_leaves_yes_to_that_offer(engine):
    state = walk(engine, "next").state
    reply = engine.handle("pause", state, "log_in")
    assert reply.text == 'Or, to get back to "Adding a user" where you were (step 2 of 3), say "continue".'
    assert reply.state == State("add_user", 1, open=False, paused=True)
    # The answer offers the open guide itself, or a guide that does not exist: the usual question.
    for offered in ("add_user", "no_such_guide"):
        assert engine.handle("pause", state, offered).text.startswith('Want to get back to "Adding a user"?')


def test_restart(engine):
    reply = walk(engine, "next", "next", "restart")
    assert reply.messages[-1].startswith("Step 1 of 3:")
    assert reply.state.step == 0


def test_stuck_gives_step_help_and_the_office_phone(engine, office):
    reply = walk(engine, "next", "stuck")
    assert "Lead User" in reply.text  # the help of step 2 of "Adding a user"
    assert office.phone in reply.text
    assert reply.state.step == 1 and reply.state.open
    # A step without help still gets the phone number.
    reply = walk(engine, "next", "stuck", guide="edit_user")
    assert office.phone in reply.text


def test_stuck_uses_the_phone_from_office_yml(guides):
    reply = Walkthrough(guides).handle("stuck", walk(Walkthrough(guides)).state)
    assert load_office().phone in reply.text


def test_placeholders_are_filled_from_the_office(engine, office):
    reply = walk(engine, "next", "next", "stuck", guide="request_facility_access")
    assert office.phone in reply.text and "{" not in reply.text


def test_all_steps_lists_every_step_numbered(engine, guides):
    reply = walk(engine, "next", "all_steps")
    for number, step in enumerate(guides["add_user"].steps, start=1):
        assert f"{number}. {step.text}" in reply.text
    assert "step 2" in reply.text
    assert reply.state.step == 1 and reply.state.open


def test_all_steps_of_an_offered_guide_with_nothing_open(engine):
    reply = engine.handle("all_steps", State(), "log_in")
    assert "1. On the CERS homepage" in reply.text and "4. Forgot" in reply.text
    assert reply.state == State()


def test_switching_guides(engine):
    first = walk(engine, "next")
    reply = engine.handle("start", first.state, "log_in")
    assert 'leaving "Adding a user"' in reply.text
    assert reply.messages[-1].startswith("Step 1 of 4:")
    assert reply.state == State("log_in", 0, open=True, paused=False)


@pytest.mark.parametrize("command", ["next", "back", "repeat", "restart", "all_steps", "resume"])
def test_commands_with_nothing_open_offer_the_guides(engine, command):
    reply = engine.handle(command, State())
    assert "walk me through" in reply.text
    assert any(b.payload.startswith('/start_walkthrough{"guide":') for b in reply.buttons)
    assert reply.state == State()


def test_stop_and_stuck_with_nothing_open(engine, office):
    assert engine.handle("stop", State()).text.startswith("OK.")
    assert office.phone in engine.handle("stuck", State()).text


def test_finished_guide_is_not_resumable(engine):
    done = walk(engine, "next", "next", "next")
    assert "walk me through" in engine.handle("resume", done.state).text


def test_stale_step_index_stays_inside_the_guide(engine):
    reply = engine.handle("repeat", State("edit_user", 7, open=True))
    assert reply.messages[-1].startswith("Step 2 of 2:")


def test_unknown_command_is_an_error(engine):
    with pytest.raises(ValueError):
        engine.handle("jump", State())


# --- a bad guide file

GOOD = """
id: sample
title: A sample
phrases: [do a sample]
steps:
  - text: Click 'One'.
done: Done. Anything else?
"""


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_guide_needs_no_code(tmp_path):
    write(tmp_path, "sample.yml", GOOD)
    guides = load_guides(tmp_path)
    reply = Walkthrough(guides, load_office()).handle("start", State(), "sample")
    assert reply.messages[-1] == "Step 1 of 1: Click 'One'."
    assert match_guide("walk me through doing a sample", guides).id == "sample"


@pytest.mark.parametrize(
    "text,problem",
    [
        (GOOD.replace("title: A sample\n", ""), "missing title"),
        (GOOD.replace("  - text: Click 'One'.", "  - txt: Click 'One'."), "unknown key(s) txt"),
        (GOOD.replace("steps:\n  - text: Click 'One'.", "steps: []"), "'steps' must be a non-empty list"),
        (GOOD.replace("id: sample", "id: other"), "differs from the file name"),
        (GOOD.replace("Done.", "Call {office_fone}."), "bad placeholder"),
        (GOOD + "  bad: [", "not valid YAML"),
        ("- just a list", "expected a mapping"),
    ],
)
def test_bad_guide_file_gives_a_clear_error(tmp_path, text, problem):
    write(tmp_path, "sample.yml", text)
    with pytest.raises(GuideError) as error:
        load_guides(tmp_path)
    assert "sample.yml" in str(error.value)
    assert problem in str(error.value)


# --- the FAQ answer and its guide say the same steps

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9']+", " ", text.lower()).split())


@pytest.mark.skipif(not DOMAIN.exists(), reason="no domain.yml yet")
@pytest.mark.parametrize("guide_id", sorted(PART_A_COUNTS))
def test_faq_answer_lists_the_guide_steps(guides, guide_id):
    import yaml

    responses = (yaml.safe_load(DOMAIN.read_text(encoding="utf-8")) or {}).get("responses") or {}
    from cers.topics import topic_offering

    variants = responses.get(topic_offering(guide_id).answer)
    if not variants:
        pytest.skip(f"domain.yml has no answer for {guide_id}")
    answer = _plain(variants[0]["text"])
    for step in guides[guide_id].steps:
        assert _plain(step.text) in answer, (guide_id, step.text)
