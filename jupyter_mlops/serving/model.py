"""What the server serves: a loaded package and where it came from, and (for an alias) how
to notice that the alias moved."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the package's own server (registry/jupyter_mlops_serve.py) has no store
    from ..store import Store


@dataclass
class Served:
    """One loaded version. Requests take a reference to it when they start, so swapping
    the server's current one never disturbs a request in flight."""

    model: Any
    name: str | None
    version: int | None
    checksum: str
    inputs: list[dict] = field(default_factory=list)
    loaded_at: float = field(default_factory=time.time)

    @property
    def input_names(self) -> list[str]:
        return [c["name"] for c in self.inputs]

    def describe(self) -> str:
        return (f"{self.name or 'model'}"
                + (f"/{self.version}" if self.version is not None else "")
                + f" (checksum {self.checksum[:12]})")


class Source:
    """A reference (``NAME/VERSION``, ``NAME@ALIAS``, ``models:/…`` or a package folder)
    and the store it resolves in (None for a folder served on its own)."""

    def __init__(self, ref: str, store: Store | None, *, trust: bool = False):
        self.ref = ref
        self.is_folder = os.path.isdir(ref)
        self.store = store
        self.trust = trust
        from ..registry import parse_ref

        self.name, _, self.alias = (None, None, None) if self.is_folder else parse_ref(ref)

    def load(self) -> Served:
        from ..registry import load_model

        loaded = load_model(self.ref, store=self.store, trust=self.trust)
        meta = loaded.metadata
        signature = meta.get("signature") or {}
        return Served(model=loaded, name=meta.get("name"), version=meta.get("version"),
                      checksum=meta["checksum"], inputs=list(signature.get("inputs") or []))

    def alias_version(self) -> int | None:
        """The version the alias points at now (None when not following an alias)."""
        if self.alias is None or self.store is None:
            return None
        return self.store.resolve_alias(self.name, self.alias)
