"""The Rasa server process's one setup point: what its channels share (the handoff relay, the rate limiter, the staff dashboard, the replies kept for retries, the facility database's engine) is made here, once, from the settings, and wired to the server when it starts.

Rasa builds the channels itself from credentials.yml, so they cannot be handed anything: the
launcher (channels/serve.py) calls start() before Rasa reads credentials.yml, and each channel's
blueprint() asks server() for what it needs and calls server().attach(blueprint). The first
server-start listener to run (one per process, however many channels) learns the app and the
agent Rasa loaded, then:

- the replies kept for retries (channels/dedup.py): in Redis when the lock store is shared
  (REDIS_URL and a reentrant lock store), else in the process;
- the dashboard reads its summary through the tracker store's own engine when the tracker store
  is an SQL one (one engine per database), and starts folding in new events;
- the relay starts its timeout sweep;
- the garbage collector leaves the loaded model out of its collections (gc.freeze(): the model
  lives as long as the server; each full collection would otherwise scan its ~550,000 objects,
  about 1.8 ms a message on average, measured in pauses of 100+ ms). Rasa loads the model in a
  before-server-start listener of its own, so by the first after-server-start listener it is loaded.

One engine per database: DATABASE_URL's (handoffs, callback requests, staff accounts, the staff
queue) is made here and passed to each; the tracker store's is Rasa's (channels/tracker_store.py).
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING, Any, Optional, Union

from sqlalchemy.engine import Engine

from cers.dashboard.settings import session_secret
from cers.handoffs import HandoffStore
from cers.rate_limits import RateLimiter, limiter_from_settings
from cers.settings import redis_url
from cers.staff_channel import StaffChannel

if TYPE_CHECKING:
    from channels.dashboard import Dashboard
    from channels.dedup import LocalReplies, SharedReplies
    from channels.handoff import Relay

logger = logging.getLogger(__name__)


class ServerExtensions:
    """What one Rasa server process's channels share; made by start()."""

    def __init__(
        self,
        *,
        database: Optional[Engine] = None,
        staff: Optional[StaffChannel] = None,
        limiter: Optional[RateLimiter] = None,
        secret: Optional[str] = None,
    ) -> None:
        from cers.facilities.store import FacilityStore
        from channels.dashboard import Dashboard
        from channels.handoff import Relay

        # Made, not connected: the database may come up later. The SMS channel reads facilities (STATUS).
        self.facilities = FacilityStore(engine=database) if database is not None else FacilityStore()
        self.database = self.facilities.engine
        self.relay: Relay = Relay(HandoffStore(self.database), staff)
        self.limiter = limiter or limiter_from_settings()
        secret = session_secret() if secret is None else secret
        self.dashboard: Optional[Dashboard] = (
            Dashboard.for_server(secret, self.database, self.relay) if secret else None
        )
        self.replies: Union[LocalReplies, SharedReplies, None] = None  # known once the agent is (server start)
        self.app: Any = None
        self._attached: set = set()
        self._started = False

    @property
    def agent(self) -> Any:
        return getattr(getattr(self.app, "ctx", None), "agent", None)

    def attach(self, blueprint: Any) -> Any:
        """Each channel's blueprint: the server's start and stop reach the extensions (once, whichever channels there are)."""
        from channels.security import install

        if id(blueprint) in self._attached:
            return blueprint
        self._attached.add(id(blueprint))

        @blueprint.listener("before_server_start")
        async def before_start(app: Any, _loop: Any) -> None:
            if self.app is None:
                self.app = app
                install(app)  # error pages without traces, before any connection

        @blueprint.listener("after_server_start")
        async def after_start(app: Any, _loop: Any) -> None:
            await self.server_started(app)

        @blueprint.listener("before_server_stop")
        async def before_stop(app: Any, _loop: Any) -> None:
            self.server_stopping()

        return blueprint

    async def server_started(self, app: Any) -> None:
        if self._started:
            return
        self._started = True
        self.app = app
        from channels.dedup import LocalReplies, SharedReplies

        agent = self.agent
        shared = redis_url() and getattr(getattr(agent, "lock_store", None), "reentrant", False)
        self.replies = SharedReplies(redis_url()) if shared else LocalReplies()
        if self.dashboard is not None:
            self.dashboard.start(app, tracker_store_engine(agent))
        self.relay.start(app)
        if agent is not None:
            gc.collect()
            gc.freeze()  # the loaded model is kept for the server's life (see above)

    def server_stopping(self) -> None:
        if not self._started:
            return
        self._started = False
        self.relay.stop()
        if self.dashboard is not None:
            self.dashboard.stop()


def tracker_store_engine(agent: Any) -> Optional[Engine]:
    """The SQL engine of the tracker store the agent writes conversations to (endpoints.yml), inside Rasa's wrappers; None when it is not an SQL store."""
    store = getattr(agent, "tracker_store", None)
    for _ in range(3):
        engine = getattr(store, "engine", None)
        if isinstance(engine, Engine):
            return engine
        store = getattr(store, "_tracker_store", None)
    return None


_server: Optional[ServerExtensions] = None


def start(**made: Any) -> ServerExtensions:
    """Makes this process's extensions from the settings (tests may give their own parts); once per process."""
    global _server
    _server = ServerExtensions(**made)
    return _server


def server() -> ServerExtensions:
    """This process's extensions, made by start()."""
    if _server is None:
        raise RuntimeError(
            "the Rasa server's extensions were not made: run the server with `python -m channels.serve run`"
        )
    return _server
