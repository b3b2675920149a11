"""Alembic migrations of the domain's storage."""
