"""Serves web/demo/index.html, a mock county page with the chat widget, for `make run` and the tests.

python scripts/serve_demo.py --port 8080 --bot-url http://localhost:5005

The page names the office in use (office.yml, or OFFICE_FILE): {{OFFICE_NAME}}, {{OFFICE_PHONE}}.
The page is sent with a strict Content-Security-Policy (no 'unsafe-inline', no framing), as a
county page might have: the one the widget needs (docs/channels.md), built by county_csp().
"""

from __future__ import annotations

import argparse
import html
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cers.settings import load_office  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "web" / "demo"
FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    # The same page in Spanish (<html lang="es">): the widget starts in Spanish.
    "/es.html": ("es.html", "text/html; charset=utf-8"),
    "/demo.css": ("demo.css", "text/css; charset=utf-8"),
}


def county_csp(bot_url: str) -> str:
    """A strict Content-Security-Policy for a page that embeds the widget of the bot at bot_url."""
    parsed = urlparse(bot_url)
    bot = f"{parsed.scheme}://{parsed.netloc}"
    socket = ("wss" if parsed.scheme == "https" else "ws") + f"://{parsed.netloc}"
    return (
        f"default-src 'none'; script-src {bot}; style-src 'self' {bot}; connect-src {bot} {socket}; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def page_text(name: str, bot_url: str) -> str:
    """A demo file with the bot's URL and the office's name and phone filled in."""
    office = load_office()
    text = (DEMO / name).read_text(encoding="utf-8")
    for placeholder, value in (("BOT_URL", bot_url), ("OFFICE_NAME", office.name), ("OFFICE_PHONE", office.phone)):
        text = text.replace("{{" + placeholder + "}}", html.escape(value))
    return text


def make_handler(bot_url: str):
    policy = county_csp(bot_url)

    class DemoPage(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            found = FILES.get(self.path.split("?")[0])
            if not found:
                self.send_error(404)
                return
            name, content_type = found
            body = page_text(name, bot_url).encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", policy)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet
            pass

    return DemoPage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--bot-url", default="http://localhost:5005")
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.bot_url.rstrip("/")))
    server.serve_forever()


if __name__ == "__main__":
    main()
