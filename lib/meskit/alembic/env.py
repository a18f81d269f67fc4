"""Alembic environment shared by every service; versions come from the service's folder."""
from alembic import context
from sqlalchemy import create_engine, pool

url = context.config.attributes["database_url"]
engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
