"""Model registry (trained models, versions, aliases and their history), tracking mirror cursor,
and the run columns they need (base version, dataset fingerprint, MLflow run id).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from visionyard.db.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("base_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dataset_fingerprint", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("tracking_id", sa.String(length=64), nullable=True))
    op.create_table(
        "trained_models",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("task", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "model_versions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("model_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("checkpoint", sa.String(length=255), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("classes", sa.JSON(), nullable=False),
        sa.Column("dataset", sa.String(length=200), nullable=False),
        sa.Column("dataset_fingerprint", sa.String(length=80), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("tracking_version", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["model_id"], ["trained_models.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_id", "version"),
    )
    op.create_index("ix_model_versions_run_id", "model_versions", ["run_id"])
    op.create_table(
        "model_aliases",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("model_id", ID, nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("version_id", ID, nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["trained_models.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["model_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_id", "alias"),
    )
    op.create_table(
        "alias_changes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("model_id", ID, nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=True),
        sa.Column("to_version", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["trained_models.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alias_changes_model_id_id", "alias_changes", ["model_id", "id"])
    op.create_table(
        "cursors",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("cursors")
    op.drop_index("ix_alias_changes_model_id_id", table_name="alias_changes")
    op.drop_table("alias_changes")
    op.drop_table("model_aliases")
    op.drop_index("ix_model_versions_run_id", table_name="model_versions")
    op.drop_table("model_versions")
    op.drop_table("trained_models")
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_column("tracking_id")
        batch_op.drop_column("dataset_fingerprint")
        batch_op.drop_column("base_version_id")
