"""Texts the deadline reminders due now (issue 21's job, run by `make remind` and a cron line): a thin command line over cers/reminders/job.py.

    .venv/bin/python scripts/remind.py [--dry-run] [--now 2026-11-23T10:30] [--progress-every 1000]

Reads the facility records and the subscriptions from DATABASE_URL, the office from office.yml,
and sends through Twilio (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER; not needed with
--dry-run, which prints each text that would go out, to a masked number, and records nothing).
--now is office time (CERS_NOW's format; CERS_NOW itself is used when --now is not given).
Progress lines and the summary go to stderr; exit 1 on a setting that cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cers import settings  # noqa: E402
from cers.facilities.store import FacilityStore, StoreUnavailable  # noqa: E402
from cers.reminders import job  # noqa: E402
from cers.reminders.sender import ConfigurationError, Sender, TwilioSender  # noqa: E402
from cers.reminders.store import RemindersStore  # noqa: E402


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Text the deadline reminders due now.")
    parser.add_argument("--dry-run", action="store_true", help="print what would be sent; send and record nothing")
    parser.add_argument("--now", help="the time to run at, office time, like 2026-11-23T10:30 (for testing)")
    parser.add_argument("--progress-every", type=int, default=1000, metavar="N", help="a progress line every N numbers")
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    try:
        office = settings.load_office()
        now = settings.office_moment(args.now, "--now") if args.now else settings.now()
        sender: Optional[Sender] = None if args.dry_run else TwilioSender.from_env()
    except settings.SettingsError as error:
        say(f"remind: {error}")
        return 1
    facilities = FacilityStore(settings.database_url())
    try:
        facilities.ensure_schema()
        result = job.run(
            RemindersStore(facilities.engine),
            facilities,
            office,
            now,
            sender,
            dry_run=args.dry_run,
            progress=say,
            progress_every=max(1, args.progress_every),
        )
    except ConfigurationError as error:
        say(f"remind: Twilio refused our account or sending number, stopped (check TWILIO_*): {error}")
        return 1
    except StoreUnavailable as error:
        say(f"remind: the database is not ready ({settings.database_url().split('@')[-1]}): {error}")
        return 1
    finally:
        facilities.dispose()
    for line in job.preview_lines(result):
        print(line)
    say(f"remind ({now:%Y-%m-%d %H:%M} office time): {result.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
