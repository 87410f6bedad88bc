"""The simulator's HTTP server: TMDb v3 routes under /3, admin routes under /__admin."""

import collections
import datetime as dt
import email.utils
import json
import logging
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tmdb_simulator import enrich, exports
from tmdb_simulator.catalog import Catalog
from tmdb_simulator.tv import TVCatalog

log = logging.getLogger("tmdb_simulator")

ERRORS = {
    6: (404, "Invalid id: The pre-requisite id is invalid or not found."),
    7: (401, "Invalid API key: You must be granted a valid key."),
    11: (500, "Internal error: Something went wrong, contact TMDb."),
    20: (422, "Invalid date range: Should be a range no longer than 14 days."),
    22: (400, "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer."),
    24: (504, "Your request to the backend server timed out. Try again."),
    25: (429, "Your request count (#) is over the allowed limit of (40)."),
    27: (400, "Too many append to response objects: The maximum number of remote calls is 20."),
    34: (404, "The resource you requested could not be found."),
    46: (503, "The API is undergoing maintenance. Try again later."),
}
FAULT_CODES = {500: 11, 503: 46, 504: 24, 429: 25, 401: 7, 404: 34}
SORTS = {
    "popularity": "popularity",
    "vote_count": "vote_count",
    "vote_average": "vote_average",
    "primary_release_date": "release_date",
    "release_date": "release_date",
    "title": "title",
    "original_title": "original_title",
    "revenue": "revenue",
    # /discover/tv
    "first_air_date": "first_air_date",
    "name": "name",
    "original_name": "original_name",
}
TEXT_SORTS = {"title", "original_title", "release_date", "name", "original_name", "first_air_date"}
PAGE_SIZE = 20
CHANGES_PAGE_SIZE = 100


EXPORTS_PREFIX = "/p/exports/"


@dataclass
class SimulatorConfig:
    movies: int = 1000
    tv_series: int = 200  # the TV catalogue (TMDb holds about one series for five movies)
    seed: int = 7
    rate_limit: float = 50.0  # requests per rolling second; 0 disables
    max_connections: int = 20  # simultaneous requests in flight
    latency_ms: float = 0.0
    fault_rate: float = 0.0
    token: str | None = None
    date: dt.date | None = None  # simulated day; None follows the clock
    retry_after: bool = True  # send Retry-After with 429 (TMDb does not reliably)
    freeze_clock: bool = False  # the Date header stays at 00:05 after the day (repeatable runs)
    export_tail: int = 0  # ids beyond the catalog in each daily ID export (the long tail)


@dataclass
class Stats:
    requests: int = 0
    by_status: collections.Counter = field(default_factory=collections.Counter)
    by_route: collections.Counter = field(default_factory=collections.Counter)
    by_append: collections.Counter = field(default_factory=collections.Counter)  # details parts
    times: collections.deque = field(default_factory=lambda: collections.deque(maxlen=200_000))
    max_in_flight: int = 0

    def as_dict(self) -> dict[str, Any]:
        ts = list(self.times)
        worst, j = 0, 0
        for i, t in enumerate(ts):
            while ts[j] <= t - 1.0:
                j += 1
            worst = max(worst, i - j + 1)
        return {
            "requests": self.requests,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "by_route": dict(sorted(self.by_route.items())),
            "by_append": dict(sorted(self.by_append.items())),
            "max_requests_in_1s": worst,
            "max_in_flight": self.max_in_flight,
        }


class SimulatorState:
    """Shared, lock-protected state of one simulator: config, clock, rate window, faults."""

    def __init__(self, config: SimulatorConfig):
        self.config = config
        self.catalog = Catalog(config.movies, config.seed)
        self.tv = TVCatalog(config.tv_series, config.seed, people_from=self.catalog)
        self.lock = threading.Lock()
        self.window: collections.deque = collections.deque()
        self.in_flight = 0
        self.stats = Stats()
        self.fail_next: list[int] = []
        self.malformed_ids: set[int] = set()
        self.omit_credits = False  # details ignore append_to_response=credits (an older capture)
        # Daily ID exports: built files by name; overrides (POST /__admin/exports) win, None
        # meaning "not on the server".
        self.exports: dict[str, bytes] = {}
        self.export_overrides: dict[str, bytes | None] = {}
        self.export_cuts: dict[str, int] = {}  # file -> bytes sent before the connection drops
        # Injected faults (POST /__admin/faults), each consumed as it is served:
        # Keys: a movie's id or a discover page number; ("tv", n) for a series or a TV page
        # (written "tv:n" in the admin payload).
        self.page_faults: dict[Any, list[int]] = {}  # discover page -> result counts to serve
        self.item_faults: dict[Any, dict[str, Any]] = {}  # movie -> fields of its discover item
        self.body_faults: dict[Any, list[str]] = {}  # movie -> details bodies: nonjson, truncated
        self.always_bad_bodies: dict[Any, str] = {}  # movie -> a details body broken every time
        self.hold_details_after: int | None = None  # hold details requests past this many
        self.provider_drops: dict[int, set[dt.date]] = {}  # movie -> days it loses a provider
        self.hang_next = 0  # the next N details requests hang for hang_s (a stalled response)
        self.hang_s = 0.0
        self.details_served = 0
        self.held = 0
        self.released = threading.Event()
        self.fault_rng = random.Random(config.seed * 31 + 1)
        self._discover_cache: dict[tuple, list[dict[str, Any]]] = {}
        self._set_at = time.monotonic()
        self.at = dt.time(0, 5)  # the clock's time of day on the morning after the day

    # The simulated clock: day D means "just after day D ended" (00:05 UTC on D+1, or the
    # time of day given with the date: 09:00 when the day's export file is wanted).
    def now(self) -> dt.datetime:
        if self.config.date is None:
            return dt.datetime.now(dt.UTC)
        start = dt.datetime.combine(self.config.date + dt.timedelta(days=1), self.at, dt.UTC)
        if self.config.freeze_clock:
            return start
        return start + dt.timedelta(seconds=time.monotonic() - self._set_at)

    def day(self) -> dt.date:
        """The day whose end state is served: the last one that ended."""
        if self.config.date is not None:
            return self.config.date
        return (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date()

    def set_date(self, day: dt.date | None, at: dt.time = dt.time(0, 5)) -> None:
        with self.lock:
            self.config.date = day
            self.at = at
            self._set_at = time.monotonic()

    def admit(self) -> int | None:
        """Count the request against the limits; returns an error code when refused."""
        with self.lock:
            now = time.monotonic()
            self.stats.requests += 1
            if self.fail_next:
                return FAULT_CODES.get(self.fail_next.pop(0), 11)
            limit = self.config.rate_limit
            if limit:
                while self.window and self.window[0] <= now - 1.0:
                    self.window.popleft()
                if len(self.window) >= limit:
                    return 25
            if self.config.max_connections and self.in_flight >= self.config.max_connections:
                return 25
            if self.config.fault_rate and self.fault_rng.random() < self.config.fault_rate:
                return self.fault_rng.choice([11, 11, 46, 24])
            self.window.append(now)
            self.stats.times.append(now)
            self.in_flight += 1
            self.stats.max_in_flight = max(self.stats.max_in_flight, self.in_flight)
            return None

    def discover_list(self, day: dt.date, query: tuple, build) -> list[dict[str, Any]]:
        """A discover query's full result list, built once per (day, query)."""
        key = (day, query)
        with self.lock:
            hit = self._discover_cache.get(key)
        if hit is None:
            hit = build()
            with self.lock:
                if len(self._discover_cache) >= 16:
                    self._discover_cache.pop(next(iter(self._discover_cache)))
                self._discover_cache[key] = hit
        return hit

    def release(self) -> None:
        with self.lock:
            self.in_flight -= 1


class ApiError(Exception):
    def __init__(self, code: int):
        self.code = code


def _fault_key(key: str) -> Any:
    """A fault's key in an admin payload: "550" (a movie, or a movie discover page), or
    "tv:1399" (a series, or a TV discover page)."""
    if key.startswith("tv:"):
        return ("tv", int(key[3:]))
    return int(key)


def _keyed(cat: Catalog, n: int) -> Any:
    """The fault key of id or page `n` in `cat`'s domain."""
    return ("tv", n) if isinstance(cat, TVCatalog) else n


def _page(params: dict[str, str]) -> int:
    raw = params.get("page", "1")
    if not re.fullmatch(r"\d{1,6}", raw):
        raise ApiError(22)
    page = int(raw)
    if not 1 <= page <= 500:
        raise ApiError(22)
    return page


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ApiError(20) from None


class Handler(BaseHTTPRequestHandler):
    server_version = "openresty"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    state: SimulatorState  # set on the subclass by make_server

    def version_string(self) -> str:
        return "openresty"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    # --- plumbing ----------------------------------------------------------------------------

    def _send(
        self, status: int, body: Any, headers: dict[str, str] | None = None, count: bool = True
    ) -> None:
        raw = (
            body
            if isinstance(body, bytes)
            else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", "public, max-age=600" if status == 200 else "no-cache")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if count:  # before the body goes out: a client that reads the stats next sees it
            with self.state.lock:
                self.state.stats.by_status[status] += 1
        self.end_headers()
        self.wfile.write(raw)

    def date_time_string(self, timestamp: float | None = None) -> str:
        return email.utils.format_datetime(self.state.now(), usegmt=True)

    def _error(self, code: int) -> None:
        status, message = ERRORS[code]
        headers = {}
        if code == 25 and self.state.config.retry_after:
            headers["Retry-After"] = "1"
        self._send(
            status, {"success": False, "status_code": code, "status_message": message}, headers
        )

    def _authorized(self, params: dict[str, str]) -> bool:
        auth = self.headers.get("Authorization", "")
        token = (
            auth[7:].strip() if auth.startswith("Bearer ") else params.get("api_key", "").strip()
        )
        if not token:
            return False
        return self.state.config.token is None or token == self.state.config.token

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if parts.path.startswith("/__admin/"):
            return self._admin_get(parts.path)
        if parts.path.startswith(EXPORTS_PREFIX):
            return self._export(parts.path.removeprefix(EXPORTS_PREFIX))
        route = self._route_name(parts.path)
        with self.state.lock:
            self.state.stats.by_route[route] += 1
        refused = self.state.admit()
        if refused is not None:
            return self._error(refused)
        try:
            if route == "details":
                self._maybe_hold()
            if self.state.config.latency_ms:
                time.sleep(self.state.config.latency_ms / 1000.0)
            if not self._authorized(params):
                return self._error(7)
            body = self._dispatch(parts.path, params)
            details = route in ("details", "tv_details")
            broken = self._broken_body(parts.path, body) if details else None
            self._send(200, broken if broken is not None else body)
        except ApiError as exc:
            self._error(exc.code)
        finally:
            self.state.release()

    def do_HEAD(self) -> None:
        """The files host answers HEAD as S3 does: the GET's status and headers, no body."""
        parts = urlsplit(self.path)
        if parts.path.startswith(EXPORTS_PREFIX):
            return self._export(parts.path.removeprefix(EXPORTS_PREFIX), head=True)
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        try:
            payload = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self._send(400, {"error": "body must be JSON"}, count=False)
        if parts.path == "/__admin/date":
            # {"date": D} serves day D just after it ended; {"date": D, "time": "09:00"}: at
            # that time of the next morning (day D's export file is built at 07:30).
            day, at = payload.get("date"), payload.get("time") or "00:05"
            self.state.set_date(
                dt.date.fromisoformat(day) if day else None, dt.time.fromisoformat(at)
            )
            return self._send(200, {"date": day, "time": at}, count=False)
        if parts.path == "/__admin/faults":
            with self.state.lock:
                if "fail_next" in payload:
                    self.state.fail_next = [int(s) for s in payload["fail_next"]]
                if "fault_rate" in payload:
                    self.state.config.fault_rate = float(payload["fault_rate"])
                if "rate_limit" in payload:
                    self.state.config.rate_limit = float(payload["rate_limit"])
                if "retry_after" in payload:
                    self.state.config.retry_after = bool(payload["retry_after"])
                if "malformed_ids" in payload:
                    self.state.malformed_ids = {int(i) for i in payload["malformed_ids"]}
                if "omit_credits" in payload:
                    self.state.omit_credits = bool(payload["omit_credits"])
                if "freeze_clock" in payload:
                    self.state.config.freeze_clock = bool(payload["freeze_clock"])
                if "latency_ms" in payload:
                    self.state.config.latency_ms = float(payload["latency_ms"])
                # {"3": [0]}: the next time page 3 is served it holds 0 results.
                # ("tv:3": TV discover's page 3; "tv:1399": series 1399, in the three below.)
                for page, sizes in (payload.get("short_pages") or {}).items():
                    self.state.page_faults[_fault_key(page)] = [int(n) for n in sizes]
                # {"550": {"vote_count": "x"}}: fields of a movie's discover item, every time.
                for movie, fields in (payload.get("item_fields") or {}).items():
                    self.state.item_faults[_fault_key(movie)] = dict(fields)
                # {"550": ["nonjson", "truncated"]}: its next details bodies; "always:KIND" keeps it.
                for movie, kinds in (payload.get("bad_bodies") or {}).items():
                    if isinstance(kinds, str) and kinds.startswith("always:"):
                        self.state.always_bad_bodies[_fault_key(movie)] = kinds.split(":", 1)[1]
                    else:
                        self.state.body_faults[_fault_key(movie)] = list(kinds)
                # {"550": ["2025-03-02"]}: on those days movie 550 loses its first provider.
                for movie, days in (payload.get("provider_drops") or {}).items():
                    self.state.provider_drops[int(movie)] = {dt.date.fromisoformat(d) for d in days}
                if "hang_next" in payload:
                    self.state.hang_next = int(payload["hang_next"])
                    self.state.hang_s = float(payload.get("hang_s", 5.0))
                if "hold_details_after" in payload:
                    after = payload["hold_details_after"]
                    self.state.hold_details_after = None if after is None else int(after)
                    self.state.details_served = 0
                    self.state.released.clear()
            if payload.get("release"):
                self.state.released.set()
            return self._send(200, {"ok": True}, count=False)
        if parts.path == "/__admin/exports":
            # {"name": F, "lines": [...], "truncate": true} serves F with these raw lines;
            # {"name": F, "missing": true} takes F off the server; {"tail": N} sets the tail;
            # {"name": F, "cut_at": N}: F's next download stops after N bytes (the connection
            # drops mid-transfer, the Content-Length promising the whole file).
            with self.state.lock:
                if "tail" in payload:
                    self.state.config.export_tail = int(payload["tail"])
                    self.state.exports.clear()
                name = payload.get("name")
                if name and "cut_at" in payload:
                    self.state.export_cuts[name] = int(payload["cut_at"])
                elif name and payload.get("missing"):
                    self.state.export_overrides[name] = None
                elif name:
                    lines = [str(line).encode() for line in payload.get("lines", [])]
                    self.state.export_overrides[name] = exports.gzip_lines(
                        lines, truncate=bool(payload.get("truncate"))
                    )
            return self._send(200, {"ok": True}, count=False)
        if parts.path == "/__admin/reset":
            with self.state.lock:
                self.state.stats = Stats()
                self.state.window.clear()
                self.state.page_faults.clear()
                self.state.item_faults.clear()
                self.state.body_faults.clear()
                self.state.always_bad_bodies.clear()
                self.state.hold_details_after = None
                self.state.released.set()
            return self._send(200, {"ok": True}, count=False)
        self._send(404, {"error": "unknown admin route"}, count=False)

    def _admin_get(self, path: str) -> None:
        if path == "/__admin/state":
            with self.state.lock:
                stats = self.state.stats.as_dict()
            cfg = self.state.config
            return self._send(
                200,
                {
                    "day": self.state.day().isoformat(),
                    "now": self.state.now().isoformat(),
                    "movies": cfg.movies,
                    "tv_series": cfg.tv_series,
                    "seed": cfg.seed,
                    "rate_limit": cfg.rate_limit,
                    "stats": stats,
                    "held": self.state.held,
                    "details_served": self.state.details_served,
                },
                count=False,
            )
        self._send(404, {"error": "unknown admin route"}, count=False)

    def _maybe_hold(self) -> None:
        """A test's hook: past `hold_details_after` details requests, wait until released (a
        run can then be killed at a known point, with no sleep in the test)."""
        state = self.state
        with state.lock:
            hang = state.hang_s if state.hang_next > 0 else 0.0
            state.hang_next = max(0, state.hang_next - 1)
        if hang:
            time.sleep(hang)
        with state.lock:
            state.details_served += 1
            hold = state.hold_details_after is not None and (
                state.details_served > state.hold_details_after
            )
            if hold:
                state.held += 1
        if hold:
            try:
                state.released.wait(600)
            finally:
                with state.lock:
                    state.held -= 1

    def _broken_body(self, path: str, body: Any) -> bytes | None:
        """A details body made unreadable by an injected fault (non-JSON or cut short)."""
        m = re.fullmatch(r"/3/(movie|tv)/(\d+)", path)
        if not m:
            return None
        movie = int(m.group(2)) if m.group(1) == "movie" else ("tv", int(m.group(2)))
        with self.state.lock:
            kind = self.state.always_bad_bodies.get(movie)
            queue = self.state.body_faults.get(movie)
            if kind is None and queue:
                kind = queue.pop(0)
        if kind is None:
            return None
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        if kind == "truncated":
            return raw[: len(raw) // 2]  # a body cut in the middle (framed as complete)
        return b"<html><body><h1>502 Bad Gateway</h1></body></html>"

    @staticmethod
    def _route_name(path: str) -> str:
        if path.startswith("/3/movie/changes"):
            return "changes"
        if path.startswith("/3/tv/changes"):
            return "tv_changes"
        if re.fullmatch(r"/3/movie/[^/]+(/credits)?", path):
            return "details"
        if re.fullmatch(r"/3/tv/[^/]+(/aggregate_credits)?", path):
            return "tv_details"
        return path.removeprefix("/3/").split("?")[0]

    # --- daily ID exports (files.tmdb.org: no auth, no API rate limit) -------------------------

    def _export(self, name: str, head: bool = False) -> None:
        with self.state.lock:
            self.state.stats.by_route["exports_head" if head else "exports"] += 1
            if self.headers.get("Authorization") or "api_key=" in self.path:
                self.state.stats.by_route["exports_with_authorization"] += 1
        body = self._export_body(name)
        if body is None:
            raw = (
                b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                b"<Message>The specified key does not exist.</Message></Error>"
            )
            self.send_response(404)
            self.send_header("Content-Type", "application/xml")
        else:
            raw = body
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(raw)))
        if head:
            self.end_headers()
            return
        with self.state.lock:
            self.state.stats.by_status[404 if body is None else 200] += 1
            cut = self.state.export_cuts.pop(name, None) if body is not None else None
        self.end_headers()
        if cut is None:
            self.wfile.write(raw)
            return
        self.wfile.write(raw[:cut])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _export_body(self, name: str) -> bytes | None:
        """The file's bytes, or None: not built yet (TMDb builds the day's file about 07:30
        UTC), older than the retention, or not a file of this kind."""
        with self.state.lock:
            if name in self.state.export_overrides:
                return self.state.export_overrides[name]
            built = self.state.exports.get(name)
        if built is not None:
            return built
        day = exports.file_date(name)
        now = self.state.now()
        if day is None:
            return None
        built_at = dt.datetime.combine(day, dt.time(7, 30), dt.UTC)
        if built_at > now or (now.date() - day).days > exports.RETENTION_DAYS:
            return None
        adult = name.startswith("adult_")
        tv = "tv_series_ids_" in name
        catalog = self.state.tv if tv else self.state.catalog
        # The series' file: a fifth of the movies' tail (TMDb lists about a series for five
        # movies); no adult ids' file of its own.
        tail = 0 if adult else self.state.config.export_tail // (5 if tv else 1)
        body = exports.gzip_lines(exports.export_lines(catalog, day, tail, adult))
        with self.state.lock:
            # Built files are kept up to about 600 MB (a benchmark's month of million-line files).
            while self.state.exports and sum(map(len, self.state.exports.values())) > 600 << 20:
                self.state.exports.pop(next(iter(self.state.exports)))
            self.state.exports[name] = body
        return body

    # --- TMDb routes -------------------------------------------------------------------------

    def _dispatch(self, path: str, params: dict[str, str]) -> Any:
        cat = self.state.catalog
        if path == "/3/discover/movie":
            return self._discover(params, cat)
        if path == "/3/movie/changes":
            return self._changes(params, cat)
        if path == "/3/genre/movie/list":
            return {"genres": cat.genres}
        if path == "/3/discover/tv":
            return self._discover(params, self.state.tv)
        if path == "/3/tv/changes":
            return self._changes(params, self.state.tv)
        if path == "/3/genre/tv/list":
            return {"genres": self.state.tv.genres}
        m = re.fullmatch(r"/3/tv/([^/]+)(/aggregate_credits)?", path)
        if m:
            return self._series(m.group(1), bool(m.group(2)), params)
        if path == "/3/configuration/countries":
            return cat.countries
        if path == "/3/configuration/languages":
            return cat.languages
        m = re.fullmatch(r"/3/movie/([^/]+)(/credits)?", path)
        if m:
            return self._movie(m.group(1), bool(m.group(2)), params)
        m = re.fullmatch(r"/3/trending/movie/(day|week)", path)
        if m:
            return self._trending(m.group(1), params)
        raise ApiError(34)

    def _trending(self, window: str, params: dict[str, str]) -> dict[str, Any]:
        """/trending/movie/{day,week}: the day's movies in TMDb's trending order, 20 a page
        (TMDb serves at most 500 pages), each a discover item with its media_type."""
        page = _page(params)
        day = self.state.day()
        cat = self.state.catalog
        visible = cat.visible(day, include_adult=False)
        ordered = enrich.trending_order(visible, cat.state(day).popularity, day, window, cat.seed)
        total = len(ordered)
        start = (page - 1) * PAGE_SIZE
        results = [
            {**cat.list_item(m, day), "media_type": "movie"}
            for m in ordered[start : start + PAGE_SIZE]
        ]
        return {
            "page": page,
            "results": results,
            "total_pages": min(500, (total + PAGE_SIZE - 1) // PAGE_SIZE),
            "total_results": total,
        }

    def _discover(self, params: dict[str, str], cat: Catalog) -> dict[str, Any]:
        """/discover/movie or /discover/tv (`cat`: the domain's catalogue)."""
        page = _page(params)
        day = self.state.day()
        query = tuple(sorted((k, v) for k, v in params.items() if k not in ("page", "api_key")))
        items = self.state.discover_list(
            day, (type(cat).__name__, *query), lambda: self._discover_list(day, params, cat)
        )
        total = len(items)
        start = (page - 1) * PAGE_SIZE
        # Paging is not a snapshot: ranks shift while a client pages, so the last movie of one
        # page sometimes shows again at the top of the next.
        shift_rng = random.Random(f"{cat.seed}|{day}|{page}")
        if page == 2 or (page > 2 and shift_rng.random() < 0.2):
            start -= 1
        results = items[start : start + PAGE_SIZE] if start < total else []
        with self.state.lock:
            sizes = self.state.page_faults.get(_keyed(cat, page))
            short = sizes.pop(0) if sizes else None
            item_faults = dict(self.state.item_faults)
        if short is not None:
            results = results[:short]  # TMDb has served short and empty pages mid-list
        if item_faults:
            results = [
                {**r, **item_faults[_keyed(cat, r["id"])]}
                if _keyed(cat, r["id"]) in item_faults
                else r
                for r in results
            ]
        return {
            "page": page,
            "results": results,
            "total_pages": (total + PAGE_SIZE - 1) // PAGE_SIZE,
            "total_results": total,
        }

    def _discover_list(
        self, day: dt.date, params: dict[str, str], cat: Catalog
    ) -> list[dict[str, Any]]:
        """The whole filtered, sorted result list of a discover query on `day`."""
        include_adult = params.get("include_adult", "false").lower() == "true"
        movies = cat.visible(day, include_adult)
        items = [cat.list_item(m, day) for m in movies]
        date_field, date_param = (
            ("first_air_date", "first_air_date")
            if isinstance(cat, TVCatalog)
            else ("release_date", "primary_release_date")
        )
        gte, lte = _date(params.get(f"{date_param}.gte")), _date(params.get(f"{date_param}.lte"))
        if gte or lte:
            items = [
                i for i in items
                if i[date_field]
                and (not gte or i[date_field] >= gte.isoformat())
                and (not lte or i[date_field] <= lte.isoformat())
            ]  # fmt: skip
        if params.get("with_original_language"):
            langs = set(params["with_original_language"].replace("|", ",").split(","))
            items = [i for i in items if i["original_language"] in langs]
        if params.get("vote_count.gte"):
            try:
                floor = float(params["vote_count.gte"])
            except ValueError:
                raise ApiError(22) from None
            items = [i for i in items if i["vote_count"] >= floor]
        sort_by = params.get("sort_by", "popularity.desc")
        field_name, _, direction = sort_by.partition(".")
        key = SORTS.get(field_name, "popularity")
        if isinstance(cat, TVCatalog) and key in ("release_date", "title", "original_title"):
            key = {"release_date": "first_air_date", "title": "name"}.get(key, "original_name")
        reverse = direction != "asc"
        items.sort(
            key=lambda i: (
                i.get(key) or 0 if key not in TEXT_SORTS else i.get(key) or "",
                i["id"],
            ),
            reverse=reverse,
        )
        return items

    def _movie(self, raw_id: str, credits_only: bool, params: dict[str, str]) -> Any:
        append = [a for a in params.get("append_to_response", "").split(",") if a]
        with self.state.lock:
            self.state.stats.by_append.update(append)
        if not raw_id.isdigit():
            raise ApiError(6)
        cat = self.state.catalog
        day = self.state.day()
        movie = cat.by_id.get(int(raw_id)) or exports.tail_movie(
            cat, int(raw_id), self.state.config.export_tail
        )
        if movie is None or movie.deleted or movie.added > day:
            raise ApiError(34)
        if credits_only:
            return cat.credits(movie)
        if len(append) > 20:
            raise ApiError(27)
        if self.state.omit_credits:
            append = [a for a in append if a != "credits"]
        body = cat.details(movie, day)
        if movie.id in self.state.malformed_ids:
            body["id"] = None
            body["popularity"] = "not a number"
        seed = cat.seed
        for item in append:
            if item == "credits":
                body["credits"] = cat.credits(movie)
            elif item in body:
                continue  # a recorded response's own part
            elif item == "keywords":
                body["keywords"] = enrich.keywords(movie.id, seed)
            elif item == "release_dates":
                body["release_dates"] = enrich.release_dates(movie.id, body, seed)
            elif item == "watch/providers":
                with self.state.lock:
                    dropped = day in self.state.provider_drops.get(movie.id, ())
                body["watch/providers"] = enrich.watch_providers(
                    movie.id, body, day, seed, dropped=dropped
                )
            elif item == "external_ids":
                body["external_ids"] = enrich.external_ids(movie.id, body, seed)
            elif item in ("videos", "alternative_titles", "translations"):
                body[item] = {"results": []}
            elif item == "images":
                body[item] = {"backdrops": [], "logos": [], "posters": []}
        return body

    def _series(self, raw_id: str, credits_only: bool, params: dict[str, str]) -> Any:
        """/tv/{id} with its appended parts (aggregate credits, content ratings, external ids,
        keywords under `results`, watch providers), or /tv/{id}/aggregate_credits."""
        append = [a for a in params.get("append_to_response", "").split(",") if a]
        with self.state.lock:
            self.state.stats.by_append.update(f"tv:{a}" for a in append)
        if not raw_id.isdigit():
            raise ApiError(6)
        cat = self.state.tv
        day = self.state.day()
        series = cat.by_id.get(int(raw_id))
        if series is None or series.deleted or series.added > day:
            raise ApiError(34)
        if credits_only:
            return cat.credits(series)
        if len(append) > 20:
            raise ApiError(27)
        body = cat.details(series, day)
        seed = cat.seed
        parts = {
            "aggregate_credits": lambda: cat.credits(series),
            "content_ratings": lambda: cat.content_ratings(series),
            "external_ids": lambda: cat.external_ids(series),
            "keywords": lambda: enrich.keywords(series.id, seed, key="results"),
            "watch/providers": lambda: enrich.watch_providers(
                series.id, body, day, seed, media="tv"
            ),
        }
        for item in append:
            if item in parts:
                body[item] = parts[item]()
            elif item in ("videos", "alternative_titles", "translations", "similar"):
                body[item] = {"results": []}
        return body

    def _changes(self, params: dict[str, str], cat: Catalog) -> dict[str, Any]:
        """/movie/changes or /tv/changes (`cat`: the domain's catalogue)."""
        page = _page(params)
        now_day = self.state.day()
        end = _date(params.get("end_date")) or now_day
        start = _date(params.get("start_date")) or (end - dt.timedelta(days=1))
        if end < start or (end - start).days > 14:
            raise ApiError(20)
        end = min(end, now_day)  # the future has not changed yet
        changed = cat.changed_ids(start, end) if start <= end else []
        # A movie that loses a provider (the provider_drops fault) is listed on the day it loses
        # it and the day it regains it, so a client refetches it then.
        with self.state.lock:
            drops = (
                {}
                if isinstance(cat, TVCatalog)
                else {m: set(days) for m, days in self.state.provider_drops.items()}
            )
        listed = {i for i, _ in changed}
        for movie_id, days in sorted(drops.items()):
            touched = days | {d + dt.timedelta(days=1) for d in days}
            if movie_id not in listed and any(start <= d <= end for d in touched):
                changed.append((movie_id, None))
        total = len(changed)
        chunk = changed[(page - 1) * CHANGES_PAGE_SIZE : page * CHANGES_PAGE_SIZE]
        return {
            "results": [{"id": i, "adult": a} for i, a in chunk],
            "page": page,
            "total_pages": (total + CHANGES_PAGE_SIZE - 1) // CHANGES_PAGE_SIZE,
            "total_results": total,
        }


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def make_server(config: SimulatorConfig, host: str = "127.0.0.1", port: int = 0) -> SimulatorServer:
    """A ready (not yet serving) simulator; port 0 picks a free port."""
    state = SimulatorState(config)
    handler = type("BoundHandler", (Handler,), {"state": state})
    server = SimulatorServer((host, port), handler)
    server.state = state  # type: ignore[attr-defined]
    return server


class RunningSimulator:
    """A simulator serving on a background thread (for tests and the benchmark)."""

    def __init__(
        self, config: SimulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ):
        self.server = make_server(config or SimulatorConfig(), host, port)
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="tmdb-simulator", daemon=True
        )

    @property
    def state(self) -> SimulatorState:
        return self.server.state  # type: ignore[attr-defined]

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/3"

    def __enter__(self) -> "RunningSimulator":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
