"""Errors the store raises: each carries a message meant to be shown to a user as is."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot be opened or written (bad location, permissions, schema)."""


class CorruptStore(StoreError):
    """The database file is there but SQLite cannot read it (damaged, or not a database)."""


class NoStore(StoreError):
    """Nothing has been recorded at this location yet (and a reader must not create it)."""


class NotFound(LookupError):
    """An id that names nothing in the store."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "not found"


class InvalidInput(ValueError):
    """A value the store refuses (bad metric, unknown sort key, ...)."""
