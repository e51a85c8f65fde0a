"""Codemods for SQLAlchemy projects."""
