"""Notifications: a run's own targets, and every message to a target with how its delivery went.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from visionyard.db.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("notify", sa.JSON(), nullable=True))
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("event_id", "target"),
    )
    op.create_index("ix_notifications_status_next_at", "notifications", ["status", "next_at"])
    op.create_index("ix_notifications_run_id_id", "notifications", ["run_id", "id"])


def downgrade() -> None:
    op.drop_table("notifications")
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_column("notify")
