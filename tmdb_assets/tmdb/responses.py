"""What a request gave: the response with its TMDb date, the run's request counts, the one rate
limiter per API and process, and what the headers say (Retry-After, Date, a status)."""

import datetime as dt
import email.utils
import threading
from dataclasses import dataclass, field, fields
from typing import Any

import requests

from tmdb_assets.tmdb.ratelimit import RateLimiter

# What is kept of a body that is not JSON: enough to see what TMDb sent.
MAX_INVALID_BODY = 1_000_000


@dataclass
class ClientStats:
    """Counters for metadata and logs; updated from worker threads under a lock."""

    requests: int = 0
    retries: int = 0
    http_429: int = 0
    http_5xx: int = 0
    not_found: int = 0
    connection_errors: int = 0
    invalid_bodies: int = 0
    short_pages: int = 0
    rate_wait_s: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **increments: float) -> None:
        with self._lock:
            for name, value in increments.items():
                setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, float]:
        with self._lock:
            d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "_lock"}
        d["rate_wait_s"] = round(d["rate_wait_s"], 3)
        return d


@dataclass(frozen=True)
class TMDbResponse:
    params: dict[str, Any]
    data: Any
    date: dt.datetime  # when TMDb answered: its Date header, the local clock where missing
    status: int = 200  # 200, or 404 (data None)
    body: str | None = None  # a 200 body that stayed unreadable after the retries (data None)

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def invalid(self) -> bool:
        """HTTP 200 whose body was not JSON (or was cut short) on every attempt."""
        return self.status == 200 and self.body is not None


_limiters: dict[tuple[str, float], RateLimiter] = {}
_limiters_lock = threading.Lock()


def shared_limiter(base_url: str, rate: float) -> RateLimiter:
    """One limiter per API and rate in this process, shared by every client and thread."""
    with _limiters_lock:
        key = (base_url, float(rate))
        if key not in _limiters:
            _limiters[key] = RateLimiter(rate)
        return _limiters[key]


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def response_date(resp: requests.Response) -> dt.datetime:
    header = resp.headers.get("Date")
    if header:
        try:
            parsed = email.utils.parsedate_to_datetime(header)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed.astimezone(dt.UTC)
        except (TypeError, ValueError):
            pass
    return dt.datetime.now(dt.UTC)


def status_message(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200].strip() or resp.reason or ""
    if isinstance(body, dict):
        if "status_message" in body:
            return f"status_code {body.get('status_code')}: {body['status_message']}"
        if "errors" in body:
            return "; ".join(str(e) for e in body["errors"])
    return str(body)[:200]
