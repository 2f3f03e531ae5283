"""The model server a jupyter_mlops package ships in ``code/``: the Dockerfile's command.

``python code/jupyter_mlops_serve.py`` in the package folder serves that folder with the
server of ``jupyter mlops serve`` (``code/jupyter_mlops_server/serving/``, copied from
jupyter_mlops when the package was built) and the package's own loader, so it needs only
``requirements.txt`` and ``requirements-serve.txt``: never jupyter_mlops or a store (so it
keeps no prediction log). Every file is checked against ``manifest.json`` before serving.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import jupyter_mlops_model
import yaml
from jupyter_mlops_server.serving.app import Settings
from jupyter_mlops_server.serving.model import Served
from jupyter_mlops_server.serving.run import allowed_hosts, serve

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Folder:
    """The package folder as the server's model source (no alias to follow)."""

    alias = None

    def __init__(self, folder: str):
        self.ref = folder

    def load(self) -> Served:
        with open(os.path.join(self.ref, "manifest.json"), "rb") as f:
            manifest = f.read()
        for rel, entry in json.loads(manifest)["files"].items():
            path = os.path.join(self.ref, *rel.split("/"))
            if not os.path.isfile(path) or _sha256(path) != entry["sha256"]:
                raise SystemExit(f"package file {rel} does not match manifest.json: "
                                 "refusing to serve it")
        with open(os.path.join(self.ref, "MLmodel"), encoding="utf-8") as f:
            mlmodel = yaml.safe_load(f)
        ours = (mlmodel.get("metadata") or {}).get("jupyter_mlops") or {}
        inputs = json.loads((mlmodel.get("signature") or {}).get("inputs") or "[]")
        model = jupyter_mlops_model._load_pyfunc(os.path.join(self.ref, "model"))
        return Served(model=model, name=ours.get("name"), version=None,
                      checksum=hashlib.sha256(manifest).hexdigest(), inputs=inputs)

    def alias_version(self) -> None:
        return None


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Serve this model package over HTTP "
                                "(MLflow's scoring protocol): POST /invocations, GET /ping, "
                                "/health, /metrics.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--allowed-hosts", metavar="H1,H2",
                   help="Host header names to answer (default: any name on 0.0.0.0)")
    p.add_argument("--max-rows", type=int, default=10_000)
    p.add_argument("--max-body-mb", type=float, default=20.0)
    p.add_argument("--batch-wait-ms", type=float, default=5.0,
                   help="longest a request waits to share a predict call (0: never)")
    args = p.parse_args(argv)
    if args.workers < 1 or args.max_rows < 1 or args.max_body_mb <= 0:
        p.error("--workers, --max-rows and --max-body-mb must be positive")
    if not 0 <= args.batch_wait_ms <= 1000:
        p.error("--batch-wait-ms must be 0-1000")
    source = Folder(PACKAGE)
    settings = Settings(allowed_hosts=allowed_hosts(
        args.host, args.allowed_hosts.split(",") if args.allowed_hosts else None),
        max_rows=args.max_rows, max_body=int(args.max_body_mb * (1 << 20)),
        batch_wait_s=args.batch_wait_ms / 1000)
    try:
        serve(source, source.load(), host=args.host, port=args.port, workers=args.workers,
              settings=settings)
    except OSError as e:
        sys.exit(f"cannot listen on {args.host}:{args.port}: {e.strerror}")


if __name__ == "__main__":
    main()
