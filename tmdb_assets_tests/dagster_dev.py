"""`dagster dev` on this project's definitions, as the UI tests and the screenshot script run it."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
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


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    """A query to the Dagster webserver on 127.0.0.1:`port`; its data (errors fail)."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        body = json.loads(resp.read())
    assert "errors" not in body, body
    return body["data"]
