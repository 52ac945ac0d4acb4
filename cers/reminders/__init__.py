"""Deadline reminders by text for businesses that asked for them (issue 21): the schedule, the texts, the keywords, the store and the job; no Rasa."""
