"""Alembic environment: migrations run on the connection :meth:`Database.migrate` passes in."""

from alembic import context

from visionyard.db.models import Base
from visionyard.db.session import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=True, version_table=VERSION_TABLE
)
with context.begin_transaction():
    context.run_migrations()
