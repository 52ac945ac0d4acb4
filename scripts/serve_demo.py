"""Serves web/demo/index.html, a mock county page with the chat widget, for `make run` and the tests.

python scripts/serve_demo.py --port 8080 --bot-url http://localhost:5005
"""

from __future__ import annotations

import argparse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEMO_PAGE = Path(__file__).resolve().parent.parent / "web" / "demo" / "index.html"


def make_handler(bot_url: str):
    class DemoPage(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path.split("?")[0] not in ("/", "/index.html"):
                self.send_error(404)
                return
            body = DEMO_PAGE.read_text(encoding="utf-8").replace("{{BOT_URL}}", bot_url).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
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
