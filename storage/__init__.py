"""Persistence: SQLAlchemy models and repositories, migrations, state, dedupe and locks."""
