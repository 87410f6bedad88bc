"""The TMDb client's HTTP session, and how a stopped run stops its requests at once.

A run is stopped by SIGTERM, SIGINT or a stop from the Dagster UI: Dagster raises an interrupt
in the run's main thread. The client's worker threads do not see it: each would go on waiting
for its response (up to the read timeout), then retry, and the process could not end until
they had all given up: over a minute and a half against a stalled API. So the main thread,
leaving a pool of workers by any exception, calls `abort()`: every connection of the session is
shut down (a blocked read returns at once), and every wait and retry of the workers ends with
`TMDbStopped`. The pool is then empty within a moment, and the interrupt goes on up.
"""

import contextlib
import socket
import threading
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from tmdb_assets.tmdb.errors import TMDbStopped


class Transport:
    """One requests session whose live sockets are known, so that `abort()` can cut them."""

    def __init__(self, token: str, max_connections: int):
        self.stopped = threading.Event()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.session = requests.Session()
        adapter = _TrackingAdapter(
            self._track, pool_connections=1, pool_maxsize=max_connections, max_retries=0
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": "tmdb-assets/0.1 (+dagster)",
            }
        )

    def _track(self, sock: socket.socket | None) -> None:
        if sock is not None:
            with self._lock:
                self._sockets.add(sock)

    def check(self) -> None:
        """Raise TMDbStopped once the transport is aborted (before each request)."""
        if self.stopped.is_set():
            raise TMDbStopped("the run was stopped: no more TMDb requests")

    def sleep(self, seconds: float) -> None:
        """Sleep between retries, cut short (TMDbStopped) when the transport is aborted."""
        if self.stopped.wait(max(0.0, seconds)):
            raise TMDbStopped("the run was stopped while waiting to retry")

    def abort(self) -> None:
        """Stop every request of this session now: waits end, blocked reads return."""
        self.stopped.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    @contextmanager
    def workers(self, n: int) -> Iterator[ThreadPoolExecutor]:
        """A pool of `n` request threads. Left by an exception (an interrupt included), the
        transport is aborted first, so that the pool empties at once instead of waiting for
        each in-flight request's timeout and retries."""
        pool = ThreadPoolExecutor(n, thread_name_prefix="tmdb")
        try:
            yield pool
        except BaseException:
            self.abort()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self.session.close()


class _TrackingAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections report their socket when they connect."""

    def __init__(self, track, **kwargs):
        self._track_socket = track
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        track = self._track_socket

        class Connection(HTTPConnection):
            def connect(self) -> None:
                super().connect()
                track(self.sock)

        class TLSConnection(HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                track(self.sock)

        self.poolmanager.pool_classes_by_scheme = {
            "http": type("Pool", (HTTPConnectionPool,), {"ConnectionCls": Connection}),
            "https": type("TLSPool", (HTTPSConnectionPool,), {"ConnectionCls": TLSConnection}),
        }
