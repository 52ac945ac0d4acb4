"""The reminder job (cers/reminders/job.py) on SQLite with a fake sender and explicit times: each due reminder texted once, never twice on a second run, only 08:00-21:00 office time, one a day per number, skipped once the business has submitted, retries on a temporary error, a permanent one ending the number, a crashed job's claim never resent, and --dry-run sending and recording nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cers.deadlines import Facility, Records, Submittal
from cers.facilities.store import FacilityStore
from cers.reminders import job
from cers.reminders.schedule import ANNUAL, Reminder
from cers.reminders.sender import PermanentError, TemporaryError
from cers.reminders.store import CLAIMED, FAILED, SENT, UNCERTAIN, RemindersStore
from cers.settings import load_office

OFFICE = dataclasses.replace(load_office(), reminder_days=(30, 7, 1), annual_due_month=3, annual_due_day=1)
ZONE = ZoneInfo(OFFICE.hours.time_zone)
TODAY = dt.date(2027, 2, 15)  # the annual due date (March 1) is 14 days away: the 30-day reminder is due
NUMBER, OTHER = "+15305550123", "+15305550199"
DISCLOSURE = "Reminders of CERS deadlines by text."


def office_file_for_tests(folder) -> str:
    """This office's profile (office.yml or OFFICE_FILE) with OFFICE's due date and reminder days, written
    in `folder`: for the job run as a process (scripts/remind.py), which reads the profile from a file."""
    import yaml

    from cers.settings import office_file

    profile = yaml.safe_load(office_file().read_text())
    profile.update(annual_due_month=3, annual_due_day=1, reminder_days=list(OFFICE.reminder_days))
    path = folder / "office.yml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True))
    return str(path)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZONE)


ELEMENTS = ("Facility Information", "Emergency Response and Training Plans", "Hazardous Materials Inventory")


def late(cers_id: str, name: str) -> Records:
    """A facility whose annual update (March 1) is outstanding: every element last submitted before P."""
    return Records(
        Facility(cers_id, name, ("HMBP",)), tuple(Submittal(e, "Accepted", dt.date(2026, 1, 5)) for e in ELEMENTS)
    )


def submitted(records: Records) -> Records:
    """The same facility once it has submitted every required element."""
    return Records(records.facility, tuple(Submittal(e, "Accepted", dt.date(2027, 2, 10)) for e in ELEMENTS))


class FakeRecords:
    """The office's records; `fresh` is what a read at send time returns (an import ran since the batch read)."""

    def __init__(self, *records: Records):
        self.batch = {r.facility.cers_id: r for r in records}
        self.fresh = dict(self.batch)

    def get_many(self, cers_ids):
        return {i: self.batch[i] for i in cers_ids if i in self.batch}

    def get(self, cers_id):
        return self.fresh.get(cers_id)


class FakeSender:
    """Records each text it is asked to send; `failures` are raised first, one per call."""

    def __init__(self, *failures: Exception):
        self.failures = list(failures)
        self.calls: list[tuple[str, str]] = []
        self.sent: list[tuple[str, str]] = []

    def send(self, number: str, text: str) -> str:
        self.calls.append((number, text))
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((number, text))
        return f"SM{len(self.sent):032d}"


@pytest.fixture
def reminders(tmp_path):
    facilities = FacilityStore(f"sqlite:///{tmp_path / 'facilities.db'}")
    facilities.migrate()
    yield RemindersStore(facilities.engine)
    facilities.dispose()


FEED = late("10234567", "Feather River Feed")
DAIRY = late("20234567", "Sutter Dairy")


def run(reminders, records, now, sender=None, **options):
    options.setdefault("dry_run", sender is None)
    return job.run(
        reminders, records, OFFICE, now, sender, pace_seconds=0, backoff_seconds=0, sleep=lambda s: None,
        clock=lambda: 0.0, **options,
    )  # fmt: skip


def test_each_due_reminder_is_texted_once_and_a_second_run_sends_nothing(reminders):
    reminders.subscribe(FEED.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    reminders.subscribe(DAIRY.facility.cers_id, OTHER, "twilio", "es", DISCLOSURE, at(TODAY, 9))
    sender = FakeSender()
    first = run(reminders, FakeRecords(FEED, DAIRY), at(TODAY, 10), sender)
    assert sorted(n for n, _ in sender.sent) == [NUMBER, OTHER]
    texts = dict(sender.sent)
    assert "Feather River Feed" in texts[NUMBER] and "STOP" in texts[NUMBER]
    assert "Sutter Dairy" in texts[OTHER] and "STOP" in texts[OTHER]
    assert texts[OTHER] != texts[NUMBER].replace("Feather River Feed", "Sutter Dairy")  # Spanish, by the consent
    assert first.sent == 2
    # Again the same hour, and the next day (the 30-day reminder is still the one due): nothing more.
    assert run(reminders, FakeRecords(FEED, DAIRY), at(TODAY, 10, 5), sender).sent == 0
    assert run(reminders, FakeRecords(FEED, DAIRY), at(TODAY + dt.timedelta(days=1), 10), sender).sent == 0
    assert len(sender.sent) == 2
    assert [s.status for s in reminders.sends()] == [SENT, SENT] and all(s.provider_id for s in reminders.sends())
    # Once the 7-day offset is reached, its reminder goes out: one more text each.
    assert run(reminders, FakeRecords(FEED, DAIRY), at(dt.date(2027, 2, 22), 10), sender).sent == 2
    assert len(sender.sent) == 4


@pytest.mark.parametrize("hour, minute", [(7, 59), (21, 0), (23, 30), (2, 0)])
def test_nothing_is_sent_outside_eight_to_nine_office_time(reminders, hour, minute):
    reminders.subscribe(FEED.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 7))
    sender = FakeSender()
    result = run(reminders, FakeRecords(FEED), at(TODAY, hour, minute), sender)
    assert sender.calls == [] and reminders.sends() == []
    assert result.outside_hours and "nothing sent" in result.summary()
    # The same moment given in UTC is still judged on the office's clock.
    utc = at(TODAY, hour, minute).astimezone(dt.timezone.utc)
    assert run(reminders, FakeRecords(FEED), utc, sender).sent == 0 and sender.calls == []
    assert run(reminders, FakeRecords(FEED), at(TODAY, 8, 0), sender).sent == 1


def test_a_facility_that_submitted_since_the_records_were_read_is_skipped(reminders):
    reminders.subscribe(FEED.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    records = FakeRecords(FEED)
    records.fresh[FEED.facility.cers_id] = submitted(FEED)  # the re-check at send time sees it
    sender = FakeSender()
    result = run(reminders, records, at(TODAY, 10), sender)
    assert sender.calls == [] and result.skipped == 1 and result.sent == 0
    # Submitted before the run read the records: nothing due at all.
    assert run(reminders, FakeRecords(submitted(FEED)), at(TODAY, 11), sender).nothing_due == 1
    assert sender.calls == []


def test_a_number_gets_at_most_one_text_a_day_even_for_several_facilities(reminders):
    reminders.subscribe(FEED.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    reminders.subscribe(DAIRY.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    sender = FakeSender()
    assert run(reminders, FakeRecords(FEED, DAIRY), at(TODAY, 10), sender).sent == 1
    assert run(reminders, FakeRecords(FEED, DAIRY), at(TODAY, 20, 59), sender).sent == 0
    assert len(sender.sent) == 1
    # The next day, the other facility's reminder.
    assert run(reminders, FakeRecords(FEED, DAIRY), at(TODAY + dt.timedelta(days=1), 10), sender).sent == 1
    names = [("Feather" in text, "Sutter" in text) for _, text in sender.sent]
    assert sorted(names) == [(False, True), (True, False)]


def test_a_temporary_error_is_retried_then_succeeds(reminders):
    reminders.subscribe(FEED.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    sender = FakeSender(TemporaryError("Twilio 503"), TemporaryError("Twilio 503"))
    result = run(reminders, FakeRecords(FEED), at(TODAY, 10), sender, retries=3)
    assert len(sender.calls) == 3 and len(sender.sent) == 1 and result.sent == 1
    (send,) = reminders.sends()
    assert send.status == SENT and send.attempts == 3


def test_a_temporary_error_that_persists_gives_up_after_the_retries(reminders):
    reminders.subscribe(FEED.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    sender = FakeSender(*[TemporaryError("Twilio 503")] * 10)
    result = run(reminders, FakeRecords(FEED), at(TODAY, 10), sender, retries=2)
    assert len(sender.calls) == 3 and sender.sent == [] and result.failed == 1
    assert [s.status for s in reminders.sends()] == [FAILED]


def test_a_permanent_error_ends_the_numbers_subscriptions_and_is_not_retried(reminders):
    reminders.subscribe(FEED.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    reminders.subscribe(DAIRY.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    reminders.subscribe(DAIRY.facility.cers_id, OTHER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    sender = FakeSender(PermanentError("Twilio 400 (error 21614): not a mobile number"))
    result = run(reminders, FakeRecords(FEED, DAIRY), at(TODAY, 10), sender)
    assert [n for n, _ in sender.calls].count(NUMBER) == 1 and result.failed == 1 and result.ended == 2
    assert reminders.active(NUMBER) == [] and len(reminders.active(OTHER)) == 1
    assert [n for n, _ in sender.sent] == [OTHER]
    # Later days: the number is never tried again.
    run(reminders, FakeRecords(FEED, DAIRY), at(TODAY + dt.timedelta(days=8), 10), sender)
    assert [n for n, _ in sender.calls].count(NUMBER) == 1


def test_a_claim_left_by_a_crashed_job_is_never_sent_again(reminders):
    reminders.subscribe(FEED.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    # A job claimed the 30-day reminder at 10:00 and died before the provider answered.
    reminder = Reminder(FEED.facility.cers_id, ANNUAL, dt.date(2027, 3, 1), 30, 14)
    claim = reminders.claim(reminder, NUMBER, TODAY, "the text", "en", at(TODAY, 10))
    assert reminders.send(claim.send_id).status == CLAIMED
    sender = FakeSender()
    # Within the lease, and after it (the next run settles it as uncertain): never sent.
    assert run(reminders, FakeRecords(FEED), at(TODAY, 10, 5), sender).sent == 0
    result = run(reminders, FakeRecords(FEED), at(TODAY, 10) + job.LEASE + dt.timedelta(minutes=1), sender)
    assert result.uncertain == 1 and result.sent == 0
    assert reminders.send(claim.send_id).status == UNCERTAIN
    assert run(reminders, FakeRecords(FEED), at(TODAY + dt.timedelta(days=1), 10), sender).sent == 0
    assert sender.calls == []


def test_dry_run_sends_and_records_nothing_but_shows_what_would_be_sent(reminders):
    reminders.subscribe(FEED.facility.cers_id, NUMBER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    reminders.subscribe(DAIRY.facility.cers_id, OTHER, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    sender = FakeSender()
    result = run(reminders, FakeRecords(FEED, DAIRY), at(TODAY, 10), sender, dry_run=True)
    assert sender.calls == [] and reminders.sends() == []
    assert result.would_send == 2 and "2 would be sent" in result.summary()
    lines = job.preview_lines(result)
    assert len(lines) == 2 and any("Feather River Feed" in line for line in lines)
    assert not any(NUMBER in line for line in lines) and any(NUMBER[-4:] in line for line in lines)  # masked
    # Nothing was used up: the real run still sends both.
    assert run(reminders, FakeRecords(FEED, DAIRY), at(TODAY, 10), sender).sent == 2


def test_progress_is_reported_every_n_numbers(reminders):
    for i in range(5):
        reminders.subscribe(FEED.facility.cers_id, f"+1530555{i:04d}", "twilio", "en", DISCLOSURE, at(TODAY, 9))
    lines: list[str] = []
    run(reminders, FakeRecords(FEED), at(TODAY, 10), FakeSender(), progress=lines.append, progress_every=2, batch=2)
    assert len(lines) == 3 and "5 sent" in lines[-1]
