"""Facilities, submittals and changes, with the derived columns the overdue and due-soon lists use.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.create_table(
        "facilities",
        sa.Column("cers_id", sa.String(9), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("street", sa.String(200), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("zip", sa.String(5), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("programs", sa.String(60), nullable=False),
        sa.Column("weakest_on", sa.Date, nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_facilities_weakest_on", "facilities", ["weakest_on"])
    op.create_table(
        "submittals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("cers_id", sa.String(9), sa.ForeignKey("facilities.cers_id", ondelete="CASCADE"), nullable=False),
        sa.Column("element", sa.String(60), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("reviewed_on", sa.Date, nullable=True),
        sa.Column("latest_on", sa.Date, nullable=True),
        sa.Column("correction_due", sa.Date, nullable=True),
    )
    op.create_index("ix_submittals_cers_id", "submittals", ["cers_id"])
    op.create_index("ix_submittals_latest_on", "submittals", ["latest_on"])
    op.create_index("ix_submittals_correction_due", "submittals", ["correction_due"])
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("cers_id", sa.String(9), sa.ForeignKey("facilities.cers_id", ondelete="CASCADE"), nullable=False),
        sa.Column("change", sa.String(100), nullable=False),
        sa.Column("changed_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("met_on", sa.Date, nullable=True),
    )
    op.create_index("ix_changes_cers_id", "changes", ["cers_id"])
    op.create_index("ix_changes_met_on_due_on", "changes", ["met_on", "due_on"])


def downgrade() -> None:
    op.drop_table("changes")
    op.drop_table("submittals")
    op.drop_table("facilities")
    op.drop_table("meta")
