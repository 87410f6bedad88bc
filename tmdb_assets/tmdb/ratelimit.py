"""A process-wide token bucket shared by every worker thread that calls TMDb."""

import threading
import time


class RateLimiter:
    """Token bucket: at most `rate` acquisitions per second on average, bursts up to `burst`.

    `pause(seconds)` (after a 429) holds back every thread, not only the one that was refused.
    """

    def __init__(
        self, rate: float, burst: int | None = None, clock=time.monotonic, sleep=time.sleep
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

    def acquire(self) -> float:
        """Block until a request may be sent; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if now < self._paused_until:
                    delay = self._paused_until - now
                elif self._tokens >= 1.0 - 1e-9:  # float rounding must not spin
                    self._tokens = max(0.0, self._tokens - 1.0)
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
