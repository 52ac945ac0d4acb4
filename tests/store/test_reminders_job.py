"""Two reminder jobs at once (cers/reminders/job.py), each with its own engine like two replicas, on SQLite and on PostgreSQL with TEST_POSTGRES_URL: every reminder is texted exactly once between them."""

from __future__ import annotations

import threading

from cers.facilities.store import FacilityStore
from cers.reminders import job
from cers.reminders.store import RemindersStore
from tests.unit.test_reminders_job import DAIRY, DISCLOSURE, FEED, OFFICE, TODAY, FakeRecords, FakeSender, at


def test_two_jobs_started_at_once_send_each_reminder_once(database_url):
    stores = [FacilityStore(database_url, timeout=10.0) for _ in range(2)]
    stores[0].migrate()
    reminders = [RemindersStore(s.engine) for s in stores]
    numbers = [f"+1530555{n:04d}" for n in range(30)]
    for i, number in enumerate(numbers):
        records = FEED if i % 2 else DAIRY
        reminders[0].subscribe(records.facility.cers_id, number, "twilio", "en", DISCLOSURE, at(TODAY, 9))
    senders = [FakeSender(), FakeSender()]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def one_job(index: int) -> None:
        try:
            start.wait()
            job.run(
                reminders[index], FakeRecords(FEED, DAIRY), OFFICE, at(TODAY, 10), senders[index],
                pace_seconds=0, batch=7, clock=lambda: 0.0,
            )  # fmt: skip
        except BaseException as error:  # noqa: BLE001 (reported by the assert below)
            errors.append(error)

    try:
        threads = [threading.Thread(target=one_job, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
        texted = [number for sender in senders for number, _ in sender.sent]
        assert sorted(texted) == numbers  # every number once, none twice
        assert len(reminders[1].sends()) == len(numbers)
    finally:
        for store in stores:
            store.dispose()
