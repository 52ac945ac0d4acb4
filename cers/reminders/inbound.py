"""A text that is a reminders keyword, answered before the bot sees it (channels/sms.py): STOP and its kin end every reminder to the number at once, START turns them back on, HELP says who sends and how to stop, STATUS gives the status of the facilities the number is signed up for.

STATUS shows a facility's status to the number that was verified for it: the sign-up follows a
status check with the facility's CERS ID and its site's ZIP (facility-status.md, "Who may see
what"), so the public reply is what that number may see, with no contacts or phone numbers on file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

from cers.reminders import texts
from cers.reminders.keywords import Keyword, Kind
from cers.reminders.store import RemindersStore
from cers.status_reply import status_reply

MAX_STATUS_FACILITIES = 3  # a number signed up for more gets these, and the office's phone for the rest


@dataclass(frozen=True)
class KeywordReply:
    text: str
    kind: Kind


def answer(
    keyword: Keyword,
    number: str,
    channel: str,
    store: RemindersStore,
    facilities: Any,
    office: Any,
    now: dt.datetime,
    today: dt.date,
) -> Optional[KeywordReply]:
    """The reply to `keyword` (cers.reminders.keywords.classify of the whole text) from `number`
    (None: the message is for the bot).

    HELP and STATUS from a number that never signed up are the bot's to answer (None), as is any
    message that is more than the keyword ("stop by at 3"). `facilities` has get(cers_id); `now` is
    when it happens (the logs), `today` the date the status is told for (cers.settings.today)."""
    if keyword.kind is Kind.NONE:
        return None
    subscriptions = store.subscriptions(number)
    known = subscriptions[-1].language if subscriptions else None
    language = keyword.reply_language(known)
    if keyword.kind is Kind.OPT_OUT:
        store.opt_out(number, keyword.word, channel, now)
        return KeywordReply(texts.stopped(office, language), keyword.kind)
    if keyword.kind is Kind.OPT_IN:
        text = texts.started(office, language)
        restarted = store.opt_in(number, channel, text, now)
        return KeywordReply(text if restarted else texts.nothing_to_start(office, language), keyword.kind)
    if not subscriptions:
        return None
    if keyword.kind is Kind.HELP:
        return KeywordReply(texts.help_text(office, language), keyword.kind)
    active = [s for s in subscriptions if s.active][:MAX_STATUS_FACILITIES]
    if not active:
        return None
    replies = []
    for subscription in active:
        records = facilities.get(subscription.cers_id)
        if records is not None:
            status = records.evaluate(today, office.annual_due_month, office.annual_due_day)
            replies.append(status_reply(status, staff=False, language=subscription.language or language))
    return KeywordReply("\n\n".join(replies), keyword.kind) if replies else None
