"""A process-wide rate limiter shared by every worker thread that calls TMDb.

TMDb counts a request when it arrives, not when a thread was let through: the time between the
two varies (a thread waiting for the GIL or a pooled connection), and at exactly the server's
rate that variation alone puts one request too many into some second (3 x 429 in 2,000 requests
at 40/s against a server allowing exactly 40, more on a loaded machine). So a request holds its
place in the window from the moment it is let through until one second after its response came
back: it certainly arrived before its response, so no second at the server can hold more than
`rate` of them, however late each one travelled. The cost is the response time on top of each
second (2% at 20 ms).
"""

import heapq
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# For acquire() alone (no response to wait for): each window held this much longer than a second.
WINDOW_MARGIN_S = 0.05
# A thread waiting for an in-flight request's place looks again at least this often.
POLL_S = 0.05


class StopWaiting(Exception):
    """The caller's stop event was set while it waited for a place."""


class RateLimiter:
    """At most `rate` requests in any one-second window at the server, spaced by a token bucket
    (bursts up to `burst`) so that they do not come in clumps.

    `request()` wraps one request: its place in the window is kept until a second after it
    ends. `acquire()` alone counts a request from the moment it is let through, the window held
    `window_margin_s` longer. `pause(seconds)` (after a 429) holds back every thread.
    """

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        clock=time.monotonic,
        sleep=time.sleep,
        window_margin_s: float = WINDOW_MARGIN_S,
    ):
        if rate <= 0:
            raise ValueError("rate must be > 0 requests per second")
        self.rate = float(rate)
        # A burst of 1 spaces requests evenly: no clump reaches the server at once.
        self.capacity = float(burst if burst is not None else 1)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self.per_window = max(1, math.floor(self.rate + 1e-9))
        self.margin_s = window_margin_s
        self._in_flight = 0
        self._expiries: list[float] = []  # when each recent request leaves the window (a heap)

    def acquire(self) -> float:
        """Block until a request may be sent; returns the seconds waited. The request counts
        from now (plus the margin) for a second."""
        return self._admit(in_flight=False)

    @contextmanager
    def request(self, stop: threading.Event | None = None) -> Iterator[float]:
        """Hold a place in the window for one request, until a second after it ends; yields the
        seconds waited. Once `stop` is set, a thread still waiting for its place gives up
        (StopWaiting) instead of waiting on."""
        waited = self._admit(in_flight=True, stop=stop)
        try:
            yield waited
        finally:
            with self._lock:
                self._in_flight -= 1
                heapq.heappush(self._expiries, self._clock() + 1.0)

    def _admit(self, in_flight: bool, stop: threading.Event | None = None) -> float:
        waited = 0.0
        while True:
            if stop is not None and stop.is_set():
                raise StopWaiting("stopped while waiting for a place in the rate window")
            with self._lock:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
                self._last = now
                while self._expiries and self._expiries[0] <= now:
                    heapq.heappop(self._expiries)
                taken = self._in_flight + len(self._expiries)
                if now < self._paused_until:
                    delay = self._paused_until - now
                elif taken >= self.per_window:
                    # The earliest place to free up; one held by a request still in flight
                    # frees a second after its response, so look again soon.
                    delay = min(self._expiries[0] - now, POLL_S) if self._expiries else POLL_S
                elif self._tokens >= 1.0 - 1e-9:  # float rounding must not spin
                    self._tokens = max(0.0, self._tokens - 1.0)
                    if in_flight:
                        self._in_flight += 1
                    else:
                        heapq.heappush(self._expiries, now + 1.0 + self.margin_s)
                    return waited
                else:
                    delay = (1.0 - self._tokens) / self.rate
            if stop is not None:
                stop.wait(delay)
            else:
                self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Stop all acquisitions for `seconds` (the server said we went too fast)."""
        with self._lock:
            until = self._clock() + seconds
            if until > self._paused_until:
                self._paused_until = until
            self._tokens = 0.0
