"""Indexes for listing runs newest first, with and without a status filter.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_index("ix_runs_status")
        batch_op.create_index("ix_runs_created_at_id", ["created_at", "id"])
        batch_op.create_index("ix_runs_status_created_at_id", ["status", "created_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_index("ix_runs_status_created_at_id")
        batch_op.drop_index("ix_runs_created_at_id")
        batch_op.create_index("ix_runs_status", ["status"])
