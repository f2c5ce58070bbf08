"""Sweeps, runs as their trials, notifications of sweeps, and jobs of no run (config suggestions).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from visionyard.db.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("space", sa.JSON(), nullable=False),
        sa.Column("objective", sa.JSON(), nullable=False),
        sa.Column("n_trials", sa.Integer(), nullable=False),
        sa.Column("parallelism", sa.Integer(), nullable=False),
        sa.Column("timeout_s", sa.Double(), nullable=True),
        sa.Column("sampler", sa.String(16), nullable=False),
        sa.Column("pruner", sa.JSON(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("notify", sa.JSON(), nullable=True),
        sa.Column("best_value", sa.Double(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("driver", sa.String(255), nullable=True),
        sa.Column("driver_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("tracking_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sweeps_created_at_id", "sweeps", ["created_at", "id"])
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("sweep_id", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("trial_number", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_runs_sweep_id", "sweeps", ["sweep_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_runs_sweep_id_trial_number", ["sweep_id", "trial_number"], unique=True)
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.alter_column("run_id", existing_type=sa.String(64), nullable=True)
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.alter_column("run_id", existing_type=sa.String(64), nullable=True)
        batch_op.add_column(sa.Column("sweep_id", sa.String(64), nullable=True))
        batch_op.create_foreign_key("fk_notifications_sweep_id", "sweeps", ["sweep_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index("ix_notifications_sweep_id_id", ["sweep_id", "id"])


def downgrade() -> None:
    op.execute("DELETE FROM jobs WHERE run_id IS NULL")
    with op.batch_alter_table("jobs") as batch_op:
        batch_op.alter_column("run_id", existing_type=sa.String(64), nullable=False)
    op.execute("DELETE FROM notifications WHERE run_id IS NULL")
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_index("ix_notifications_sweep_id_id")
        batch_op.drop_constraint("fk_notifications_sweep_id", type_="foreignkey")
        batch_op.drop_column("sweep_id")
        batch_op.alter_column("run_id", existing_type=sa.String(64), nullable=False)
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_index("ix_runs_sweep_id_trial_number")
        batch_op.drop_constraint("fk_runs_sweep_id", type_="foreignkey")
        batch_op.drop_column("trial_number")
        batch_op.drop_column("sweep_id")
    op.drop_index("ix_sweeps_created_at_id", "sweeps")
    op.drop_table("sweeps")
