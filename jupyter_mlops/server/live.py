"""Register from the run's own kernel when this server runs it: the live model object, no
refit.

The kernel that recorded the run still holds what it fitted; when this server's kernel
manager knows the session's ``kernel_id`` and that kernel is idle, the registration is a
silent execute request there (``store_history=False``: no cell, no history, no tracking
events), calling ``jupyter_mlops.register_model`` in the kernel, which packages the live
object (``source: live``). Otherwise (no such kernel, busy, dead) the caller rebuilds.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from ..registry import AmbiguousModel, CannotPackage
from ..store import InvalidInput, NotFound

REPLY_TIMEOUT_S = 600  # packaging in the kernel: serialization and the signature
_RESULT = "_jupyter_mlops_registered_"
# The registry's refusals, raised again here with the kernel's message.
_REFUSALS = {c.__name__: c for c in (AmbiguousModel, CannotPackage, InvalidInput, NotFound)}


def live_kernel(kernel_manager: Any, kernel_id: str | None) -> Any:
    """The kernel manager's kernel ``kernel_id`` if it is alive and idle, else None."""
    if not kernel_id or kernel_manager is None or kernel_id not in kernel_manager:
        return None
    kernel = kernel_manager.get_kernel(kernel_id)
    return kernel if getattr(kernel, "execution_state", None) == "idle" else None


async def register_in_kernel(kernel: Any, arguments: dict) -> dict | None:
    """The version registered by ``register_model(**arguments)`` run in ``kernel``; None if
    the kernel did not answer (the caller then rebuilds)."""
    # __import__, not import: the user's namespace gains no names (a user's own ``_m`` or
    # ``json`` stays as it was); the one result name is deleted after.
    code = (f"{_RESULT} = __import__('json').dumps(__import__('jupyter_mlops').register_model("
            f"**__import__('json').loads({json.dumps(arguments)!r})), default=str)")
    client = kernel.client()
    client.start_channels()
    try:
        msg_id = client.execute(code, silent=True, store_history=False,
                                user_expressions={"v": _RESULT}, allow_stdin=False)
        while True:
            reply = await client.get_shell_msg(timeout=REPLY_TIMEOUT_S)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") != "ok":
            refusal = _REFUSALS.get(content.get("ename", ""))
            if refusal is not None:
                raise refusal(content.get("evalue", ""))
            return None
        value = content["user_expressions"]["v"]
        if value.get("status") != "ok":
            return None
        return json.loads(ast.literal_eval(value["data"]["text/plain"]))
    finally:
        client.execute(f"del {_RESULT}", silent=True, store_history=False)
        client.stop_channels()
