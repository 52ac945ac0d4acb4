"""SMS through the live server's Twilio webhook; Twilio's API is the fake in tests/fake_apis.py."""
from __future__ import annotations

import uuid

import pytest
import requests

from channels.sms import DEFAULT_MAX_CHARS
from tests.fake_apis import TWILIO_ACCOUNT_SID, TWILIO_NUMBER, twilio_signature

PHONE = "(530) 283-6355"
PATH = "/webhooks/twilio/webhook"


def new_number() -> str:
    return "+1530555" + str(uuid.uuid4().int)[:4]


def post_sms(live, sender: str, body: str, signature: str = "sign", url: str = "") -> requests.Response:
    """Posts an incoming SMS as Twilio does; signature "sign" signs it correctly."""
    webhook = live["rasa"].url + PATH
    params = {"From": sender, "To": TWILIO_NUMBER, "Body": body, "AccountSid": TWILIO_ACCOUNT_SID,
              "MessageSid": "SM" + uuid.uuid4().hex, "NumMedia": "0"}
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = twilio_signature(url or webhook, params)
    elif signature:
        headers["X-Twilio-Signature"] = signature
    return requests.post(webhook, data=params, headers=headers, timeout=60)


def texts(live, sender: str, count: int = 1):
    fakes = live["fakes"]
    return fakes.wait_for(lambda: fakes.sms_to(sender), count=count, settle=0.5)


@pytest.mark.parametrize("case", ["no signature", "wrong secret", "signed for another URL", "tampered body"])
def test_requests_whose_signature_does_not_verify_are_refused(live, case):
    sender = new_number()
    webhook = live["rasa"].url + PATH
    if case == "no signature":
        response = post_sms(live, sender, "how do I add a user?", signature="")
    elif case == "wrong secret":
        params = {"From": sender, "Body": "how do I add a user?"}
        response = post_sms(live, sender, "how do I add a user?",
                            signature=twilio_signature(webhook, params, auth_token="not-the-token"))
    elif case == "signed for another URL":
        response = post_sms(live, sender, "how do I add a user?", url="https://evil.example" + PATH)
    else:
        signed = {"From": sender, "To": TWILIO_NUMBER, "Body": "hello"}
        response = post_sms(live, sender, "how do I add a user?", signature=twilio_signature(webhook, signed))
    assert response.status_code == 403
    # A correctly signed message from the same number is answered: the refused one was not.
    assert post_sms(live, sender, "hello").status_code == 204
    replies = texts(live, sender)
    assert not any("Add a Person" in reply for reply in replies)


def test_buttons_become_numbered_choices_answered_with_a_number(live):
    sender = new_number()
    assert post_sms(live, sender, "how do I add a user?").status_code == 204
    [answer] = texts(live, sender)
    assert "3. Click 'Add a Person' and follow the prompts." in answer
    assert answer.endswith("Reply with a number:\n1 - Yes, step by step\n2 - No, thanks")
    assert len(answer) <= DEFAULT_MAX_CHARS

    # "1" is the first button's payload (/affirm): the walkthrough starts.
    post_sms(live, sender, "1")
    replies = texts(live, sender, count=3)[1:]
    assert any("Step 1 of 3: Select your business." in reply for reply in replies), replies
    assert "1 - Next" in replies[-1]

    # Its choices are numbered too: "1" again is "Next".
    post_sms(live, sender, "1")
    later = texts(live, sender, count=4)[3:]
    assert any("Step 2 of 3" in reply for reply in later), later


def test_a_number_answers_only_the_latest_choices(live):
    sender = new_number()
    post_sms(live, sender, "how do I add a user?")
    texts(live, sender)
    post_sms(live, sender, "2")  # "No, thanks"
    replies = texts(live, sender, count=2)
    assert "Anything else I can help with?" in replies[1]
    # The choices were answered: a "1" now is just text, not "Yes, step by step".
    post_sms(live, sender, "1")
    later = texts(live, sender, count=3)[2:]
    assert not any("Step 1 of 3" in reply for reply in later), later


def test_help_gets_a_short_description_and_the_office_phone(live):
    sender = new_number()
    assert post_sms(live, sender, "HELP").status_code == 204
    [reply] = texts(live, sender)
    assert "CERS help assistant" in reply and PHONE in reply
    assert len(reply) <= 320  # two SMS segments at most


def test_a_long_answer_is_split_at_a_paragraph_with_the_choices_kept_together(live):
    sender = new_number()
    post_sms(live, sender, "how do i create a cers account")
    replies = texts(live, sender, count=2)
    assert len(replies) >= 2, replies
    assert all(len(reply) <= DEFAULT_MAX_CHARS for reply in replies)
    total = len(replies)
    assert [reply.split(" ", 1)[0] for reply in replies] == [f"({k}/{total})" for k in range(1, total + 1)]
    assert replies[0].startswith("(1/") and "To create a CERS account:" in replies[0]
    assert replies[-1].endswith("Reply with a number:\n1 - Yes, step by step\n2 - No, thanks")


def test_replies_are_plain_text(live):
    sender = new_number()
    post_sms(live, sender, "what do cers, cupa and hmbp mean?")
    for reply in texts(live, sender):
        assert "**" not in reply and "](" not in reply and "\u2019" not in reply


def test_did_you_mean_is_numbered_and_something_else_gives_the_phone(live):
    sender = new_number()
    post_sms(live, sender, "something about users i think")
    [answer] = texts(live, sender)
    assert "Did you mean" in answer and "Reply with a number:" in answer
    options = answer.split("Reply with a number:\n", 1)[1].splitlines()
    last = options[-1]
    assert last.endswith("- Something else")
    post_sms(live, sender, last.split(" - ")[0])
    replies = texts(live, sender, count=2)
    assert PHONE in replies[1]


def test_an_emergency_by_sms_gets_911_first(live):
    sender = new_number()
    post_sms(live, sender, "propane tank hissing behind the shop")
    [answer] = texts(live, sender)
    assert answer.startswith("Call 911 now")
