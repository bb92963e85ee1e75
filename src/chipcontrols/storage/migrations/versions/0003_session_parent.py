"""Web sessions name the API key they were opened with (revoking the key ends them)

Revision ID: 0003_session_parent
Revises: 0002_company_letters
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_session_parent"
down_revision = "0002_company_letters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("parent_id", sa.String(length=24), nullable=True))
    op.create_index("ix_api_keys_parent_id", "api_keys", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_api_keys_parent_id", table_name="api_keys")
    op.drop_column("api_keys", "parent_id")
