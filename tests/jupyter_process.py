"""A real Jupyter server (or JupyterLab) in a subprocess, for tests and benchmarks that talk
to it over HTTP the way a browser or a script would."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 60.0


class JupyterStartError(RuntimeError):
    """The server exited or did not answer; the message ends with its log."""


@dataclass(frozen=True)
class JupyterProcess:
    url: str
    token: str
    log: Path
    proc: subprocess.Popen

    @property
    def api(self) -> str:
        return f"{self.url}jupyter-mlops/api"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def jupyter_process(root_dir: Path, env: Mapping[str, str], *, app: str = "jupyter_server",
                    args: tuple[str, ...] = ()) -> Iterator[JupyterProcess]:
    """Start ``python -m APP`` on a free loopback port with a random token; stop it after."""
    port, token = free_port(), secrets.token_hex(16)
    log = root_dir.parent / f"{app}-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", app, "--no-browser", "--allow-root", f"--port={port}",
             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root_dir}", *args],
            env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    server = JupyterProcess(f"http://127.0.0.1:{port}/", token, log, proc)
    try:
        _wait_until_answering(server)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_answering(server: JupyterProcess) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise JupyterStartError(f"jupyter exited with {server.proc.returncode}:\n"
                               f"{server.log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}api/status?token={server.token}",
                                        timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise JupyterStartError(f"jupyter did not answer within {START_TIMEOUT:.0f} s:\n"
                       f"{server.log.read_text()[-4000:]}")
