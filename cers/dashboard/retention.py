"""Deletes conversations older than RETENTION_DAYS (365 by default) from the tracker store, logged (`make purge`).

A conversation goes when its last event is older than the retention period: all its events
(message texts included) and its rows in the dashboard's summary tables. Newer conversations,
including newer sessions of the same person, stay. Run it daily (cron, a Kubernetes CronJob):

    make purge                       # RETENTION_DAYS, TRACKER_STORE_URL from the environment
    python -m cers.dashboard.retention --days 30
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from typing import List, Optional

from cers.dashboard.settings import retention_days
from cers.dashboard.summary import SummaryStore
from cers.settings import load_office, tracker_store_url

logger = logging.getLogger("cers.purge")


def purge_handoffs(cutoff: float) -> int:
    """Handoffs and callback requests (facility database) older than the cutoff; 0 if they cannot be reached."""
    from cers.facilities.store import FacilityStore
    from cers.handoffs import HandoffStore

    facilities = FacilityStore()
    try:
        return int(HandoffStore(facilities.engine).purge(dt.datetime.fromtimestamp(cutoff, dt.timezone.utc)))
    except Exception as error:  # the conversations are purged anyway; the next run tries again
        logger.warning("could not purge old handoffs and callback requests: %s", error)
        return 0
    finally:
        facilities.dispose()


def purge(store: SummaryStore, days: int, now: Optional[float] = None) -> dict:
    """Deletes what is older than `days` days; what was deleted (also kept for the dashboard to show)."""
    now = time.time() if now is None else now
    cutoff = now - days * 86400
    started = time.monotonic()
    conversations, events = store.purge(cutoff)
    handoff_rows = purge_handoffs(cutoff)
    done = {
        "at": dt.datetime.fromtimestamp(now, dt.timezone.utc).isoformat(timespec="seconds"),
        "days": days,
        "before": dt.datetime.fromtimestamp(cutoff, dt.timezone.utc).isoformat(timespec="seconds"),
        "conversations": conversations,
        "events": events,
        "handoffs_and_callbacks": handoff_rows,
        "seconds": round(time.monotonic() - started, 2),
    }
    store.record_purge(done)
    logger.info(
        "purged %d conversations (%d events) last active before %s (retention %d days) in %.2f s",
        conversations,
        events,
        done["before"],
        days,
        done["seconds"],
    )
    return done


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="make purge", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=None, help="retention in days (default: RETENTION_DAYS or 365)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    days = args.days if args.days is not None else retention_days()
    if days < 1:
        parser.error("--days must be at least 1")
    store = SummaryStore(tracker_store_url(), load_office().hours)
    try:
        purge(store, days)
    except Exception:
        logger.exception("purge failed: nothing after the last completed batch was deleted")
        return 1
    finally:
        store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
