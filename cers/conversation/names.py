"""Every intent, action, response, slot, entity, metadata key and outcome name the Python code refers to (actions/, channels/, cers/, scripts): one home, imported, never copied.

domain.yml and data/ declare them for Rasa; a name here that Rasa does not know fails `rasa data
validate`, tests/unit/test_conversation_vocabulary.py, or the tests that run the actions.
"""

from __future__ import annotations

# ---------------------------------------------------------------- languages
ENGLISH = "en"
SPANISH = "es"
LANGUAGES = (ENGLISH, SPANISH)  # each has its texts in cers/templates/<language>/ (English: also domain.yml)
LANGUAGE_NAMES = {ENGLISH: "English", SPANISH: "Spanish"}  # as the office's staff read them

# ---------------------------------------------------------------- intents
UNSURE_INTENT = "nlu_fallback"  # the classifier was not sure: "Did you mean"
NONE_OF_THESE_INTENT = "none_of_these"  # "Something else" after "Did you mean"
UNANSWERED_INTENTS = frozenset({UNSURE_INTENT, NONE_OF_THESE_INTENT})
OUT_OF_SCOPE_INTENT = "out_of_scope"  # a question the bot is not for
ASK_FOR_PERSON_INTENT = "ask_for_human"
EMERGENCY_INTENT = "report_emergency"
CHOOSE_LANGUAGE_INTENT = "choose_language"  # "English" / "en español": answered in that language
AFFIRM_INTENT = "affirm"  # "yes": answers what the bot's last message offered
DENY_INTENT = "deny"
GREET_INTENT = "greet"
GOODBYE_INTENT = "goodbye"
THANK_YOU_INTENT = "thank_you"
BOT_CHALLENGE_INTENT = "bot_challenge"  # "am I talking to a bot?"
ASK_CAPABILITIES_INTENT = "ask_capabilities"  # "what can you do?"
CHECK_STATUS_INTENT = "check_facility_status"  # "am I up to date?": starts the status check
PROVIDE_IDS_INTENT = "provide_facility_ids"
REMINDERS_INTENT = "reminders_subscribe"  # "text me reminders": the status reply's button, or asked in words
# The walkthrough's intents (actions/walkthrough.py turns each into a command of cers/guides/engine.py).
START_WALKTHROUGH_INTENT = "start_walkthrough"  # its buttons carry the guide's id (GUIDE_ENTITY)
NEXT_STEP_INTENT = "next_step"
PREVIOUS_STEP_INTENT = "previous_step"
REPEAT_STEP_INTENT = "repeat_step"
STOP_INTENT = "stop"  # also ends a status check waiting for an answer, or the callback request
RESTART_WALKTHROUGH_INTENT = "restart_walkthrough"
STUCK_INTENT = "stuck"  # "I'm stuck" (in a walkthrough: help with the step; counted before a handoff is offered)
SHOW_ALL_STEPS_INTENT = "show_all_steps"
CONTINUE_WALKTHROUGH_INTENT = "continue_walkthrough"  # resumes a paused guide
# Topics whose answer depends on the office's profile (cers/office_answers.py).
UST_PROGRAM_INTENT = "ust_program"
APSA_PROGRAM_INTENT = "apsa_program"
HAZARDOUS_WASTE_GENERATOR_INTENT = "hazardous_waste_generator"
CALARP_PROGRAM_INTENT = "calarp_program"
FEES_AND_INVOICES_INTENT = "fees_and_invoices"
CLOSE_SELL_MOVE_BUSINESS_INTENT = "close_sell_move_business"

# ---------------------------------------------------------------- actions
SESSION_START_ACTION = "action_session_start"
LISTEN_ACTION = "action_listen"  # Rasa's own: wait for the person's next message
STATUS_ACTION = "action_facility_status"
STOP_STATUS_ACTION = "action_stop_facility_status"  # "stop" while the status check waits
CLOSE_STATUS_ACTION = "action_close_facility_status"  # a walkthrough starts while the check waits: drop it
REMINDERS_SIGNUP_ACTION = "action_reminders_signup"  # signs a number up for reminders (cers/reminders/signup.py)
LIST_OVERDUE_ACTION = "action_list_overdue_facilities"  # staff only
LIST_DUE_SOON_ACTION = "action_list_due_soon_facilities"  # staff only
ANNUAL_DUE_DATE_ACTION = "action_annual_due_date"
OFFICE_TOPIC_ACTION = "action_office_topic"  # a topic answered as the office's profile says
START_WALKTHROUGH_ACTION = "action_start_walkthrough"
WALKTHROUGH_COMMAND_ACTION = "action_walkthrough_command"  # next, back, stop, ... of the open guide
AFFIRM_ACTION = "action_affirm"
OFFER_CONTINUE_ACTION = "action_offer_continue"  # after another answer while a guide is open
EMERGENCY_ACTION = "action_report_emergency"
DID_YOU_MEAN_ACTION = "action_did_you_mean"
ELEMENT_FOLLOW_UP_ACTION = "action_element_follow_up"  # "what about the inventory?" after the elements answer
CONTACT_OFFICE_ACTION = "action_contact_office"  # "talk to a person": the offer of a chat or a callback
START_HANDOFF_ACTION = "action_start_handoff"  # a conversation handed to staff
NONE_OF_THESE_ACTION = "action_none_of_these"
HANDOFF_TIMED_OUT_ACTION = "action_handoff_timed_out"  # run by the Rasa server (channels/handoff.py)
CALLBACK_FORM = "callback_form"  # the callback request: asks for SLOT_CALLBACK_NAME, _CONTACT, _QUESTION
VALIDATE_CALLBACK_FORM_ACTION = "validate_callback_form"  # Rasa runs validate_<form> on each answer
SUBMIT_CALLBACK_ACTION = "action_submit_callback"
STOP_CALLBACK_ACTION = "action_stop_callback"

# ---------------------------------------------------------------- responses (domain.yml)
DEFAULT_RESPONSE = "utter_default"  # "Sorry, I didn't get that"
OUT_OF_SCOPE_RESPONSE = "utter_out_of_scope"
HAZARD_CAUTION_RESPONSE = "utter_hazard_caution"  # "if it is happening now, call 911", before a "not sure"
DID_YOU_MEAN_RESPONSE = "utter_did_you_mean"
NONE_OF_THESE_RESPONSE = "utter_none_of_these"
EMERGENCY_RESPONSE = "utter_report_emergency"
EMERGENCY_BILINGUAL_RESPONSE = "utter_report_emergency_bilingual"  # 911 first in English and Spanish
STATUS_CHECK_RESUME_RESPONSE = "utter_status_check_resume"  # after the emergency answer, if a check waits
SUBMITTAL_ELEMENTS_RESPONSE = "utter_submittal_elements"
ELEMENT_INVENTORY_RESPONSE = "utter_element_inventory"
ELEMENT_PLANS_RESPONSE = "utter_element_plans"
ELEMENT_FACILITY_INFORMATION_RESPONSE = "utter_element_facility_information"
SITE_MAP_RESPONSE = "utter_site_map"
ASK_FOR_PERSON_RESPONSE = "utter_ask_for_human"  # staff channels: the office's contact
# The callback form's first question (Rasa's form asks for each slot with utter_ask_<slot>): sent by
# action_handoff_timed_out, which starts the form itself.
ASK_CALLBACK_NAME_RESPONSE = "utter_ask_callback_name"

# ---------------------------------------------------------------- slots
SLOT_GUIDE_ID = "guide_id"
SLOT_GUIDE_STEP = "guide_step"
SLOT_GUIDE_OPEN = "guide_open"  # true while a walkthrough is open: other answers are followed by an offer to continue
SLOT_GUIDE_PAUSED = "guide_paused"
SLOT_STATUS_OPEN = "status_open"
SLOT_STATUS_CERS_ID = "status_cers_id"  # a CERS ID given but not yet checked with a ZIP
SLOT_STATUS_ZIP = "status_zip"
SLOT_STATUS_FAILURES = "status_failures"  # failed tries in this conversation (public channels)
SLOT_STATUS_CHOICES = "status_choices"  # staff: the CERS IDs of the numbered list last shown
SLOT_CONTACT_REQUEST = "contact_request"
SLOT_LANGUAGE = "language"  # the conversation's language: "en" or "es" (cers/language.py)
SLOT_CALLBACK_NAME = "callback_name"
SLOT_CALLBACK_CONTACT = "callback_contact"
SLOT_CALLBACK_QUESTION = "callback_question"
SLOT_REQUESTED = "requested_slot"  # Rasa's own: the slot an active form asks for next
# The office's details (office.yml), set afresh at each session's start for the responses' {placeholders};
# those that differ by language once more per language after English, named with "_<language>" ("_es").
OFFICE_SLOT_PREFIX = "office_"
SLOT_OFFICE_NAME = "office_name"
SLOT_OFFICE_PHONE = "office_phone"
SLOT_OFFICE_DUE_DATE = "office_due_date"
SLOT_OFFICE_CONTACT = "office_contact"

# ---------------------------------------------------------------- entities
LANGUAGE_ENTITY = "language"  # put on a message whose language is clear; fills SLOT_LANGUAGE
GUIDE_ENTITY = "guide"  # a guide's id, on start_walkthrough's buttons

# ---------------------------------------------------------------- metadata on people's messages
MESSAGE_ID = "message_id"  # the channel's own id for the message: a retry of it gets the same reply
PAGE_LANGUAGE = "page_language"  # the widget's first message: its page's language ("en", "es")
CLIENT = "client"  # set by the REST and widget channels from the connection (never by the client): who checks a status
TEXT_CUT = "text_cut_to"  # set by a channel (never a client) that cut a long message: the length it was cut to

# ---------------------------------------------------------------- metadata on the bot's messages
OFFERS_GUIDE = "offers_guide"  # "yes" starts this guide
RESUMES_GUIDE = "resumes_guide"  # "yes" / "continue" picks up this paused guide
SHOWS_STEP = "shows_step"  # a step of this guide is on screen: "yes" / "ok" means done, next
ASKS = "asks"  # the bot asked a question of this kind ("status": the CERS ID, ZIP or which facility)
REMINDERS_SIGNUP = (
    "reminders_signup"  # a reminders sign-up waits for the answer to this message (signup.Pending.as_dict)
)
STATUS_OUTCOME = "status_outcome"  # how a public status check ended (one of STATUS_RESULTS)
STATUS_FACILITY_ID = "status_facility_id"
STATUS_FACILITY_NAME = "status_facility_name"
OFFERS_CONTACT = "offers_contact"  # "yes" starts this: "handoff" (chat with staff now) or "callback"
HANDOFF_ID = "handoff_id"
STAFF_NAME = "staff_name"

# ---------------------------------------------------------------- metadata on training examples (data/nlu/)
EXAMPLE_LANGUAGE = "language"  # an intent block's `metadata: {language: es}`; none: English

# ---------------------------------------------------------------- outcomes
# How a public status check ended, as the action records it (STATUS_OUTCOME).
SHOWN, NOT_FOUND, LOCKED, BLOCKED, UNAVAILABLE = "shown", "not_found", "locked", "blocked", "unavailable"
STATUS_RESULTS = (SHOWN, NOT_FOUND, LOCKED, BLOCKED, UNAVAILABLE)
MAX_STATUS_FAILURES = 3  # failed tries before the check is refused for the conversation
UPDATE_GUIDE = "update_business_info"  # the guide a shown status offers
