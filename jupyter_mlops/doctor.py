"""``jupyter mlops doctor``: is everything in place, and if not, how to fix it."""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version
from typing import Any

KEY_PACKAGES = ("jupyter_mlops", "jupyterlab", "jupyter_server", "ipython", "ipywidgets",
                "pandas", "numpy", "matplotlib", "sqlalchemy", "alembic", "xxhash", "fsspec")


def _check(name: str, ok: bool, detail: str, fix: str = "") -> dict[str, Any]:
    return {"check": name, "ok": ok, "detail": detail, "fix": fix}


def server_extension() -> dict[str, Any]:
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager

    enabled = ExtensionConfigManager(read_config_path=jupyter_config_path()).enabled(
        "jupyter_mlops")
    return _check("server extension", enabled, "enabled" if enabled else "not enabled",
                  "jupyter server extension enable --sys-prefix jupyter_mlops")


def labextension() -> dict[str, Any]:
    from jupyter_core.paths import jupyter_path

    for directory in jupyter_path("labextensions"):
        if os.path.isfile(os.path.join(directory, "jupyter-mlops", "package.json")):
            return _check("labextension", True, f"installed in {directory}")
    return _check("labextension", False, "jupyter-mlops not found in any labextensions folder",
                  "reinstall: pip install --force-reinstall jupyter_mlops")


POSTGRES_EXTRA = 'pip install "jupyter_mlops[postgresql]"'


def database_driver(location: Any) -> dict[str, Any] | None:
    """A failed check when the store's database driver is not installed, else None. The
    ``postgresql`` extra brings psycopg 3, which SQLAlchemy uses for ``postgresql+psycopg://``
    (a bare ``postgresql://`` means psycopg2)."""
    url = location.url
    if location.kind == "sqlite":
        return None
    try:
        url.get_dialect().import_dbapi()
    except ImportError as e:
        driver = url.get_driver_name()
        if location.kind != "postgresql":
            fix = f"install the {driver} driver"
        elif driver == "psycopg":
            fix = POSTGRES_EXTRA
        else:
            fix = f"{POSTGRES_EXTRA} and write the URL as postgresql+psycopg://..."
        return _check("store", False, f"{location.describe()}: the {driver} driver is not "
                                      f"installed ({e})", fix)
    return None


def store_checks(store_arg: str | None) -> list[dict[str, Any]]:
    from .config import load_config
    from .store import SCHEMA_VERSION, Store, StoreError
    from .store.location import resolve
    from .store.migrate import current_revision

    config = load_config()
    try:
        location = resolve(store_arg, configured_store=config.store,
                           configured_artifacts=config.artifacts)
        missing_driver = database_driver(location)
        if missing_driver:
            return [missing_driver]
        store = Store(location)
        store.db.transact(lambda c: None)  # takes and releases the write lock
    except StoreError as e:
        return [_check("store", False, str(e),
                       "set JUPYTER_MLOPS_STORE to a writable directory or a reachable URL")]
    checks = [_check("store", True, f"{store.location.kind} at {store.location.describe()}, "
                                    "reachable and writable")]
    if store.location.kind == "sqlite":
        wal = store.db.journal_mode == "wal"
        checks.append(_check("sqlite WAL", wal, f"journal mode {store.db.journal_mode}",
                             "put the store on a local disk (WAL does not work on network "
                             "filesystems)"))
    with store.db.read() as c:
        revision = current_revision(c)
    checks.append(_check("schema version", revision == SCHEMA_VERSION,
                         f"store {revision}, code {SCHEMA_VERSION}",
                         "upgrade jupyter_mlops"))
    artifacts = store.artifacts
    if artifacts.is_local:
        root = artifacts.url
        writable = os.access(root if os.path.exists(root) else os.path.dirname(root), os.W_OK)
        checks.append(_check("artifact store", writable, root,
                             f"make {root} writable or set JUPYTER_MLOPS_ARTIFACTS"))
    store.close()
    return checks


def packages() -> dict[str, Any]:
    found, missing = [], []
    for name in KEY_PACKAGES:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            missing.append(name)
    return _check("packages", not missing, ", ".join(found) + (
        f"; missing: {', '.join(missing)}" if missing else ""),
        f"pip install {' '.join(missing)}")


def run_checks(store_arg: str | None = None) -> list[dict[str, Any]]:
    return [server_extension(), labextension(), *store_checks(store_arg), packages()]
