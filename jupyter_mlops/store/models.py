"""The model registry's rows: names, versions 1, 2, … per name, aliases and their audit trail.

A new version and its registered name are written in one transaction; the version number is
taken inside it (the name's row is locked first by the upsert, so two registrations of the
same name cannot both get version 3). An alias move is one transaction that also appends
the event (who, when, from which version to which).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from . import schema as s
from .errors import InvalidInput, NotFound
from .ids import new_id
from .queries import iso
from .records import _insert, dumps, now_ms, upsert

MODEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
ALIAS_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
VERIFICATION_STATUSES = ("unverified", "reproduced", "not_reproduced", "failed")
_JSON_FIELDS = ("signature", "metrics", "params", "requirements", "warnings", "verification")


def check_model_name(name: Any) -> str:
    if not isinstance(name, str) or not MODEL_NAME.match(name):
        raise InvalidInput(
            f"invalid model name {str(name)[:60]!r}: use 1-128 letters, digits, '.', '_' or "
            "'-', starting with a letter or digit")
    return name


def check_alias(alias: Any) -> str:
    if not isinstance(alias, str) or not ALIAS_NAME.match(alias):
        raise InvalidInput(
            f"invalid alias {str(alias)[:60]!r}: use 1-64 letters, digits, '_' or '-', "
            "starting with a letter (a number would read as a version)")
    return alias


def check_version(version: Any) -> int:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidInput(f"a model version is a positive integer, got {version!r}")
    return version


class ModelsMixin:
    """The registry half of Store (needs ``self.db``)."""

    db: Any

    def create_model_version(self, name: str, fields: Mapping[str, Any], *,
                             alias: str | None = None, description: str | None = None,
                             user: str | None = None) -> dict:
        """Register the next version of ``name`` (created if new) and, with ``alias``, point
        the alias at it, all in one transaction. ``fields``: run_id, model_variable,
        model_type, source, checksum, size, manifest and the JSON fields."""
        check_model_name(name)
        if alias is not None:
            check_alias(alias)
        t = now_ms()
        v = s.model_versions.c
        row = {k: fields.get(k) for k in ("run_id", "model_variable", "model_type", "source",
                                           "checksum", "size")}
        row.update({k: dumps(fields[k]) for k in _JSON_FIELDS if fields.get(k) is not None})
        row.update(manifest=dumps(fields["manifest"]), description=description, user=user,
                   created_ms=t, name=name, model_version_id=new_id())
        model = {"name": name, "description": description, "user": user, "created_ms": t,
                 "updated_ms": t}

        def work(c: Connection) -> int:
            _upsert_model(c, model)
            number = (c.execute(select(func.max(v.version)).where(v.name == name)).scalar()
                      or 0) + 1
            c.execute(s.model_versions.insert(), {**row, "version": number})
            if alias is not None:
                _move_alias(c, name, alias, number, user, t)
            return number

        try:
            number = self.db.transact(work)
        except IntegrityError as e:
            if "runs" in str(e.orig) or "FOREIGN KEY" in str(e.orig):
                raise NotFound(f"no run {fields.get('run_id')!r}") from None
            raise
        return self.model_version(name, number)

    def set_alias(self, name: str, alias: str, version: int, user: str | None = None) -> dict:
        check_model_name(name)
        check_alias(alias)
        check_version(version)

        def work(c: Connection) -> None:
            exists = c.execute(select(s.model_versions.c.version).where(
                s.model_versions.c.name == name, s.model_versions.c.version == version)).first()
            if exists is None:
                self._missing(c, name, version)
            _move_alias(c, name, alias, version, user, now_ms())

        self.db.transact(work)
        return {"name": name, "alias": alias, "version": version}

    def delete_alias(self, name: str, alias: str, user: str | None = None) -> None:
        check_model_name(name)
        check_alias(alias)
        a = s.model_aliases.c

        def work(c: Connection) -> None:
            old = c.execute(select(a.version).where(a.name == name, a.alias == alias)).scalar()
            if old is None:
                raise NotFound(f"model {name!r} has no alias {alias!r}")
            c.execute(s.model_aliases.delete().where(a.name == name, a.alias == alias))
            c.execute(s.alias_events.insert(), {
                "event_id": new_id(), "name": name, "alias": alias, "from_version": old,
                "to_version": None, "user": user, "at_ms": now_ms()})

        self.db.transact(work)

    def set_verification(self, name: str, version: int, verification: Mapping[str, Any]) -> dict:
        if verification.get("status") not in VERIFICATION_STATUSES:
            raise InvalidInput(f"verification status must be one of {VERIFICATION_STATUSES}")
        v = s.model_versions.c
        stmt = update(s.model_versions).where(v.name == name, v.version == version).values(
            verification=dumps(dict(verification)))

        def work(c: Connection) -> None:
            if c.execute(stmt).rowcount == 0:
                self._missing(c, name, version)

        self.db.transact(work)
        return self.model_version(name, version)

    @staticmethod
    def _missing(c: Connection, name: str, version: int | None = None,
                 alias: str | None = None) -> None:
        """Raise the NotFound that says which part of the reference names nothing."""
        known = c.execute(select(s.registered_models.c.name).where(
            s.registered_models.c.name == name)).first()
        if known is None:
            raise NotFound(f"no registered model {name!r}")
        if alias is not None:
            raise NotFound(f"model {name!r} has no alias {alias!r}")
        raise NotFound(f"model {name!r} has no version {version}")

    # --- reading
    def list_models(self) -> list[dict]:
        m, v, a = s.registered_models.c, s.model_versions.c, s.model_aliases.c
        with self.db.read() as c:
            counts = dict(c.execute(select(v.name, func.count()).group_by(v.name)).all())
            latest = dict(c.execute(select(v.name, func.max(v.version)).group_by(v.name)).all())
            aliases: dict[str, dict[str, int]] = {}
            for name, alias, version in c.execute(select(a.name, a.alias, a.version)):
                aliases.setdefault(name, {})[alias] = version
            rows = c.execute(select(s.registered_models).order_by(m.name)).mappings().all()
        return [{"name": r["name"], "description": r["description"],
                 "latest_version": latest.get(r["name"]), "aliases": aliases.get(r["name"], {}),
                 "updated": iso(r["updated_ms"]), "versions_count": counts.get(r["name"], 0)}
                for r in rows]

    def get_model(self, name: str) -> dict:
        check_model_name(name)
        m, v, e = s.registered_models.c, s.model_versions.c, s.alias_events.c
        with self.db.read() as c:
            row = c.execute(select(s.registered_models).where(m.name == name)).mappings().first()
            if row is None:
                raise NotFound(f"no registered model {name!r}")
            aliases = _aliases(c, name)
            versions = c.execute(select(s.model_versions).where(v.name == name)
                                 .order_by(v.version.desc())).mappings().all()
            history = c.execute(select(s.alias_events).where(e.name == name)
                                .order_by(e.at_ms, e.event_id)).mappings().all()
        return {"name": name, "description": row["description"],
                "aliases": {alias: version for version, names in aliases.items()
                            for alias in names},
                "versions": [_version(r, aliases) for r in versions],
                "alias_history": [{"alias": h["alias"], "from_version": h["from_version"],
                                   "to_version": h["to_version"], "user": h["user"],
                                   "at": iso(h["at_ms"])} for h in history]}

    def model_version(self, name: str, version: int) -> dict:
        """The version object of the contract (plus ``manifest``)."""
        check_model_name(name)
        check_version(version)
        v = s.model_versions.c
        with self.db.read() as c:
            row = c.execute(select(s.model_versions).where(
                v.name == name, v.version == version)).mappings().first()
            if row is None:
                self._missing(c, name, version)
            return _version(row, _aliases(c, name), manifest=True)

    def resolve_alias(self, name: str, alias: str) -> int:
        check_model_name(name)
        check_alias(alias)
        a = s.model_aliases.c
        with self.db.read() as c:
            version = c.execute(select(a.version).where(a.name == name, a.alias == alias)).scalar()
            if version is None:
                self._missing(c, name, alias=alias)
        return int(version)

    def run_session(self, run_id: str) -> dict:
        """The session a run belongs to (``{}`` for a run without one): where its kernel ran
        and whether it is this process."""
        r, sess = s.runs.c, s.sessions.c
        with self.db.read() as c:
            row = c.execute(select(s.sessions).select_from(s.runs.join(
                s.sessions, sess.session_id == r.session_id)).where(r.run_id == run_id)
            ).mappings().first()
        return dict(row) if row else {}

    def run_model_versions(self, run_id: str) -> list[dict]:
        """(name, version) of the versions registered from a run, oldest first."""
        v = s.model_versions.c
        with self.db.read() as c:
            return [dict(r._mapping) for r in c.execute(
                select(v.name, v.version).where(v.run_id == run_id).order_by(v.created_ms))]


def _upsert_model(c: Connection, model: dict) -> None:
    """Create the name, or touch it (which also locks its row until the transaction ends, so
    version numbers are taken one at a time); a new description replaces the old one."""
    stmt = _insert(c.dialect.name, s.registered_models)
    changes = {"updated_ms": stmt.excluded.updated_ms}
    if model["description"] is not None:
        changes["description"] = stmt.excluded.description
    c.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=changes), model)


def _move_alias(c: Connection, name: str, alias: str, version: int, user: str | None,
                at: int) -> None:
    a = s.model_aliases.c
    old = c.execute(select(a.version).where(a.name == name, a.alias == alias)).scalar()
    if old == version:
        return
    upsert(c, s.model_aliases, [{"name": name, "alias": alias, "version": version, "user": user,
                                 "updated_ms": at}], ("name", "alias"))
    c.execute(s.alias_events.insert(), {"event_id": new_id(), "name": name, "alias": alias,
                                        "from_version": old, "to_version": version,
                                        "user": user, "at_ms": at})
    c.execute(update(s.registered_models).where(s.registered_models.c.name == name)
              .values(updated_ms=at))


def _aliases(c: Connection, name: str) -> dict[int, list[str]]:
    a = s.model_aliases.c
    out: dict[int, list[str]] = {}
    for alias, version in c.execute(select(a.alias, a.version).where(a.name == name)
                                    .order_by(a.alias)):
        out.setdefault(version, []).append(alias)
    return out


def _version(row: Mapping[str, Any], aliases: dict[int, list[str]],
             manifest: bool = False) -> dict:
    loaded = {k: json.loads(row[k]) if row[k] else None for k in _JSON_FIELDS}
    out = {"name": row["name"], "version": row["version"], "run_id": row["run_id"],
           "model_variable": row["model_variable"], "model_type": row["model_type"],
           "description": row["description"], "created": iso(row["created_ms"]),
           "user": row["user"], "aliases": aliases.get(row["version"], []),
           "metrics": loaded["metrics"] or {}, "params": loaded["params"] or {},
           "signature": loaded["signature"], "source": row["source"],
           "checksum": row["checksum"], "size": row["size"],
           "requirements": loaded["requirements"] or [], "warnings": loaded["warnings"] or [],
           "verification": loaded["verification"] or {"status": "unverified", "at": None,
                                                      "differences": []}}
    if manifest:
        out["manifest"] = json.loads(row["manifest"])
    return out
