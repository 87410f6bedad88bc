"""The rate limiter: on a fake clock (deterministic), and against a server enforcing the rate."""

import threading
import time

from tmdb_assets.cli.simulator import Simulator
from tmdb_assets.tmdb.client import TMDbClient
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
    # Without the window's margin: the pacing alone, exactly at the rate.
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep, window_margin_s=0.0)
    stamps = []
    for _ in range(100):
        limiter.acquire()
        stamps.append(clock.now)
    for i, t in enumerate(stamps):
        in_window = sum(1 for u in stamps[i:] if u < t + 1.0 - 1e-6)  # float noise at the edge
        assert in_window <= 10
    assert 9.0 <= stamps[-1] <= 10.0  # and not slower than the rate either


def test_the_margin_costs_its_share_of_the_rate_and_no_more():
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep, window_margin_s=0.05)
    for _ in range(100):
        limiter.acquire()
    assert 9.0 * 1.05 - 1e-6 <= clock.now <= 10.0 * 1.05


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


def test_never_more_than_rate_in_any_window_even_with_a_burst():
    """The sliding log holds whatever the bucket would let through: with a burst of 5 the
    bucket alone admits 5 at once after an idle second; the log still keeps every window of one
    second (and its margin) at `rate`."""
    clock = FakeClock()
    limiter = RateLimiter(10, burst=5, clock=clock, sleep=clock.sleep, window_margin_s=0.05)
    stamps = []
    for k in range(60):
        if k % 20 == 0:
            clock.now += 3.0  # idle: the bucket refills to its burst
        limiter.acquire()
        stamps.append(clock.now)
    for i, t in enumerate(stamps):
        assert sum(1 for u in stamps[i:] if u < t + 1.05 - 1e-6) <= 10


def test_a_request_keeps_its_place_until_a_second_after_its_response():
    """Whenever a request reaches the server, it is before its response: the place it held is
    given to another request only a second after that."""
    clock = FakeClock()
    limiter = RateLimiter(2, burst=2, clock=clock, sleep=clock.sleep)
    with limiter.request():
        clock.now = 0.5  # its response comes back at 0.5
    with limiter.request():
        clock.now = 0.6
    with limiter.request():  # both places are taken until 1.5 (and 1.6)
        assert 1.5 - 1e-9 <= clock.now < 1.6
    assert clock.now <= 1.5 + 0.05


def test_a_server_enforcing_exactly_the_rate_sends_no_429():
    """One client at 40/s against a simulator in its own process that refuses the 41st request
    of any rolling second: every request answered, none refused (before the sliding log: 3 x
    429 in 2,000)."""
    sim = Simulator(400, 7, 40.0, "--latency-ms", "20")
    try:
        client = TMDbClient("t", sim.base_url, rate_limit_per_second=40, max_concurrency=8)
        answered = sum(1 for _ in client.fetch_details(range(1, 241)))
        stats = sim.stats()
    finally:
        sim.stop()
    assert answered == 240 and client.stats.as_dict()["http_429"] == 0
    assert stats["requests"] == 240 and "429" not in stats["by_status"]
    assert stats["max_requests_in_1s"] <= 40
