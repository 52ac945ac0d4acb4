"""Staff accounts, their sessions and sign-in attempts, for the office's dashboard (cers/dashboard/accounts.py).

Creates only what is missing: tests and benchmarks wipe the facility tables with
FacilityStore.drop_schema(), which leaves these tables in place.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing("staff_users"):
        op.create_table(
            "staff_users",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", sa.String(80), nullable=False, unique=True),
            sa.Column("password_hash", sa.String(255), nullable=False),
            sa.Column("must_change_password", sa.Boolean, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("password_changed_at", sa.DateTime, nullable=False),
        )
    if _missing("staff_sessions"):
        op.create_table(
            "staff_sessions",
            sa.Column("token_hash", sa.String(64), primary_key=True),
            sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("last_seen_at", sa.DateTime, nullable=False),
            sa.Column("expires_at", sa.DateTime, nullable=False),
        )
        op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"])
    if _missing("staff_sign_in_attempts"):
        op.create_table(
            "staff_sign_in_attempts",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("name", sa.String(80), nullable=False),
            sa.Column("address", sa.String(64), nullable=False),
            sa.Column("at", sa.DateTime, nullable=False),
            sa.Column("succeeded", sa.Boolean, nullable=False),
        )
        op.create_index("ix_staff_sign_in_attempts_name_at", "staff_sign_in_attempts", ["name", "at"])
        op.create_index("ix_staff_sign_in_attempts_address_at", "staff_sign_in_attempts", ["address", "at"])


def downgrade() -> None:
    op.drop_table("staff_sign_in_attempts")
    op.drop_table("staff_sessions")
    op.drop_table("staff_users")
