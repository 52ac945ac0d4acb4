"""The office's dashboard without Rasa: figures from the stored conversations, staff accounts, masking, retention.

Modules:
- settings.py   SESSION_SECRET, RETENTION_DAYS (read through cers.settings.env)
- masking.py    phone numbers and e-mail addresses hidden in message texts
- passwords.py  argon2 password hashes, one-time passwords, signed tokens
- accounts.py   staff accounts, sessions and sign-in attempts in DATABASE_URL (`make staff-user`)
- summary.py    summary tables rebuilt from the tracker store's events, and the figures read from them
- exports.py    unsure messages as training-example lines (CSV, YAML)
- retention.py  deletes conversations older than RETENTION_DAYS (`make purge`)
- queue.py      the handoffs to staff and callback requests the bot records, for the dashboard's lists

The Sanic routes are in channels/dashboard.py; the pages and scripts in web/staff/.
"""
