"""Hardened responses of the Rasa server: the request size limit, security headers on every response, CORS narrowed to WIDGET_ALLOWED_ORIGINS, error pages without stack traces.

`install(app)` runs once per server: when the widget channel registers its routes
(channels/web.py), or before the server starts for the REST channel (`secured(blueprint)`); Rasa
offers no other hook into the Sanic app it makes.

- Request bodies over REQUEST_MAX_BYTES (64 KB) get 413 before they are read or parsed (Sanic's
  REQUEST_MAX_SIZE; the widget's socket.io server has the same max_http_buffer_size).
- Every response carries X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer, and,
  except the staff dashboard's pages (which send their own, channels/dashboard.py), a
  Content-Security-Policy that allows nothing and no framing: the server sends JSON, a script
  and socket.io, never a page that needs more.
- Errors: the default Sanic error page shows a stack trace only in debug mode, which `rasa run`
  never turns on; `install` makes sure of it, and unexpected errors get a plain 500.
- CORS: `rasa run --cors "*"` (scripts/run.sh, the cluster) is narrowed to WIDGET_ALLOWED_ORIGINS
  when that is set, by the launcher (channels/serve.py, `cors_arguments`).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Sequence
from urllib.parse import urlparse

from sanic import Blueprint, Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from cers.settings import env, widget_allowed_origins

logger = logging.getLogger(__name__)

REQUEST_MAX_BYTES = 64 * 1024
STAFF_PAGES = "/staff"  # channels/dashboard.py: pages with their own Content-Security-Policy
HEADERS: Dict[str, str] = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def allowed_origins() -> Optional[List[str]]:
    """WIDGET_ALLOWED_ORIGINS as a list of origins; None when any origin is allowed ("*", the default)."""
    value = widget_allowed_origins()
    origins = [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
    return None if not origins or "*" in origins else origins


def cors_arguments(argv: Sequence[str], origins: Optional[List[str]]) -> List[str]:
    """`rasa run` arguments with the origins after --cors replaced by `origins` (unchanged when None)."""
    args = list(argv)
    if origins is None or "--cors" not in args:
        return args
    start = args.index("--cors") + 1
    end = start
    while end < len(args) and not args[end].startswith("-"):
        end += 1
    return args[:start] + list(origins) + args[end:]


def public_origin_warning() -> str:
    """A warning for `make run` when any site may use the widget of a bot with a public address; "" otherwise."""
    base = env("PUBLIC_BASE_URL")
    host = (urlparse(base).hostname or "") if base else ""
    if not host or host in ("localhost", "127.0.0.1", "::1") or allowed_origins() is not None:
        return ""
    return (
        "warning: WIDGET_ALLOWED_ORIGINS is * while the bot is public at "
        f"{base}: any web site can run the widget and call the REST webhook from its visitors' "
        "browsers. Set WIDGET_ALLOWED_ORIGINS to the county's site(s) (docs/channels.md)."
    )


def install(app: Sanic) -> None:
    """The size limit, the headers and the error handler, once per app."""
    if getattr(app.ctx, "cers_security", False):
        return
    app.ctx.cers_security = True
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_BYTES

    @app.middleware("response")
    async def security_headers(request: Request, reply: HTTPResponse) -> None:
        for name, value in HEADERS.items():
            reply.headers.setdefault(name, value)
        path = request.path or ""
        if not (path == STAFF_PAGES or path.startswith(STAFF_PAGES + "/")):
            reply.headers.setdefault("Content-Security-Policy", API_CSP)

    def without_trace(request: Request, error: Exception) -> HTTPResponse:
        if isinstance(error, SanicException):
            status = getattr(error, "status_code", 500) or 500
            message = str(error) if status < 500 else "The server could not answer this request."
            headers = getattr(error, "headers", None) or {}
            return response.json({"error": message}, status=status, headers=headers)
        logger.error(f"{request.method} {request.path}: {type(error).__name__}: {error}", exc_info=error)
        return response.json({"error": "The server could not answer this request."}, status=500)

    app.error_handler.add(Exception, without_trace)


def secured(blueprint: Blueprint) -> Blueprint:
    """The blueprint, installing the above on its app before the server starts (connections come later)."""

    @blueprint.listener("before_server_start")
    async def install_on_start(app: Sanic, _loop: Any) -> None:
        install(app)

    return blueprint
