"""Index facilities by name, so the overdue and due-soon lists page by name without sorting them all.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_facilities_name", "facilities", ["name", "cers_id"])


def downgrade() -> None:
    op.drop_index("ix_facilities_name", table_name="facilities")
