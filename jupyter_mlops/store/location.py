"""Where the store lives: one rule shared by the kernel, the server and the CLI.

Precedence: an explicit value (``--store``, ``start_run(store=...)``) → the environment
variable ``JUPYTER_MLOPS_STORE`` → traitlets config (``MlopsConfig.store``) → a directory
under ``jupyter_data_dir()``. A value is either a directory (SQLite database plus artifact
folder inside it) or an SQLAlchemy URL. Artifacts default to a folder next to the
database and can be moved anywhere fsspec reaches with ``JUPYTER_MLOPS_ARTIFACTS``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .errors import StoreError

STORE_ENV = "JUPYTER_MLOPS_STORE"
ARTIFACTS_ENV = "JUPYTER_MLOPS_ARTIFACTS"
DB_FILENAME = "mlops.db"


@dataclass(frozen=True)
class StoreLocation:
    url: URL
    artifacts: str

    @property
    def kind(self) -> str:
        return self.url.get_backend_name()

    @property
    def sqlite_path(self) -> str | None:
        return self.url.database if self.kind == "sqlite" and self.url.database else None

    def describe(self) -> str:
        """The location for humans and the health endpoint: never a password."""
        if self.sqlite_path:
            directory_store = os.path.basename(self.sqlite_path) == DB_FILENAME
            return os.path.dirname(self.sqlite_path) if directory_store else self.sqlite_path
        return self.url.render_as_string(hide_password=True)


def default_store_dir() -> str:
    from jupyter_core.paths import jupyter_data_dir

    return os.path.join(jupyter_data_dir(), "mlops")


def resolve(
    store: str | None = None,
    artifacts: str | None = None,
    *,
    configured_store: str | None = None,
    configured_artifacts: str | None = None,
) -> StoreLocation:
    value = store or os.environ.get(STORE_ENV) or configured_store or default_store_dir()
    artifacts = artifacts or os.environ.get(ARTIFACTS_ENV) or configured_artifacts
    if "://" not in value:
        directory = os.path.abspath(os.path.expanduser(value))
        url = URL.create("sqlite", database=os.path.join(directory, DB_FILENAME))
        return StoreLocation(url, artifacts or os.path.join(directory, "artifacts"))
    try:
        url = make_url(value)
    except ArgumentError as e:
        raise StoreError(f"malformed store URL {value!r}: {e}") from None
    if not url.database or url.database == ":memory:":
        raise StoreError(f"malformed store URL {value!r}: it names no database")
    if url.get_backend_name() == "sqlite":
        url = url.set(database=os.path.abspath(os.path.expanduser(url.database)))
        default_artifacts = os.path.join(os.path.dirname(url.database), "artifacts")
    else:
        default_artifacts = os.path.join(default_store_dir(), "artifacts")
    return StoreLocation(url, artifacts or default_artifacts)
