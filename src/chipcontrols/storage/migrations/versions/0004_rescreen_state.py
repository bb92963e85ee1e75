"""Re-screening state: the snapshots each re-screening used, and per party what its last full
screening found (an incremental re-screening reads both)

Revision ID: 0004_rescreen_state
Revises: 0003_session_parent
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_rescreen_state"
down_revision = "0003_session_parent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rescreen_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rescreen_runs")),
    )
    op.create_table(
        "rescreen_parties",
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key_sha256", name=op.f("pk_rescreen_parties")),
    )


def downgrade() -> None:
    op.drop_table("rescreen_parties")
    op.drop_table("rescreen_runs")
