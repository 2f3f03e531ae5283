"""Bring a store's schema to the version this code knows, or refuse a newer one.

The fast path (schema current) is one query and does not import Alembic. Upgrades run
inside a write transaction so processes opening a new store at the same moment do not race
to create it.
"""

from __future__ import annotations

import os

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from .db import Database
from .errors import StoreError
from .schema import SCHEMA_VERSION

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def known_revisions() -> list[str]:
    names = os.listdir(os.path.join(MIGRATIONS, "versions"))
    return sorted(n.split("_", 1)[0] for n in names if n[:4].isdigit() and n.endswith(".py"))


def ensure_schema(db: Database) -> None:
    with db.read() as conn:
        if current_revision(conn) == SCHEMA_VERSION:
            return
    db.transact(_upgrade)


def _upgrade(conn: Connection) -> None:
    revision = current_revision(conn)
    if revision == SCHEMA_VERSION:
        return
    if revision is not None and revision not in known_revisions():
        raise StoreError(
            f"this store was written by a newer jupyter_mlops (schema {revision}; this "
            f"version knows up to {SCHEMA_VERSION}): upgrade jupyter_mlops to open it"
        )
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
