"""Failed public status checks and the locks they cause, counted across conversations (cers/verification.py).

Creates only what is missing, like 0003.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    # Only what is missing: tests wipe the facility tables and migrate again (FacilityStore.drop_schema).
    if not _missing("verification_failures"):
        return
    op.create_table(
        "verification_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_verification_failures_key_at", "verification_failures", ["kind", "key", "at"])
    op.create_table(
        "verification_locks",
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("until", sa.DateTime, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("verification_locks")
    op.drop_index("ix_verification_failures_key_at", table_name="verification_failures")
    op.drop_table("verification_failures")
