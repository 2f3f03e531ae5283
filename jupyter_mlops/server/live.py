"""Register from the run's own kernel when this server runs it: the live model object, no
refit.

The kernel that recorded the run still holds what it fitted; when this server's kernel
manager knows the session's ``kernel_id``, the registration is a silent execute request
there (``silent``, ``store_history=False``: no prompt number, no ``In``/``Out`` entry, no
tracked cell, no name left in the user's namespace), calling ``jupyter_mlops.register_model``
in the kernel, which packages the live object (``source: live``). A kernel that is gone (or
dead, or restarted: its objects are lost) leaves the caller to rebuild. A kernel that is
running a cell is never interrupted and never waited on past the bounds of
``MlopsLivePackaging``: busy when asked, or still running another cell ``start_timeout``
seconds later, is ``KernelBusy`` (409), and the request then refuses to run in the kernel
when it finally gets there, so it registers nothing; packaging that takes longer than
``timeout`` is ``KernelTimeout`` (504).
"""

from __future__ import annotations

import ast
import json
import queue
import time
from typing import Any

from jupyter_client.session import Session
from traitlets import Float
from traitlets.config import Configurable

from ..registry import AmbiguousModel, CannotPackage
from ..store import InvalidInput, NotFound

_RESULT = "_jupyter_mlops_registered_"
_LATE = "jupyter_mlops: packaging request reached the kernel after its start deadline"
# The registry's refusals, raised again here with the kernel's message.
_REFUSALS = {c.__name__: c for c in (AmbiguousModel, CannotPackage, InvalidInput, NotFound)}


class MlopsLivePackaging(Configurable):
    """How long REST packaging waits on the run's kernel (``c.MlopsLivePackaging.*`` in
    ``jupyter_server_config.py``)."""

    start_timeout = Float(5.0, min=0.1, config=True, help=(
        "Seconds the run's kernel may take to start packaging: one still running another "
        "cell by then is busy (409), and it will not package this request later."))
    timeout = Float(300.0, min=1.0, config=True, help=(
        "Seconds the run's kernel may take to package its model (serialization and the "
        "signature) before the request answers 504."))


class KernelBusy(Exception):
    """The run's kernel is running a cell: 409, try again when it has finished."""


class KernelTimeout(Exception):
    """The run's kernel did not finish packaging in time: 504."""


def live_kernel(kernel_manager: Any, kernel_id: str | None) -> Any:
    """The kernel manager's kernel ``kernel_id`` if it runs and holds its objects, else None;
    ``KernelBusy`` while it runs a cell."""
    if not kernel_id or kernel_manager is None or kernel_id not in kernel_manager:
        return None
    kernel = kernel_manager.get_kernel(kernel_id)
    state = getattr(kernel, "execution_state", None)
    if state == "busy":
        raise KernelBusy(f"the run's kernel {kernel_id} is busy running a cell: packaging "
                         "takes the live model it holds, so try again when the cell has "
                         "finished")
    return kernel if state == "idle" else None


async def register_in_kernel(kernel: Any, arguments: dict,
                             limits: MlopsLivePackaging) -> dict | None:
    """The version registered by ``register_model(**arguments)`` run in ``kernel``; None if
    the kernel could not (the caller then rebuilds)."""
    sent = time.time()
    # __import__, not import: the user's namespace gains no names (a user's own ``_m`` or
    # ``json`` stays as it was); the one result name is removed after.
    code = (f"if __import__('time').time() > {sent + limits.start_timeout!r}:\n"
            f"    raise TimeoutError({_LATE!r})\n"
            f"{_RESULT} = __import__('json').dumps(__import__('jupyter_mlops').register_model("
            f"**__import__('json').loads({json.dumps(arguments)!r})), default=str)")
    # A session of its own: a client made with the kernel manager's session has the shell
    # identity of every other such client, and the kernel then answers only one of them.
    s = kernel.session
    client = kernel.client(session=Session(config=s.config, key=s.key,
                                           signature_scheme=s.signature_scheme))
    client.start_channels()
    try:
        await _listening(client)
        # stop_on_error=False: a refusal here must not abort cells the user queued after it
        msg_id = client.execute(code, silent=True, store_history=False, stop_on_error=False,
                                user_expressions={"v": _RESULT}, allow_stdin=False)
        # The kernel says "busy" for this request when it starts it; a code that started
        # before its deadline says so well within the second after it.
        if not await _status(client, msg_id, sent + limits.start_timeout + 1.0):
            raise KernelBusy(
                "the run's kernel is busy: it has been running a cell for more than "
                f"{limits.start_timeout:g} s (c.MlopsLivePackaging.start_timeout), so nothing "
                "was registered; try again when the cell has finished")
        content = await _reply(client, msg_id, sent + limits.timeout)
        if content is None:
            raise KernelTimeout(
                f"the run's kernel did not finish packaging within {limits.timeout:g} s "
                "(c.MlopsLivePackaging.timeout): it is still busy packaging, and the version "
                "appears in the registry if it finishes")
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
        client.execute(f"globals().pop({_RESULT!r}, None)", silent=True,
                       store_history=False, stop_on_error=False)
        client.stop_channels()


async def _listening(client: Any, within_s: float = 5.0) -> None:
    """Wait until this client's IOPub receives: a subscriber misses what the kernel publishes
    before its subscription has reached it. A kernel_info request on the control channel
    (answered even while a cell runs) makes the kernel publish a status."""
    deadline = time.time() + within_s
    while time.time() < deadline:
        msg = client.session.msg("kernel_info_request")
        client.control_channel.send(msg)
        if await _status(client, msg["header"]["msg_id"], time.time() + 0.5):
            return


async def _status(client: Any, msg_id: str, deadline: float) -> bool:
    """Whether IOPub carries a status for request ``msg_id`` before ``deadline``."""
    while True:
        try:
            msg = await client.get_iopub_msg(timeout=max(deadline - time.time(), 0.01))
        except queue.Empty:
            return False
        if msg["msg_type"] == "status" and msg["parent_header"].get("msg_id") == msg_id:
            return True


async def _reply(client: Any, msg_id: str, deadline: float) -> dict | None:
    """The content of the shell reply to ``msg_id``, or None once ``deadline`` passed."""
    while True:
        try:
            reply = await client.get_shell_msg(timeout=max(deadline - time.time(), 0.01))
        except queue.Empty:
            return None
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]
