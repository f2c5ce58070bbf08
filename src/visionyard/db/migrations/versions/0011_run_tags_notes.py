"""Runs take tags and a note; indexes for finding runs by tag, model and dataset.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("tags", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.create_index("ix_runs_model_created_at_id", ["model", "created_at", "id"])
        batch_op.create_index("ix_runs_dataset_created_at_id", ["dataset", "created_at", "id"])
    op.create_table(
        "run_tags",
        sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("tag", sa.String(64), primary_key=True),
    )
    op.create_index("ix_run_tags_tag_run_id", "run_tags", ["tag", "run_id"])


def downgrade() -> None:
    op.drop_table("run_tags")
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_index("ix_runs_dataset_created_at_id")
        batch_op.drop_index("ix_runs_model_created_at_id")
        batch_op.drop_column("note")
        batch_op.drop_column("tags")
