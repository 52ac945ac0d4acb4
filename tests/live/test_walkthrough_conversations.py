"""Walkthroughs through the live servers: every guide step by step, each command, interruptions.

Plain words (as SMS users type them) and button payloads ("/next_step") both; the expected step
texts come from the guide files (cers/guides/texts/en/*.yml), so a guide edit needs no test edit.
"""

from __future__ import annotations

import uuid
from typing import Dict, List

import pytest

from cers.guides.loader import Guide, load_guides
from cers.settings import load_office
from tests.conftest import office_due
from tests.servers import Chat

# The office in use (office.yml, or OFFICE_FILE): the suite passes for any office.
PHONE = load_office().phone
GUIDES: Dict[str, Guide] = load_guides()
OFFICE = load_office()

# How a person would name each guide in words.
START_WORDS = {
    "create_account": "can you walk me through making a cers account",
    "log_in": "walk me through logging in",
    "add_user": "walk me through adding a user",
    "edit_user": "walk me through editing a user",
    "view_business_info": "walk me through viewing our business information",
    "update_business_info": "walk me through updating our business information",
    "resubmit_without_changes": "walk me through resubmitting with no changes",
    "request_facility_access": "walk me through requesting access to an existing facility",
    "fix_not_accepted": "walk me through fixing a not accepted submittal",
}
# Ways to say "done, next", plain words and the button's payload.
NEXT_WORDS = ["next", "done", "/next_step", "ok", "got it"]


def fill(text: str) -> str:
    return text.format(office_name=OFFICE.name, office_short_name=OFFICE.short_name, office_phone=OFFICE.phone)


def step_text(guide_id: str, number: int) -> str:
    """The message for step `number` (1-based) of a guide, as the guide file says it."""
    guide = GUIDES[guide_id]
    return f"Step {number} of {guide.step_count}: {fill(guide.steps[number - 1].text)}"


def texts(replies: List[dict]) -> List[str]:
    return [reply.get("text", "") for reply in replies]


def joined(replies: List[dict]) -> str:
    return "\n".join(texts(replies))


def step_messages(replies: List[dict]) -> List[str]:
    return [text for text in texts(replies) if text.startswith("Step ")]


def assert_at_step(replies: List[dict], guide_id: str, number: int) -> None:
    """The reply ends with exactly this step, with the walkthrough buttons (no Back on step 1)."""
    assert replies, "no reply"
    assert step_messages(replies) == [step_text(guide_id, number)], joined(replies)
    last = replies[-1]
    assert last.get("text") == step_text(guide_id, number), joined(replies)
    payloads = [button["payload"] for button in last.get("buttons", [])]
    for payload in ("/next_step", "/repeat_step", "/stuck", "/show_all_steps", "/stop"):
        assert payload in payloads, payloads
    assert ("/previous_step" in payloads) == (number > 1), payloads


def assert_no_step(replies: List[dict]) -> None:
    assert not step_messages(replies), joined(replies)


def start_words(guide_id: str) -> str:
    # A guide added later is named by its first phrase.
    return START_WORDS.get(guide_id) or f"walk me through {GUIDES[guide_id].phrases[0]}"


def start(chat: Chat, guide_id: str, words: bool = True) -> List[dict]:
    message = start_words(guide_id) if words else '/start_walkthrough{"guide":"%s"}' % guide_id
    replies = chat.send(message)
    assert_at_step(replies, guide_id, 1)
    return replies


# --- every guide, start to end -----------------------------------------------------------------


@pytest.mark.parametrize("guide_id", list(GUIDES))
def test_every_guide_from_start_to_end_in_words(chat, guide_id):
    guide = GUIDES[guide_id]
    replies = start(chat, guide_id)
    assert f'"{guide.title}"' in joined(replies) and f"({guide.step_count} steps)" in joined(replies)
    for number in range(2, guide.step_count + 1):
        assert_at_step(chat.send(NEXT_WORDS[number % len(NEXT_WORDS)]), guide_id, number)
    done = chat.send("done")
    assert_no_step(done)
    assert joined(done) == fill(guide.done)
    if guide_id in ("add_user", "edit_user"):
        # Adding or editing a user submits nothing: no reminder about drafts (issue 9).
        assert "draft" not in joined(done) and "submit" not in joined(done)
    else:
        assert "submit" in joined(done) and "review" in joined(done)
    assert "anything else" in joined(done)
    # The guide is closed: the next answer is not followed by an offer to continue it.
    after = chat.say("when is it due?")
    assert office_due()["next"] in after and "Want to get back" not in after


@pytest.mark.parametrize("guide_id", list(GUIDES))
def test_every_guide_by_buttons(chat, guide_id):
    guide = GUIDES[guide_id]
    start(chat, guide_id, words=False)
    for number in range(2, guide.step_count + 1):
        assert_at_step(chat.send("/next_step"), guide_id, number)
    assert chat.say("/next_step") == fill(guide.done)


# --- the commands -------------------------------------------------------------------------------


@pytest.mark.parametrize("back", ["back", "/previous_step"])
def test_back_at_step_1_stays_on_step_1(chat, back):
    start(chat, "add_user")
    replies = chat.send(back)
    assert "already on the first step" in joined(replies)
    assert_at_step(replies, "add_user", 1)
    assert_at_step(chat.send("next"), "add_user", 2)


@pytest.mark.parametrize("skip", ["skip", "skip this step"])
def test_skip_goes_on_to_the_next_step(chat, skip):
    start(chat, "view_business_info")
    assert_at_step(chat.send(skip), "view_business_info", 2)


def test_back_goes_to_the_previous_step(chat):
    start(chat, "update_business_info")
    chat.send("next")
    chat.send("next")
    assert_at_step(chat.send("go back"), "update_business_info", 2)
    assert_at_step(chat.send("previous"), "update_business_info", 1)
    assert_at_step(chat.send("next"), "update_business_info", 2)


@pytest.mark.parametrize("repeat", ["repeat", "say that again", "/repeat_step"])
def test_repeat_says_the_same_step_again(chat, repeat):
    start(chat, "log_in")
    chat.send("next")
    assert_at_step(chat.send(repeat), "log_in", 2)
    assert_at_step(chat.send("next"), "log_in", 3)


@pytest.mark.parametrize(
    "stop, resume",
    [
        ("stop", "continue"),
        ("never mind", "continue"),
        ("cancel", "/continue_walkthrough"),
        ("/stop", "continue"),
        ("hold on", "continue"),
        ("pause", "keep going"),
    ],
)
def test_stop_in_the_middle_then_continue_at_the_same_step(chat, stop, resume):
    start(chat, "create_account")
    chat.send("next")
    chat.send("next")
    stopped = chat.send(stop)
    assert_no_step(stopped)
    assert 'stopped "Creating a CERS account" at step 3 of 5' in joined(stopped)
    payloads = [b["payload"] for r in stopped for b in r.get("buttons", [])]
    assert "/continue_walkthrough" in payloads
    # A question while stopped is answered without nagging about the guide.
    answer = chat.say("how do I log in?")
    assert "'Business Portal Sign-In'" in answer and "Want to get back" not in answer
    resumed = chat.send(resume)
    assert 'Back to "Creating a CERS account"' in joined(resumed)
    assert_at_step(resumed, "create_account", 3)
    assert_at_step(chat.send("next"), "create_account", 4)


def test_start_over_goes_back_to_step_1(chat):
    start(chat, "resubmit_without_changes")
    chat.send("next")
    chat.send("next")
    replies = chat.send("start over")
    assert "starting" in joined(replies) and "over" in joined(replies)
    assert_at_step(replies, "resubmit_without_changes", 1)
    assert_at_step(chat.send("/next_step"), "resubmit_without_changes", 2)


@pytest.mark.parametrize(
    "stuck", ["I'm stuck", "it doesn't work", "I don't see that button", "where is that", "/stuck"]
)
def test_stuck_gives_the_steps_help_and_the_office_phone(chat, stuck):
    start(chat, "add_user")
    chat.send("next")
    replies = chat.send(stuck)
    text = joined(replies)
    help_text = fill(GUIDES["add_user"].steps[1].help)
    assert f"Help with step 2 of 3: {help_text}" in text
    assert PHONE in text and OFFICE.name in text
    # Still on the same step, with the step buttons; "next" goes on.
    payloads = [b["payload"] for b in replies[-1].get("buttons", [])]
    assert "/next_step" in payloads
    assert_at_step(chat.send("next"), "add_user", 3)


def test_stuck_on_a_step_without_help_still_gives_the_office_phone(chat):
    guide = GUIDES["create_account"]
    assert guide.steps[0].help is None
    start(chat, "create_account")
    text = chat.say("I'm stuck")
    assert "Help with step" not in text
    assert PHONE in text
    assert_at_step(chat.send("repeat"), "create_account", 1)


def test_every_step_with_help_gives_it_when_stuck(chat):
    for guide_id, guide in GUIDES.items():
        start(chat, guide_id, words=False)
        for number, step in enumerate(guide.steps, start=1):
            if number > 1:
                assert_at_step(chat.send("/next_step"), guide_id, number)
            text = chat.say("/stuck")
            assert PHONE in text, (guide_id, number)
            if step.help:
                assert f"Help with step {number} of {guide.step_count}: {fill(step.help)}" in text
            else:
                assert "Help with step" not in text


@pytest.mark.parametrize("all_steps", ["show me all the steps", "/show_all_steps"])
def test_all_the_steps_at_once_then_on_from_the_same_step(chat, all_steps):
    guide = GUIDES["update_business_info"]
    start(chat, "update_business_info")
    chat.send("next")
    text = chat.say(all_steps)
    numbered = [f"{n}. {fill(step.text)}" for n, step in enumerate(guide.steps, start=1)]
    position = 0
    for line in numbered:
        found = text.find(line, position)
        assert found >= 0, f"{line!r} missing or out of order in:\n{text}"
        position = found + len(line)
    assert "You're on step 2" in text
    assert_at_step(chat.send("next"), "update_business_info", 3)


# --- interruptions, switching, entry from the FAQ ---------------------------------------------


def test_interruption_when_is_it_due_then_continue_at_the_same_step(chat):
    start(chat, "add_user")
    chat.send("next")
    replies = chat.send("when is it due?")
    text = joined(replies)
    assert office_due()["next_in"] in text
    assert 'Want to get back to "Adding a user"? You were on step 2 of 3.' in text
    assert_no_step(replies)
    assert [b["payload"] for b in replies[-1]["buttons"]] == ["/continue_walkthrough"]
    assert_at_step(chat.send("continue"), "add_user", 2)
    assert_at_step(chat.send("next"), "add_user", 3)
    assert chat.say("next") == fill(GUIDES["add_user"].done)


@pytest.mark.parametrize("resume", ["yes", "/continue_walkthrough", "next"])
def test_interruption_whats_your_number_then_resume(chat, resume):
    start(chat, "fix_not_accepted")
    chat.send("next")
    chat.send("next")
    replies = chat.send("what's your number?")
    assert PHONE in joined(replies) and "You were on step 3 of 4" in joined(replies)
    # Whichever way they say it, they get step 3 again (not step 4: they may not have done it).
    assert_at_step(chat.send(resume), "fix_not_accepted", 3)
    assert_at_step(chat.send("done"), "fix_not_accepted", 4)


def test_a_guide_left_unfinished_can_be_resumed_later(chat):
    start(chat, "log_in")
    chat.send("next")
    chat.send("next")
    assert "You were on step 3 of 4" in chat.say("what does CUPA mean?")
    # More questions; the offer is made once, the guide stays paused.
    later = chat.say("who has to submit?")
    assert "Want to get back" not in later
    chat.say("thanks")
    assert_at_step(chat.send("continue"), "log_in", 3)


@pytest.mark.parametrize("yes", ["yes", "/affirm"])
def test_interrupting_question_whose_answer_offers_another_guide_yes_starts_that_guide(chat, yes):
    start(chat, "log_in")
    chat.send("next")
    replies = chat.send("how do I add a user?")
    text = joined(replies)
    assert "1. Select your business." in text and "step by step?" in text
    # The way back is not a second yes/no question: "yes" and the "Yes, step by step" button
    # answer the add-user offer; "continue" is the way back.
    assert 'Or, to get back to "Logging in to CERS" where you were (step 2 of 4), say "continue".' in text
    assert "Want to get back" not in text
    replies = chat.send(yes)
    assert 'leaving "Logging in to CERS"' in joined(replies)
    assert_at_step(replies, "add_user", 1)


def test_interrupting_question_whose_answer_offers_another_guide_continue_resumes(chat):
    start(chat, "log_in")
    chat.send("next")
    chat.send("how do I add a user?")
    assert_at_step(chat.send("continue"), "log_in", 2)
    assert_at_step(chat.send("next"), "log_in", 3)


def test_a_second_guide_started_while_one_is_open_switches_to_it(chat):
    start(chat, "add_user")
    chat.send("next")
    replies = chat.send("walk me through logging in")
    text = joined(replies)
    assert 'leaving "Adding a user" (you were on step 2 of 3)' in text
    assert_at_step(replies, "log_in", 1)
    assert_at_step(chat.send("next"), "log_in", 2)
    assert_at_step(chat.send('/start_walkthrough{"guide":"edit_user"}'), "edit_user", 1)
    assert_at_step(chat.send("next"), "edit_user", 2)


@pytest.mark.parametrize("yes", ["yes", "/affirm"])
def test_faq_answer_offers_the_guide_and_yes_starts_it(chat, yes):
    answer = chat.send("how do I add a user?")
    assert "1. Select your business." in joined(answer) and "step by step" in joined(answer)
    assert "/affirm" in [b["payload"] for r in answer for b in r.get("buttons", [])]
    assert_no_step(answer)
    assert_at_step(chat.send(yes), "add_user", 1)
    assert_at_step(chat.send("next"), "add_user", 2)


# A question whose FAQ answer offers each guide.
FAQ_QUESTIONS = {
    "create_account": "how do I create a CERS account",
    "log_in": "how do i log in",
    "add_user": "how can i add my coworker to cers",
    "edit_user": "how do I edit a user",
    "view_business_info": "how can I view our business information",
    "update_business_info": "how do I update my business information",
    "resubmit_without_changes": "nothing changed, can I resubmit the same info?",
    "request_facility_access": "how do I request access to an existing facility",
    "fix_not_accepted": "my submittal was not accepted",
}


@pytest.mark.parametrize("guide_id", list(GUIDES))
def test_every_faq_answer_that_offers_a_guide_starts_it_on_yes(chat, guide_id):
    if guide_id not in FAQ_QUESTIONS:
        pytest.skip(f"no FAQ question listed for the guide {guide_id}")
    # (tests/unit/test_guides.py checks that the Part A answers list the guide's steps.)
    answer = chat.send(FAQ_QUESTIONS[guide_id])
    assert joined(answer).endswith("Want me to walk you through it step by step?"), joined(answer)
    assert [b["payload"] for b in answer[-1]["buttons"]] == ["/affirm", "/deny"]
    assert_no_step(answer)
    assert_at_step(chat.send("yes"), guide_id, 1)


def test_faq_answer_then_walk_me_through_it_starts_that_guide(chat):
    chat.send("how do I edit a user?")
    assert_at_step(chat.send("walk me through it"), "edit_user", 1)


def test_walk_me_through_it_with_nothing_named_asks_which_guide(chat):
    replies = chat.send("step by step please")
    assert_no_step(replies)
    payloads = [b["payload"] for b in replies[-1].get("buttons", [])]
    assert payloads == ['/start_walkthrough{"guide":"%s"}' % guide_id for guide_id in GUIDES]
    assert_at_step(chat.send(payloads[2]), list(GUIDES)[2], 1)


def test_commands_with_no_guide_open_say_so(chat):
    assert "not in the middle of a walkthrough" in chat.say("next")
    assert "no walkthrough to continue" in chat.say("continue")
    assert PHONE in chat.say("I'm stuck")


# --- last: restarting the Rasa server costs ~25 s ----------------------------------------------


def test_a_guide_survives_a_rasa_server_restart(live):
    chat = Chat(live["rasa"].url, sender=f"walk-restart-{uuid.uuid4().hex[:8]}")
    start(chat, "update_business_info")
    chat.send("next")
    assert_at_step(chat.send("ok"), "update_business_info", 3)
    live["rasa"].restart()
    assert_at_step(chat.send("next"), "update_business_info", 4)
    assert_at_step(chat.send("back"), "update_business_info", 3)
