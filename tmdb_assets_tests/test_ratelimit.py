"""The token bucket, on a fake clock (deterministic)."""

import threading
import time

from tmdb_assets.tmdb.ratelimit import RateLimiter


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_never_more_than_rate_in_any_second():
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(100):
        limiter.acquire()
        stamps.append(clock.now)
    for i, t in enumerate(stamps):
        in_window = sum(1 for u in stamps[i:] if u < t + 1.0 - 1e-6)  # float noise at the edge
        assert in_window <= 10
    assert 9.0 <= stamps[-1] <= 10.0  # and not slower than the rate either


def test_pause_holds_everyone_back():
    clock = FakeClock()
    limiter = RateLimiter(100, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.pause(2.0)
    limiter.acquire()
    assert clock.now >= 2.0


def test_threads_share_one_budget():
    limiter = RateLimiter(50)
    stamps: list[float] = []
    lock = threading.Lock()

    def work():
        for _ in range(10):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    assert len(stamps) == 80
    worst = max(sum(1 for u in stamps[i:] if u < t + 1.0) for i, t in enumerate(stamps))
    assert worst <= 51  # one token of slack for timer granularity
