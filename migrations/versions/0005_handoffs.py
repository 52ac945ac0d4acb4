"""Handoffs to staff and callback requests (cers/handoffs.py).

Creates only what is missing, like 0003 and 0004.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing("handoffs"):
        op.create_table(
            "handoffs",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("sender_id", sa.String(255), nullable=False),
            sa.Column("channel", sa.String(20), nullable=False),
            sa.Column("question", sa.Text, nullable=True),
            sa.Column("requested_at", sa.DateTime, nullable=False),
            sa.Column("slack_channel", sa.String(40), nullable=True),
            sa.Column("thread_ts", sa.String(40), nullable=True),
            sa.Column("state", sa.String(12), nullable=False),
            sa.Column("answered_at", sa.DateTime, nullable=True),
            sa.Column("handled_by", sa.String(255), nullable=True),
            sa.Column("last_staff_at", sa.DateTime, nullable=True),
            sa.Column("ended_at", sa.DateTime, nullable=True),
            sa.Column("ended_by", sa.String(255), nullable=True),
        )
        op.create_index("ix_handoffs_sender_state", "handoffs", ["sender_id", "state"])
        op.create_index("ix_handoffs_thread", "handoffs", ["thread_ts"])
        op.create_index("ix_handoffs_state_requested", "handoffs", ["state", "requested_at"])
        op.create_index("ix_handoffs_requested", "handoffs", ["requested_at"])
    if _missing("callback_requests"):
        op.create_table(
            "callback_requests",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("sender_id", sa.String(255), nullable=False),
            sa.Column("channel", sa.String(20), nullable=False),
            sa.Column("requested_at", sa.DateTime, nullable=False),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("contact", sa.String(254), nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("slack_channel", sa.String(40), nullable=True),
            sa.Column("slack_ts", sa.String(40), nullable=True),
            sa.Column("done_at", sa.DateTime, nullable=True),
            sa.Column("done_by", sa.String(255), nullable=True),
        )
        op.create_index("ix_callback_requests_requested", "callback_requests", ["requested_at"])
        op.create_index("ix_callback_requests_done", "callback_requests", ["done_at"])
        op.create_index("ix_callback_requests_thread", "callback_requests", ["slack_ts"])


def downgrade() -> None:
    op.drop_table("callback_requests")
    op.drop_table("handoffs")
