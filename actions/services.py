"""What the action server holds for its whole life, made once at start-up (actions/serve.py): the facility store and the threads it runs on."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional, TypeVar

from cers.facilities.store import FacilityStore, StoreUnavailable
from cers.handoffs import HandoffStore
from cers.settings import redis_url
from cers.staff_channel import StaffChannel
from cers.verification import Ledger, RedisLedger, SqlLedger, Verification, limits_from_settings

logger = logging.getLogger(__name__)
T = TypeVar("T")

# The answer must come within 3 seconds of the message; NLU and the round trips need some of
# that, so a store call gets 2 (the store itself gives up after 1.5 s: this is the backstop).
STORE_DEADLINE_SECONDS = 2.0


class LookupFailed(Exception):
    """The database is down, slow or broken: say so and give the office's phone number."""


def make_ledger(store: FacilityStore) -> Ledger:
    """Failed status checks are counted in Redis when replicas share one (REDIS_URL), else in the database."""
    limits = limits_from_settings()
    url = redis_url()
    if url:
        return RedisLedger(url, limits)
    return SqlLedger(store.engine, limits)


class Services:
    """The facility store, the status-check limits, handoffs and callback requests (in the same database),
    the staff channel on Slack, and the worker threads their synchronous calls run on."""

    def __init__(
        self,
        store: FacilityStore,
        workers: int = 4,
        owns_store: bool = True,
        verification: Optional[Verification] = None,
        staff_channel: Optional[StaffChannel] = None,
    ):
        self.store = store
        self.owns_store = owns_store  # a store handed in (tests) is its giver's to close
        self.verification = verification or Verification(make_ledger(store))
        self.handoffs = HandoffStore(store.engine)
        self.staff_channel = staff_channel or StaffChannel.from_settings()
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="facility-store")

    def warm_up(self) -> None:
        """Build the fuzzy name index in the background, so the first staff search does not wait for it."""
        self.executor.submit(self._warm)

    def _warm(self) -> None:
        try:
            self.store.warm_search_index()
        except Exception as error:  # a database that is down now may be up for the next lookup
            logger.warning("could not build the facility search index yet: %s", error)

    async def ask_store(self, question: Callable[[FacilityStore], T]) -> T:
        """question(store) on a worker thread, within STORE_DEADLINE_SECONDS; LookupFailed otherwise."""
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self.executor, question, self.store), STORE_DEADLINE_SECONDS
            )
        except asyncio.TimeoutError:
            logger.warning("facility database: no answer within %s s", STORE_DEADLINE_SECONDS)
            raise LookupFailed("timeout") from None
        except StoreUnavailable as error:
            raise LookupFailed(str(error)) from error
        except Exception as error:  # nothing about the database may crash the conversation
            logger.exception("facility database lookup failed")
            raise LookupFailed(str(error)) from error

    async def run(self, work: Callable[[], T]) -> T:
        """Blocking work (the limits' ledger) on a worker thread, within the same deadline; LookupFailed otherwise."""
        return await self.ask_store(lambda _store: work())

    async def notify_staff(self, text: str) -> None:
        """Post to the office's staff channel on Slack (SLACK_HANDOFF_CHANNEL), when Slack is on; never fails the turn."""
        await self.staff_channel.post(text)

    def close(self) -> None:
        self.executor.shutdown(wait=False)
        if self.owns_store:
            self.store.dispose()


_started: Optional[Services] = None


def start(
    store: Optional[FacilityStore] = None,
    verification: Optional[Verification] = None,
    staff_channel: Optional[StaffChannel] = None,
) -> Services:
    """Make this process's services (DATABASE_URL's store unless one is given); tests give their own."""
    global _started
    if _started is not None:
        _started.close()
    _started = Services(
        store or FacilityStore(), owns_store=store is None, verification=verification, staff_channel=staff_channel
    )
    _started.warm_up()
    return _started


def services() -> Services:
    """The services made at start-up."""
    if _started is None:
        raise RuntimeError("the action server's services were not started: run it with `python -m actions.serve`")
    return _started
