"""Deadline reminders by text (cers/reminders/store.py): subscriptions, consents, confirmation codes, sends claimed before sending, and the opt-out log.

Creates only what is missing, like 0003 to 0005.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing("reminder_subscriptions"):
        op.create_table(
            "reminder_subscriptions",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("cers_id", sa.String(9), nullable=False),
            sa.Column("number", sa.String(16), nullable=False),
            sa.Column("channel", sa.String(20), nullable=False),
            sa.Column("language", sa.String(5), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("active", sa.Boolean, nullable=False),
            sa.Column("ended_at", sa.DateTime, nullable=True),
            sa.Column("ended_reason", sa.String(40), nullable=True),
            sa.UniqueConstraint("cers_id", "number", name="uq_reminder_subscriptions_facility_number"),
        )
        op.create_index("ix_reminder_subscriptions_number", "reminder_subscriptions", ["number"])
        op.create_index("ix_reminder_subscriptions_active_number", "reminder_subscriptions", ["active", "number"])
    if _missing("reminder_consents"):
        op.create_table(
            "reminder_consents",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("cers_id", sa.String(9), nullable=False),
            sa.Column("number", sa.String(16), nullable=False),
            sa.Column("given_at", sa.DateTime, nullable=False),
            sa.Column("channel", sa.String(20), nullable=False),
            sa.Column("language", sa.String(5), nullable=False),
            sa.Column("disclosure", sa.Text, nullable=False),
        )
        op.create_index("ix_reminder_consents_number", "reminder_consents", ["number"])
        op.create_index("ix_reminder_consents_given_at", "reminder_consents", ["given_at"])
    if _missing("reminder_codes"):
        op.create_table(
            "reminder_codes",
            sa.Column("number", sa.String(16), primary_key=True),
            sa.Column("cers_id", sa.String(9), nullable=False),
            sa.Column("language", sa.String(5), nullable=False),
            sa.Column("channel", sa.String(20), nullable=False),
            sa.Column("code_hash", sa.String(100), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("expires_at", sa.DateTime, nullable=False),
            sa.Column("tries", sa.Integer, nullable=False),
        )
    if _missing("reminder_sends"):
        op.create_table(
            "reminder_sends",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("cers_id", sa.String(9), nullable=False),
            sa.Column("kind", sa.String(12), nullable=False),
            sa.Column("deadline", sa.Date, nullable=False),
            sa.Column("days_before", sa.Integer, nullable=False),
            sa.Column("number", sa.String(16), nullable=False),
            sa.Column("subscription_id", sa.Integer, nullable=True),
            sa.Column("language", sa.String(5), nullable=False),
            sa.Column("status", sa.String(10), nullable=False),
            sa.Column("day", sa.Date, nullable=True),
            sa.Column("claimed_at", sa.DateTime, nullable=False),
            sa.Column("sent_at", sa.DateTime, nullable=True),
            sa.Column("finished_at", sa.DateTime, nullable=True),
            sa.Column("provider_id", sa.String(64), nullable=True),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("error", sa.Text, nullable=True),
            sa.Column("text", sa.Text, nullable=False),
            # Each reminder to each number once; one text a day per number (day is NULL once skipped).
            sa.UniqueConstraint(
                "cers_id", "kind", "deadline", "days_before", "number", name="uq_reminder_sends_key"
            ),
            sa.UniqueConstraint("number", "day", name="uq_reminder_sends_number_day"),
        )
        op.create_index("ix_reminder_sends_status_claimed", "reminder_sends", ["status", "claimed_at"])
        op.create_index("ix_reminder_sends_claimed", "reminder_sends", ["claimed_at"])
    if _missing("reminder_opt_outs"):
        op.create_table(
            "reminder_opt_outs",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("number", sa.String(16), nullable=False),
            sa.Column("keyword", sa.String(40), nullable=False),
            sa.Column("channel", sa.String(20), nullable=False),
            sa.Column("at", sa.DateTime, nullable=False),
            sa.Column("cers_id", sa.String(9), nullable=True),
            sa.Column("ended", sa.Integer, nullable=False),
        )
        op.create_index("ix_reminder_opt_outs_number", "reminder_opt_outs", ["number"])
        op.create_index("ix_reminder_opt_outs_at", "reminder_opt_outs", ["at"])


def downgrade() -> None:
    for table in ("reminder_opt_outs", "reminder_sends", "reminder_codes", "reminder_consents", "reminder_subscriptions"):
        op.drop_table(table)
