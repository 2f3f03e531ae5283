"""``jupyter mlops serve``."""

from __future__ import annotations

import argparse
import os
from typing import Any


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    from ..cli import _positive_int

    p = sub.add_parser("serve", parents=[common], help="serve a model over HTTP "
                       "(MLflow's scoring protocol)")
    p.add_argument("ref", metavar="REF", help="NAME/VERSION, NAME@ALIAS or a package folder")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default: 8080; 0 picks one)")
    p.add_argument("--workers", type=_positive_int, default=1,
                   help="server processes sharing the port (default: 1)")
    p.add_argument("--follow-alias", action="store_true",
                   help="with NAME@ALIAS: serve the version the alias points at as it moves")
    p.add_argument("--poll", type=float, default=5.0, metavar="SECONDS",
                   help="how often --follow-alias checks the alias (default: 5)")
    p.add_argument("--allowed-hosts", metavar="H1,H2",
                   help="Host header names to answer (default: loopback names and --host; "
                        "any name when bound to 0.0.0.0)")
    p.add_argument("--max-rows", type=_positive_int, default=10_000,
                   help="rows per request (default: 10000)")
    p.add_argument("--max-body-mb", type=float, default=20.0,
                   help="request body limit in MB (default: 20)")
    p.add_argument("--batch-wait-ms", type=float, default=5.0, metavar="MS",
                   help="longest a request waits for concurrent ones to share one predict "
                        "call (default: 5; 0 predicts each request on its own)")
    p.add_argument("--log-rate", type=float, default=1.0, metavar="FRACTION",
                   help="share of requests written to the prediction log (default: 1; 0 turns "
                        "the log off)")
    p.add_argument("--log-cap", type=_positive_int, default=6000, metavar="ROWS",
                   help="at most this many logged rows a minute (default: 6000)")
    p.add_argument("--trust", action="store_true",
                   help="load a pickled model from a package folder not from the registry")
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from ..cli import _open
    from ..registry import Tampered
    from ..store import InvalidInput
    from .app import Settings
    from .model import Source
    from .run import allowed_hosts, serve

    if not 0 <= args.log_rate <= 1:
        raise InvalidInput(f"--log-rate must be between 0 and 1, got {args.log_rate}")
    if args.max_body_mb <= 0 or args.poll <= 0 or not 0 <= args.port <= 65535 \
            or not 0 <= args.batch_wait_ms <= 1000:
        raise InvalidInput("--max-body-mb and --poll must be positive, --port 0-65535 and "
                           "--batch-wait-ms 0-1000")
    folder = os.path.isdir(args.ref)
    if args.follow_alias and (folder or "@" not in args.ref):
        raise InvalidInput("--follow-alias needs a NAME@ALIAS reference")
    # A folder is served on its own (the Dockerfile's case); it logs predictions only to a
    # store named explicitly (--store or $JUPYTER_MLOPS_STORE).
    logs = not folder or bool(args.store or os.environ.get("JUPYTER_MLOPS_STORE"))
    source = Source(args.ref, None if folder else _open(args), trust=args.trust)
    try:
        served = source.load()  # a bad reference or package is one line, before listening
    except Tampered as e:
        raise InvalidInput(str(e)) from None
    settings = Settings(allowed_hosts=allowed_hosts(args.host, (args.allowed_hosts or "")
                                                    .split(",") if args.allowed_hosts else None),
                        max_rows=args.max_rows, max_body=int(args.max_body_mb * (1 << 20)),
                        batch_wait_s=args.batch_wait_ms / 1000)
    try:
        serve(source, served, host=args.host, port=args.port, workers=args.workers,
              follow_alias=args.follow_alias, poll_s=args.poll, settings=settings,
              log_store=(lambda: _open(args, create=True)) if logs else None,
              log_rate=args.log_rate, log_cap=args.log_cap)
    except OSError as e:
        raise InvalidInput(f"cannot listen on {args.host}:{args.port}: {e.strerror}") from None
    return 0
