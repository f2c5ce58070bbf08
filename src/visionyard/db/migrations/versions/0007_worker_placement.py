"""Runs record the executor they ask for and where their last attempt's worker ran: the executor, its
node and the executor's id.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.add_column(sa.Column("requested_executor", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("executor", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("worker_node", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("worker_ref", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch_op:
        batch_op.drop_column("worker_ref")
        batch_op.drop_column("worker_node")
        batch_op.drop_column("executor")
        batch_op.drop_column("requested_executor")
