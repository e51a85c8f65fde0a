"""The one declarative ``Base``, the engine and the session factory.

The database is named by the ``DATABASE_URL`` environment variable, e.g.
``postgresql+psycopg://app:secret@127.0.0.1:5432/app``; without it the backend uses an SQLite
file next to this package. Tests build their own engine with ``make_engine(url)``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DEFAULT_DATABASE_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'demo.sqlite3'}"

# Deterministic constraint names, so that migrations and errors name the same constraint on
# every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def database_url(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def make_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    return create_engine(url or database_url(), echo=echo, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


# Creating an engine does not connect, so importing this module never touches the database.
engine = make_engine()
SessionLocal = make_session_factory(engine)
