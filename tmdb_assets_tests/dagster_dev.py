"""`dagster dev` on this project's definitions, as the UI tests and the screenshot script run it."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def dagster_dev(env: dict, cwd: Path) -> Iterator[int]:
    """Start webserver and daemon on a free port (yielded); stop them as a whole afterwards.

    It runs in its own process group: started from a non-interactive script, `dagster dev`
    ignores SIGTERM to itself, and its code server would linger.
    """
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-m", "tmdb_assets.definitions", "-p", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
