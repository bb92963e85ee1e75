"""Company letters: BIS is-informed letters the user recorded

Revision ID: 0002_company_letters
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_company_letters"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "company_letters",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("effective", sa.String(length=10), nullable=False),
        sa.Column("ends", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.String(length=32), nullable=True),
        sa.Column("revoked_by", sa.String(length=120), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("revoke_audit_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_letters")),
    )
    with op.batch_alter_table("company_letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_company_letters_audit_seq"), ["audit_seq"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("company_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_letters_audit_seq"))
    op.drop_table("company_letters")
