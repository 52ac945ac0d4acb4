"""Every intent, action, slot, metadata key and outcome name that more than one layer refers to (actions/, channels/, the dashboard, scripts): one home, imported, never copied.

domain.yml and data/ declare them for Rasa; a name here that Rasa does not know fails `rasa data
validate` or the tests that run the actions.
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
ASK_FOR_PERSON_INTENT = "ask_for_human"
EMERGENCY_INTENT = "report_emergency"
CHOOSE_LANGUAGE_INTENT = "choose_language"  # "English" / "en español": answered in that language
PROVIDE_IDS_INTENT = "provide_facility_ids"

# ---------------------------------------------------------------- actions
SESSION_START_ACTION = "action_session_start"
STATUS_ACTION = "action_facility_status"
START_HANDOFF_ACTION = "action_start_handoff"  # a conversation handed to staff
OFFICE_TOPIC_ACTION = "action_office_topic"  # a topic answered as the office's profile says

# ---------------------------------------------------------------- slots
SLOT_GUIDE_ID = "guide_id"
SLOT_GUIDE_STEP = "guide_step"
SLOT_GUIDE_OPEN = "guide_open"
SLOT_GUIDE_PAUSED = "guide_paused"
SLOT_STATUS_OPEN = "status_open"
SLOT_STATUS_CERS_ID = "status_cers_id"  # a CERS ID given but not yet checked with a ZIP
SLOT_STATUS_ZIP = "status_zip"
SLOT_STATUS_FAILURES = "status_failures"  # failed tries in this conversation (public channels)
SLOT_STATUS_CHOICES = "status_choices"  # staff: the CERS IDs of the numbered list last shown
SLOT_CONTACT_REQUEST = "contact_request"
SLOT_LANGUAGE = "language"  # the conversation's language: "en" or "es" (cers/language.py)
LANGUAGE_ENTITY = "language"  # put on a message whose language is clear; fills SLOT_LANGUAGE
SLOT_CALLBACK_NAME = "callback_name"
SLOT_CALLBACK_CONTACT = "callback_contact"
SLOT_CALLBACK_QUESTION = "callback_question"

# ---------------------------------------------------------------- metadata on people's messages
PAGE_LANGUAGE = "page_language"  # the widget's first message: its page's language ("en", "es")

# ---------------------------------------------------------------- metadata on the bot's messages
OFFERS_GUIDE = "offers_guide"  # "yes" starts this guide
RESUMES_GUIDE = "resumes_guide"  # "yes" / "continue" picks up this paused guide
SHOWS_STEP = "shows_step"  # a step of this guide is on screen: "yes" / "ok" means done, next
ASKS = "asks"  # the bot asked a question of this kind ("status": the CERS ID, ZIP or which facility)
STATUS_OUTCOME = "status_outcome"  # how a public status check ended (one of STATUS_RESULTS)
STATUS_FACILITY_ID = "status_facility_id"
STATUS_FACILITY_NAME = "status_facility_name"
OFFERS_CONTACT = "offers_contact"  # "yes" starts this: "handoff" (chat with staff now) or "callback"
HANDOFF_ID = "handoff_id"
STAFF_NAME = "staff_name"

# ---------------------------------------------------------------- outcomes
# How a public status check ended, as the action records it (STATUS_OUTCOME).
SHOWN, NOT_FOUND, LOCKED, BLOCKED, UNAVAILABLE = "shown", "not_found", "locked", "blocked", "unavailable"
STATUS_RESULTS = (SHOWN, NOT_FOUND, LOCKED, BLOCKED, UNAVAILABLE)
MAX_STATUS_FAILURES = 3  # failed tries before the check is refused for the conversation
UPDATE_GUIDE = "update_business_info"  # the guide a shown status offers
