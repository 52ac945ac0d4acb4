"""The office's dashboard at /staff/ on the bot's server: Sanic routes over cers/dashboard, brought in by the website channel.

Rasa registers the blueprint of every channel in credentials.yml; WebsiteInput (the widget's
channel, listed there instead of channels.web.WidgetInput) also adds the /staff/ routes to the
server, as channels/web.py adds /widget.js. The dashboard is on when SESSION_SECRET is set
(otherwise /staff/ is 404), and signing in needs a staff account (`make staff-user`).

- Pages: /staff/ (figures, charts with a table behind each, unsure messages, handoffs and
  callbacks), /staff/login, /staff/password; downloads /staff/export?...; static files
  /staff/static/ (the page's script and styles, Chart.js from web/node_modules).
- Sessions: a random token in a cookie (HttpOnly, Secure, SameSite=Lax, Path=/staff) signed with
  SESSION_SECRET; the database keeps its hash (cers/dashboard/accounts.py), so every replica
  knows every session. Every form carries a CSRF token derived from the session (or, for the
  sign-in form, from a short-lived signed cookie); a POST without the right one gets 403.
- Headers: a Content-Security-Policy with no 'unsafe-inline' (no inline scripts or styles,
  no style attributes), nosniff, no framing, no caching of pages.
- The figures come from the tracker store's events through summary tables kept beside them
  (cers/dashboard/summary.py), refreshed in the background every REFRESH_SECONDS and briefly
  before each page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import mimetypes
import re
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic_cors.core import SANIC_CORS_EVALUATED
from sqlalchemy.engine import Engine

from cers.conversation.names import LANGUAGE_NAMES
from cers.dashboard import exports, passwords
from cers.dashboard.accounts import SESSION_LIFETIME, AccountError, AccountStore, StaffUser
from cers.dashboard.masking import mask
from cers.dashboard.queue import StaffQueue, describe_seconds, response_times, staff_queue
from cers.dashboard.settings import retention_days, session_secret
from cers.dashboard.summary import SummaryStore, channel_name
from cers.dates import describe_hours
from cers.handoffs import HandoffStore
from cers.reminders.store import ReminderFigures, RemindersStore
from cers.settings import load_office, tracker_store_url
from cers.topics import topic_titles
from channels.clients import client_of_request
from channels.extensions import server
from channels.handoff import Relay
from channels.web import WidgetInput

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
STAFF_WEB = ROOT / "web" / "staff"
STATIC_FILES = {
    "dashboard.css": STAFF_WEB / "dashboard.css",
    "dashboard.js": STAFF_WEB / "dashboard.js",
    "chart.umd.min.js": ROOT / "web" / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js",
}
PREFIX = "/staff"
SESSION_COOKIE = "cers_staff_session"
LOGIN_COOKIE = "cers_staff_login"  # the sign-in form's CSRF value, before there is a session
REFRESH_SECONDS = 30
PAGE_REFRESH_BUDGET = 0.25  # seconds a page may spend folding in new events before it shows
DEFAULT_DAYS = 30
UNSURE_PAGE = 50
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_INTENT = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


class WebsiteInput(WidgetInput):
    """The website channel: the chat widget (channels/web.py, unchanged) and, with SESSION_SECRET, the staff dashboard.

    Rasa adds routes to its server only through the channels in credentials.yml, and every
    channel listed there must be a conversation channel, public or staff (cers/roles.py, tested):
    the dashboard has no conversations of its own, so it comes with the website's channel, whose
    conversations stay widget conversations ("socketio"). Its blueprint is the widget's plus one
    that adds the /staff/ routes when Rasa registers them."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        widget = super().blueprint(on_new_message)
        secret = session_secret()
        if not secret:
            return widget
        dashboard = server().dashboard
        if dashboard is None:
            return widget
        # A group, which Rasa registers as it does a blueprint (rasa.core.channels.channel.register).
        return Blueprint.group(widget, DashboardBlueprint(dashboard, "cers_staff_dashboard"))  # type: ignore[return-value]


class DashboardBlueprint(Blueprint):
    """No routes of its own under the channel's prefix: adds the dashboard's at /staff/ when registered."""

    def __init__(self, dashboard: "Dashboard", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.dashboard = dashboard

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        self.ctx.dashboard.attach(app)


def _in_dashboard(request: Request) -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


class Dashboard:
    """The routes and the stores they use (one per server process: channels/extensions.py makes it).

    Its summary of the conversations (cers/dashboard/summary.py) is made when the server starts
    (start()), through the tracker store's own engine when there is one."""

    def __init__(
        self,
        secret: str,
        *,
        accounts: AccountStore,
        queue: StaffQueue,
        relay: Optional[Relay] = None,
        tracker_url: Optional[str] = None,
        reminders: Optional[RemindersStore] = None,
    ) -> None:
        self.secret = secret
        self.reminders = reminders  # the reminders' figures (none: bench/bench_dashboard.py)
        self.accounts = accounts
        self.queue = queue
        self.relay = relay  # tells the person when staff mark a callback done (none: bench/bench_dashboard.py)
        self._tracker_url = tracker_url
        self._summary: Optional[SummaryStore] = None
        self.app: Optional[Sanic] = None
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dashboard")
        self.templates = Environment(
            loader=FileSystemLoader(str(STAFF_WEB / "templates")),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["channel_name"] = channel_name
        self.templates.filters["language_name"] = lambda code: LANGUAGE_NAMES.get(code, code)
        self.templates.filters["seconds"] = describe_seconds
        self.templates.filters["office_hours"] = describe_hours  # "Monday to Thursday, 7:30 AM to 3:30 PM"
        self._refresher: Optional[asyncio.Task] = None
        self._static_cache: Dict[str, tuple] = {}

    # ------------------------------------------------------------ wiring

    def attach(self, app: Sanic) -> None:
        self.app = app

        @app.middleware("request")
        async def dashboard_answers_its_own_cors(request: Request) -> None:
            # No cross-origin reads of staff pages, whatever `rasa run --cors` says.
            if _in_dashboard(request):
                setattr(request.ctx, SANIC_CORS_EVALUATED, "1")

        @app.middleware("response")
        async def security_headers(request: Request, reply: HTTPResponse) -> None:
            if _in_dashboard(request):
                for name, value in SECURITY_HEADERS.items():
                    reply.headers.setdefault(name, value)
                reply.headers.setdefault("Cache-Control", "no-store")

        routes: List[Tuple[Callable[..., Any], str, List[str]]] = [
            (self.to_dashboard, PREFIX, ["GET"]),
            (self.page, PREFIX + "/", ["GET"]),
            (self.login_form, PREFIX + "/login", ["GET"]),
            (self.login, PREFIX + "/login", ["POST"]),
            (self.logout, PREFIX + "/logout", ["POST"]),
            (self.password_form, PREFIX + "/password", ["GET"]),
            (self.change_password, PREFIX + "/password", ["POST"]),
            (self.export, PREFIX + "/export", ["GET"]),
            (self.callback_done, PREFIX + "/callbacks/<callback_id>/done", ["POST"]),
            (self.static, PREFIX + "/static/<name>", ["GET"]),
        ]
        for handler, uri, methods in routes:
            app.add_route(
                handler,
                uri,
                methods=methods,
                strict_slashes=True,
                name=f"cers_dashboard_{handler.__name__}_{methods[0].lower()}",
            )

    @classmethod
    def for_server(cls, secret: str, database: Engine, relay: Relay) -> "Dashboard":
        """The Rasa server's dashboard: staff accounts and the staff queue in DATABASE_URL, through its one engine."""
        return cls(
            secret,
            accounts=AccountStore(engine=database),
            queue=staff_queue(HandoffStore(database)),
            relay=relay,
            reminders=RemindersStore(database),
        )

    def start(self, app: Sanic, tracker_engine: Optional[Engine] = None) -> None:
        """The server started: read the conversations through the tracker store's engine (or TRACKER_STORE_URL's), fold in new ones."""
        self.app = self.app or app
        if self._summary is None:
            url = tracker_engine.url.render_as_string(hide_password=False) if tracker_engine is not None else None
            self._summary = SummaryStore(
                url or self._tracker_url or tracker_store_url(), load_office().hours, engine=tracker_engine
            )
        if self._refresher is None:
            self._refresher = asyncio.ensure_future(self._refresh_forever())

    def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None

    async def _refresh_forever(self) -> None:
        while True:
            try:
                await self.run(self.summary().refresh, 10.0, False)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database may be down now and up later
                logger.warning("dashboard summary refresh failed: %s", error)
            await asyncio.sleep(REFRESH_SECONDS)

    async def run(self, function: Callable, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(function, *args, **kwargs))

    def summary(self) -> SummaryStore:
        if self._summary is None:
            raise RuntimeError("the dashboard's summary is made when the server starts (Dashboard.start)")
        return self._summary

    # ------------------------------------------------------------ sessions and forms

    async def user(self, request: Request) -> Optional[StaffUser]:
        token = passwords.unsign(self.secret, request.cookies.get(SESSION_COOKIE))
        if not token:
            return None
        return await self.run(self.accounts.user_for, token)

    def session_token(self, request: Request) -> Optional[str]:
        return passwords.unsign(self.secret, request.cookies.get(SESSION_COOKIE))

    def csrf_for(self, request: Request) -> str:
        return passwords.csrf_token(self.secret, self.session_token(request) or "")

    def csrf_valid(self, request: Request) -> bool:
        return passwords.csrf_ok(self.secret, self.session_token(request), _form(request, "csrf_token"))

    def render(self, template: str, status: int = 200, **values: Any) -> HTTPResponse:
        office = load_office()
        html = self.templates.get_template(template).render(office_name=office.name, prefix=PREFIX, **values)
        return response.html(html, status=status)

    @staticmethod
    def _cookie(reply: HTTPResponse, name: str, value: str, path: str, max_age: int) -> None:
        reply.cookies[name] = value
        cookie = reply.cookies[name]
        cookie["path"] = path
        cookie["max-age"] = max_age
        cookie["httponly"] = True
        cookie["secure"] = True
        cookie["samesite"] = "Lax"

    async def _signed_in(self, request: Request, page: bool = True):
        """(user, None) when signed in (and done with the one-time password); else (None, the reply to send)."""
        try:
            if not await self.run(self.accounts.has_accounts):
                return None, self.render(
                    "message.html",
                    status=404,
                    title="No staff account yet",
                    message="The dashboard has no staff account yet. On the server, run "
                    "`make staff-user NAME=your.name`.",
                )
            user = await self.user(request)
        except Exception as error:
            logger.error("dashboard: staff accounts unavailable: %s", error)
            return None, self.render(
                "message.html",
                status=503,
                title="Dashboard unavailable",
                message="The staff accounts database cannot be reached. Please try again later.",
            )
        if user is None:
            if page:
                return None, response.redirect(PREFIX + "/login", status=303)
            return None, response.text("Sign in at /staff/login first.\n", status=401)
        if user.must_change_password and request.path != PREFIX + "/password":
            return None, response.redirect(PREFIX + "/password", status=303)
        return user, None

    # ------------------------------------------------------------ sign in and out

    async def to_dashboard(self, request: Request) -> HTTPResponse:
        return response.redirect(PREFIX + "/", status=301)

    async def login_form(self, request: Request, error: str = "", status: int = 200, name: str = "") -> HTTPResponse:
        if not await self.run(self.accounts.has_accounts):
            return self.render(
                "message.html",
                status=404,
                title="No staff account yet",
                message="The dashboard has no staff account yet. On the server, run `make staff-user NAME=your.name`.",
            )
        value = passwords.unsign(self.secret, request.cookies.get(LOGIN_COOKIE), "login") or passwords.new_token()
        reply = self.render(
            "login.html",
            status=status,
            error=error,
            name=name,
            csrf_token=passwords.csrf_token(self.secret, "login:" + value),
        )
        self._cookie(reply, LOGIN_COOKIE, passwords.sign(self.secret, value, "login"), PREFIX + "/login", 3600)
        return reply

    async def login(self, request: Request) -> HTTPResponse:
        value = passwords.unsign(self.secret, request.cookies.get(LOGIN_COOKIE), "login")
        if not value or not passwords.csrf_ok(self.secret, "login:" + value, _form(request, "csrf_token")):
            return self.forbidden()
        name = (_form(request, "name") or "").strip()
        # The client behind the office's proxy (TRUSTED_PROXIES), as every limit counts it: counted by
        # the proxy's address, one stranger's failures would refuse every staff member's sign-in.
        address = client_of_request(request) or "unknown"
        result = await self.run(self.accounts.sign_in, name, _form(request, "password") or "", address)
        if result.limited:
            logger.warning("dashboard: sign-in refused for %r from %s: too many failed attempts", name, address)
            return await self.login_form(
                request, status=429, name=name, error="Too many failed sign-ins. Wait 15 minutes, then try again."
            )
        if not result.ok:
            logger.info("dashboard: failed sign-in for %r from %s", name, address)
            return await self.login_form(request, status=401, name=name, error="Wrong name or password.")
        logger.info("dashboard: %s signed in from %s", result.user.name, address)
        target = PREFIX + ("/password" if result.user.must_change_password else "/")
        reply = response.redirect(target, status=303)
        self._cookie(
            reply,
            SESSION_COOKIE,
            passwords.sign(self.secret, result.token),
            PREFIX,
            int(SESSION_LIFETIME.total_seconds()),
        )
        self._cookie(reply, LOGIN_COOKIE, "", PREFIX + "/login", 0)
        return reply

    async def logout(self, request: Request) -> HTTPResponse:
        if not self.csrf_valid(request):
            return self.forbidden()
        await self.run(self.accounts.end_session, self.session_token(request))
        reply = response.redirect(PREFIX + "/login", status=303)
        self._cookie(reply, SESSION_COOKIE, "", PREFIX, 0)
        return reply

    def forbidden(self) -> HTTPResponse:
        return self.render(
            "message.html",
            status=403,
            title="Form expired",
            message="This form was not sent from the dashboard, or it expired. Go back, reload the page and try again.",
        )

    async def password_form(self, request: Request, error: str = "", status: int = 200) -> HTTPResponse:
        user, refusal = await self._signed_in(request)
        if refusal:
            return refusal
        return self.render(
            "password.html",
            status=status,
            user=user,
            error=error,
            csrf_token=self.csrf_for(request),
            min_length=passwords.MIN_PASSWORD_LENGTH,
        )

    async def change_password(self, request: Request) -> HTTPResponse:
        user, refusal = await self._signed_in(request, page=False)
        if refusal:
            return refusal
        if not self.csrf_valid(request):
            return self.forbidden()
        new, again = _form(request, "new_password") or "", _form(request, "new_password_again") or ""
        if new != again:
            return await self.password_form(request, "The two new passwords are not the same.", 400)
        try:
            await self.run(self.accounts.change_password, user, _form(request, "current_password") or "", new)
        except AccountError as error:
            return await self.password_form(request, str(error), 400)
        await self.run(self.accounts.end_other_sessions, user, self.session_token(request))
        logger.info("dashboard: %s changed their password", user.name)
        return response.redirect(PREFIX + "/", status=303)

    # ------------------------------------------------------------ the dashboard

    def _range(self, request: Request):
        """The date range asked for (from, to; office days, inclusive), or the last 30 days; and a problem."""
        today = dt.datetime.now(ZoneInfo(load_office().hours.time_zone)).date()
        start, end, problem = today - dt.timedelta(days=DEFAULT_DAYS - 1), today, ""
        try:
            if request.args.get("from"):
                start = dt.date.fromisoformat(request.args.get("from"))
            if request.args.get("to"):
                end = dt.date.fromisoformat(request.args.get("to"))
        except ValueError:
            start, end = today - dt.timedelta(days=DEFAULT_DAYS - 1), today
            problem = "Dates are like 2026-11-23: showing the last 30 days."
        if end < start:
            start, end = end, start
        if (end - start).days > 3 * 366:
            start, problem = end - dt.timedelta(days=3 * 366), "At most three years at a time."
        return start, end, problem

    async def page(self, request: Request) -> HTTPResponse:
        user, refusal = await self._signed_in(request)
        if refusal:
            return refusal
        start, end, problem = self._range(request)
        before = _int(request.args.get("before"))
        summary = self.summary()
        queue = self.queue
        titles = topic_titles()
        try:
            progress = await self.run(summary.refresh, PAGE_REFRESH_BUDGET, False)
            figures = await self.run(summary.figures, start, end, titles)
            unsure = await self.run(summary.unsure_messages, start, end, before, UNSURE_PAGE + 1)
            last_purge = await self.run(summary.last_purge)
        except Exception as error:
            logger.error("dashboard: conversations unavailable: %s", error)
            return self.render(
                "message.html",
                status=503,
                title="Dashboard unavailable",
                message="The conversations database cannot be reached. Please try again later.",
            )
        handoffs = await self.run(queue.handoffs, start, end)
        callbacks = await self.run(queue.callbacks, start, end)
        open_callbacks = await self.run(queue.open_callbacks)
        reminders = await self.run(self.reminder_figures, start, end) if self.reminders else None
        more = len(unsure) > UNSURE_PAGE
        unsure = unsure[:UNSURE_PAGE]
        range_args = {"from": start.isoformat(), "to": end.isoformat()}
        rows = [
            {
                "event_id": m.event_id,
                "time": m.time,
                "channel": m.channel,
                "language": m.language,
                "text": mask(m.text),
                "guesses": [(intent, titles.get(intent, intent), confidence) for intent, confidence in m.guesses[:3]],
                "suggested": exports.suggested_intent(m, titles),
            }
            for m in unsure
        ]
        return self.render(
            "dashboard.html",
            user=user,
            figures=figures,
            problem=problem,
            progress=progress,
            start=start,
            end=end,
            range_query=urlencode(range_args),
            unsure=rows,
            topics=titles,
            older_query=urlencode({**range_args, "before": unsure[-1].event_id}) if more and unsure else "",
            queue_recorded=queue.recorded,
            handoffs=handoffs,
            callbacks=callbacks,
            open_callbacks=open_callbacks,
            handoff_times=response_times([h.response_seconds for h in handoffs]),
            callback_times=response_times([c.response_seconds for c in callbacks]),
            csrf_token=self.csrf_for(request),
            retention_days=_retention(),
            last_purge=last_purge,
            reminders=reminders,
            hours=load_office().hours,
            mask=mask,
        )

    def reminder_figures(self, start: dt.date, end: dt.date) -> Optional[ReminderFigures]:
        """The reminders' figures for office days start..end (inclusive); None when their tables cannot be read."""
        assert self.reminders is not None
        zone = ZoneInfo(load_office().hours.time_zone)
        low = dt.datetime.combine(start, dt.time(), zone)
        high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
        try:
            return self.reminders.weekly(low, high, zone)
        except Exception as error:  # noqa: BLE001 (the rest of the page still shows)
            logger.error("dashboard: reminders unavailable: %s", error)
            return None

    async def export(self, request: Request) -> HTTPResponse:
        """Unsure messages as training examples: one (?event=ID&intent=...) or all of a range; CSV or YAML."""
        user, refusal = await self._signed_in(request, page=False)
        if refusal:
            return refusal
        kind = request.args.get("format", "csv")
        if kind not in ("csv", "yaml"):
            return response.text("format is csv or yaml\n", status=400)
        titles = topic_titles()
        summary = self.summary()
        event_id = _int(request.args.get("event"))
        chosen: Dict[int, str] = {}
        if event_id is not None:
            message = await self.run(summary.unsure_message, event_id)
            if message is None:
                return response.text("No such unsure message.\n", status=404)
            intent = request.args.get("intent", "")
            if intent:
                if not _INTENT.match(intent) or (intent not in titles and intent not in dict(message.guesses)):
                    return response.text("Unknown intent.\n", status=400)
                chosen[event_id] = intent
            messages = [message]
            filename = f"unsure-{event_id}"
        else:
            start, end, _ = self._range(request)
            await self.run(summary.refresh, PAGE_REFRESH_BUDGET, False)
            messages = await self.run(summary.unsure_messages, start, end, None, 100_000)
            filename = f"unsure-{start.isoformat()}-to-{end.isoformat()}"
        logger.info("dashboard: %s exported %d unsure message(s) as %s", user.name, len(messages), kind)
        if kind == "csv":
            body, content_type = exports.training_csv(messages, titles, chosen), "text/csv; charset=utf-8"
            filename += ".csv"
        else:
            body, content_type = exports.training_yaml(messages, titles, chosen), "application/yaml; charset=utf-8"
            filename += ".yml"
        return response.text(
            body, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )

    async def callback_done(self, request: Request, callback_id: str) -> HTTPResponse:
        user, refusal = await self._signed_in(request, page=False)
        if refusal:
            return refusal
        if not self.csrf_valid(request):
            return self.forbidden()
        if not await self.run(self.queue.mark_done, callback_id, user.name):
            return self.render(
                "message.html",
                status=404,
                title="No such callback request",
                message="That callback request does not exist or is already done.",
            )
        logger.info("dashboard: %s marked callback %s done", user.name, callback_id)
        try:
            if self.relay is not None:
                await self.relay.announce_callback_done(callback_id, user.name)
        except Exception as error:  # done is stored; Slack only hears of it
            logger.warning(
                "dashboard: could not tell the staff channel that callback %s is done: %s", callback_id, error
            )
        return response.redirect(PREFIX + "/#callbacks", status=303)

    async def static(self, request: Request, name: str) -> HTTPResponse:
        path = STATIC_FILES.get(name)
        if path is None or not path.exists():
            return response.text("Not found\n", status=404)
        mtime = path.stat().st_mtime
        cached = self._static_cache.get(name)
        if cached is None or cached[0] != mtime:
            body = path.read_bytes()
            if name.endswith(".min.js"):
                body = re.sub(rb"\n//# sourceMappingURL=\S+\s*$", b"\n", body)
            cached = self._static_cache[name] = (mtime, body)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return response.raw(
            cached[1], content_type=f"{content_type}; charset=utf-8", headers={"Cache-Control": "private, max-age=300"}
        )


def _form(request: Request, name: str) -> Optional[str]:
    try:
        return request.form.get(name)
    except Exception:  # not a form
        return None


def _int(value: Optional[str]) -> Optional[int]:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _retention() -> Optional[int]:
    try:
        return retention_days()
    except Exception:
        return None
