"""Telling the user about capture problems: one concise line per kind per session, on
stderr (shown under the cell), never a traceback. Details go to the ``jupyter_mlops``
logger at debug level."""

from __future__ import annotations

import logging
import sys

log = logging.getLogger("jupyter_mlops")


class Problems:
    def __init__(self) -> None:
        self.reported: set[str] = set()

    def report(self, kind: str, message: str, error: BaseException | None = None) -> None:
        if error is not None:
            log.debug("jupyter_mlops %s problem", kind, exc_info=error)
        if kind in self.reported:
            return
        self.reported.add(kind)
        detail = f" ({type(error).__name__}: {str(error)[:200]})" if error is not None else ""
        print(f"jupyter_mlops: {message}{detail}. This is reported once per session; your "
              "code is not affected.", file=sys.stderr)

    def tell(self, message: str) -> None:
        print(f"jupyter_mlops: {message}", file=sys.stderr)
