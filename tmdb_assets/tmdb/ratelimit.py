"""A process-wide rate limiter shared by every worker thread that calls TMDb."""

import collections
import math
import threading
import time

# The server counts a request when it arrives, not when a thread was let through: the time
# between the two varies (a thread waiting for the GIL or a pooled connection), and at exactly
# the server's rate that variation alone puts one request too many into some second (3 x 429 in
# 2,000 requests at 40/s against a server allowing exactly 40). Each window is held open this
# much longer than a second, which absorbs the variation (0 x 429) at a cost of 5% throughput.
WINDOW_MARGIN_S = 0.05


class RateLimiter:
    """At most `rate` acquisitions in any one-second window (a sliding log of the last ones,
    held `window_margin_s` longer than a second), spaced by a token bucket (bursts up to
    `burst`) so that they do not come in clumps.

    `pause(seconds)` (after a 429) holds back every thread, not only the one that was refused.
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
        # A burst of 1 keeps every one-second window at or under `rate` (TMDb's CDN counts so).
        self.capacity = float(burst if burst is not None else 1)
        self._tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self.per_window = max(1, math.floor(self.rate + 1e-9))
        self.window_s = 1.0 + window_margin_s
        self._recent: collections.deque[float] = collections.deque()

    def acquire(self) -> float:
        """Block until a request may be sent; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
                self._last = now
                full = len(self._recent) >= self.per_window
                if now < self._paused_until:
                    delay = self._paused_until - now
                elif full and now < self._recent[0] + self.window_s:
                    delay = self._recent[0] + self.window_s - now
                elif self._tokens >= 1.0 - 1e-9:  # float rounding must not spin
                    self._tokens = max(0.0, self._tokens - 1.0)
                    self._recent.append(now)
                    if len(self._recent) > self.per_window:
                        self._recent.popleft()
                    return waited
                else:
                    delay = (1.0 - self._tokens) / self.rate
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Stop all acquisitions for `seconds` (the server said we went too fast)."""
        with self._lock:
            until = self._clock() + seconds
            if until > self._paused_until:
                self._paused_until = until
            self._tokens = 0.0
