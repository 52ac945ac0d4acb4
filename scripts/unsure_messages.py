"""Lists the messages the bot was not sure about, with its top guesses, from the conversations Rasa already stores (no second copy).

    .venv/bin/python scripts/unsure_messages.py [--since 2027-02-01] [--limit 50] [--json]

Reads the tracker store's events table (TRACKER_STORE_URL, SQLite by default): each user
message whose intent was nlu_fallback ("Did you mean" was offered) and the guesses Rasa recorded
with it. The office's dashboard will show the same list.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cers.conversation.names import UNSURE_INTENT  # noqa: E402
from cers.settings import tracker_store_url  # noqa: E402


def unsure_messages(url: str, since: Optional[dt.datetime] = None, limit: int = 100) -> Iterator[Dict]:
    """The latest unsure messages first: time, conversation, channel, text and top guesses."""
    engine = sa.create_engine(url, future=True)
    events = sa.Table("events", sa.MetaData(), autoload_with=engine)
    query = (
        sa.select(events.c.sender_id, events.c.timestamp, events.c.data)
        .where(events.c.type_name == "user", events.c.intent_name == UNSURE_INTENT)
        .order_by(events.c.timestamp.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(events.c.timestamp >= since.timestamp())
    with engine.connect() as connection:
        for sender, timestamp, data in connection.execute(query):
            event = json.loads(data)
            parse = event.get("parse_data") or {}
            guesses: List[Dict] = [
                {"intent": g.get("name"), "confidence": round(float(g.get("confidence") or 0), 3)}
                for g in parse.get("intent_ranking") or []
                if g.get("name") != UNSURE_INTENT
            ][:3]
            yield {
                "time": dt.datetime.fromtimestamp(timestamp).isoformat(timespec="seconds"),
                "conversation": sender,
                "channel": event.get("input_channel"),
                "text": event.get("text"),
                "guesses": guesses,
            }
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=None, help="tracker store URL (default: TRACKER_STORE_URL)")
    parser.add_argument("--since", type=dt.datetime.fromisoformat, help="only messages since this date")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args()
    try:
        rows = list(unsure_messages(args.url or tracker_store_url(), args.since, args.limit))
    except sa.exc.NoSuchTableError:
        print("No conversations stored yet.")
        return 0
    for row in rows:
        if args.json:
            print(json.dumps(row))
        else:
            guesses = ", ".join(f"{g['intent']} {g['confidence']:.2f}" for g in row["guesses"])
            print(f"{row['time']}  {row['channel'] or '-':8} {row['text']!r}\n    guesses: {guesses}")
    if not rows and not args.json:
        print("No unsure messages.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
