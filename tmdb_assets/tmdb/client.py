"""The TMDb API v3 client (requests + tenacity): discover pages, details, changes, genre lists.

Production code reaches TMDb only through this module; tests and the demo point it at the local
simulator by base URL. The token lives in the session's Authorization header and nowhere else:
it never appears in a log line, an exception message or Dagster metadata.
"""

import datetime as dt
import logging
import random
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any

import orjson
import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from tmdb_assets.settings import DEFAULT_API_BASE_URL, default
from tmdb_assets.tmdb.errors import (
    Retryable,
    TMDbAuthError,
    TMDbPayloadError,
    TMDbRateLimitedError,
    TMDbRequestError,
    TMDbStopped,
    TMDbUnavailableError,
)
from tmdb_assets.tmdb.pages import DISCOVER_MAX_PAGE, paged_list
from tmdb_assets.tmdb.ratelimit import StopWaiting
from tmdb_assets.tmdb.responses import (
    MAX_INVALID_BODY,
    ClientStats,
    TMDbResponse,
    parse_retry_after,
    response_date,
    shared_limiter,
    status_message,
)
from tmdb_assets.tmdb.transport import Transport
from tmdb_assets.transform.media import MOVIE, Media

log = logging.getLogger(__name__)

CHANGES_MAX_DAYS = 14


class TMDbClient:
    """Thread-safe TMDb v3 client: one session, one shared rate limiter, bounded retries."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_API_BASE_URL,
        *,
        rate_limit_per_second: float = default("rate_limit_per_second"),
        max_concurrency: int = default("max_concurrency"),
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 30.0,
        max_retries: int = 5,
        backoff_max_s: float = 30.0,
        logger: logging.Logger | Any | None = None,
    ):
        token = (token or "").strip()
        if not token:
            raise TMDbAuthError(
                "TMDB_API_TOKEN is empty: set it to your TMDb v4 API Read Access Token "
                "(themoviedb.org > Settings > API), or run against the simulator."
            )
        if max_concurrency < 1 or max_concurrency > 20:
            raise ValueError(
                "max_concurrency must be within 1..20 (TMDb allows 20 connections per IP)"
            )
        self.base_url = base_url.rstrip("/")
        self.max_concurrency = max_concurrency
        self.timeout = (connect_timeout_s, read_timeout_s)
        self.max_retries = max_retries
        self.backoff_max_s = backoff_max_s
        self.limiter = shared_limiter(self.base_url, rate_limit_per_second)
        self.stats = ClientStats()
        self.log = logger or log
        # The session, and how a stopped run stops every request at once (transport.py).
        self.transport = Transport(token, max_concurrency)
        self.session = self.transport.session

    def __repr__(self) -> str:
        return f"TMDbClient(base_url={self.base_url!r}, token=***)"

    def close(self) -> None:
        self.transport.close()

    def abort(self) -> None:
        """Stop every request now (the run was stopped): TMDbStopped from here on."""
        self.transport.abort()

    # --- one request -------------------------------------------------------------------------

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            delay = min(retry_after, 60.0) + random.uniform(0, 0.25)
        else:
            # Full jitter: workers that failed together do not come back together.
            delay = random.uniform(0, min(self.backoff_max_s, 0.5 * 2**state.attempt_number))
        if getattr(exc, "status", None) == 429:
            self.limiter.pause(delay)
        return delay

    def _before_sleep(self, state: RetryCallState) -> None:
        self.stats.add(retries=1)
        exc = state.outcome.exception() if state.outcome else None
        self.log.warning(
            f"TMDb {exc}; retry {state.attempt_number}/{self.max_retries} in "
            f"{state.next_action.sleep if state.next_action else 0:.2f}s"
        )

    def _once(self, path: str, params: dict[str, Any]) -> TMDbResponse | None:
        url = f"{self.base_url}{path}"
        try:
            # Its place in the rate window is held until a second after the response.
            self.transport.check()
            with self.limiter.request(self.transport.stopped) as waited:
                self.stats.add(rate_wait_s=waited, requests=1)
                resp = self.session.get(url, params=params, timeout=self.timeout)
                content = resp.content  # a body cut mid-transfer fails here, as a broken link
        except StopWaiting:
            raise TMDbStopped(f"the run was stopped before GET {path}") from None
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            self.transport.check()  # a connection cut by abort(): stopped, not a network error
            self.stats.add(connection_errors=1)
            raise Retryable(f"GET {path} failed: {type(exc).__name__}") from None
        status = resp.status_code
        if status == 200:
            try:
                data = orjson.loads(content)
            except ValueError:
                self.stats.add(invalid_bodies=1)
                raise Retryable(
                    f"GET {path} returned a body that is not JSON ({len(content)} bytes)",
                    status=200,
                    body=content[:MAX_INVALID_BODY].decode("utf-8", "replace"),
                ) from None
            return TMDbResponse(params=dict(params), data=data, date=response_date(resp))
        if status == 404:
            self.stats.add(not_found=1)
            return TMDbResponse(
                params=dict(params), data=None, date=response_date(resp), status=404
            )
        if status == 401:
            raise TMDbAuthError(
                f"TMDb rejected the token (HTTP 401, {status_message(resp)}) at {self.base_url}. "
                "Set TMDB_API_TOKEN to a valid v4 API Read Access Token."
            )
        if status == 429:
            self.stats.add(http_429=1)
            raise Retryable(
                f"GET {path} -> HTTP 429 (rate limited)",
                retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                status=429,
            )
        if status >= 500:
            self.stats.add(http_5xx=1)
            raise Retryable(
                f"GET {path} -> HTTP {status} ({status_message(resp)})",
                retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                status=status,
            )
        raise TMDbRequestError(f"GET {path} -> HTTP {status}: {status_message(resp)}")

    def request(
        self, path: str, params: dict[str, Any] | None = None, *, keep_invalid: bool = False
    ) -> TMDbResponse:
        """GET a v3 path, retrying 429, 5xx, connection errors and unreadable bodies.

        A 404 comes back as a response with status 404. A 200 whose body stayed unreadable on
        every attempt comes back with `body` set when `keep_invalid` (the caller keeps it as
        evidence), and raises TMDbPayloadError otherwise.
        """
        params = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        retrying = Retrying(
            retry=retry_if_exception_type(Retryable),
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            before_sleep=self._before_sleep,
            sleep=self.transport.sleep,  # a stopped run does not wait to retry
            reraise=True,
        )
        try:
            return retrying(self._once, path, params)
        except Retryable as exc:
            if exc.status == 200:
                if keep_invalid:
                    return TMDbResponse(
                        dict(params), None, dt.datetime.now(dt.UTC), 200, exc.body or ""
                    )
                raise TMDbPayloadError(
                    f"{exc} after {self.max_retries} retries; the API may be degraded: rerun later"
                ) from None
            if exc.status == 429:
                raise TMDbRateLimitedError(
                    f"TMDb at {self.base_url} kept rate-limiting GET {path} (HTTP 429) after "
                    f"{self.max_retries} retries: this client asked faster than the API allows. "
                    f"Lower TMDB_RATE_LIMIT_PER_SECOND (now {self.limiter.rate:g}/s), and check "
                    "that no other client or run shares this API key or IP; then rerun."
                ) from None
            raise TMDbUnavailableError(
                f"TMDb at {self.base_url} kept failing: {exc} after {self.max_retries} retries. "
                "Check the network and TMDB_API_BASE_URL, then rerun."
            ) from None

    def get(self, path: str, params: dict[str, Any] | None = None) -> TMDbResponse | None:
        """GET a v3 path. Returns None on 404; retries 429, 5xx and connection errors."""
        resp = self.request(path, params)
        return None if resp.not_found else resp

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> TMDbResponse:
        """Like get(), but a 404 is an error (for endpoints that always exist)."""
        resp = self.get(path, params)
        if resp is None:
            raise TMDbRequestError(
                f"GET {path} -> HTTP 404 at {self.base_url}: is TMDB_API_BASE_URL right "
                "(it must end in /3)?"
            )
        return resp

    # --- endpoints ---------------------------------------------------------------------------

    def list_page(
        self, page: int, params: dict[str, Any] | None = None, path: str = "/discover/movie"
    ) -> TMDbResponse:
        """One page of a paged list (/discover/movie, /trending/movie/day, ...)."""
        if not 1 <= page <= DISCOVER_MAX_PAGE:
            raise ValueError(f"{path} page {page} is outside 1..{DISCOVER_MAX_PAGE}")
        resp = self.get_json(path, {**(params or {}), "page": page})
        data = resp.data
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise TMDbPayloadError(f"{path} page {page}: no 'results' list in the body")
        return resp

    def discover_page(self, page: int, params: dict[str, Any] | None = None) -> TMDbResponse:
        return self.list_page(page, params)

    def trending(self, window: str, pages: int, language: str | None = None) -> list[TMDbResponse]:
        """TMDb's trending movies of the day or the week (`window`): pages 1..N, validated as
        discover's are."""
        if window not in ("day", "week"):
            raise ValueError(f"trending window {window!r} is not 'day' or 'week'")
        params = {"language": language} if language else {}
        return paged_list(self, pages, params, path=f"/trending/movie/{window}")

    def discover(
        self,
        pages: int,
        params: dict[str, Any] | None = None,
        *,
        short_page_retries: int = 3,
        media: Media = MOVIE,
    ) -> list[TMDbResponse]:
        """A complete discover list of `media` (/discover/movie, /discover/tv): pages 1..N (up
        to TMDb's last page), validated."""
        return paged_list(
            self, pages, params, path=media.discover_path, short_page_retries=short_page_retries
        )

    def movie_details(self, movie_id: int, append: Iterable[str] = ()) -> TMDbResponse | None:
        """/movie/{id}; None on 404."""
        resp = self.details_response(movie_id, append)
        return None if resp.not_found else resp

    def details_response(
        self, item_id: int, append: Iterable[str] = (), media: Media = MOVIE
    ) -> TMDbResponse:
        """/movie/{id} (or /tv/{id}) as a response whatever came back: 200, 404 (status) or a
        body that stayed unreadable after the retries (`invalid`, with the body kept)."""
        append = list(append)
        if len(append) > 20:
            raise ValueError("append_to_response takes at most 20 items")
        params = {"append_to_response": ",".join(append)} if append else {}
        return self.request(media.details_url(item_id), params, keep_invalid=True)

    def fetch_details(
        self, item_ids: Iterable[int], append: Iterable[str] = (), media: Media = MOVIE
    ) -> Iterator[tuple[int, TMDbResponse]]:
        """Details of many movies (or series), fetched concurrently below the shared rate limit.

        Yields (id, response) as each arrives (a 404 and an unreadable body are responses
        too: see details_response), at most a bounded window in flight. When a request
        fails for good, the responses already received, and those of the requests still in
        flight, are yielded first, then the error is raised: nothing answered is lost.
        """
        append = list(append)
        window = self.max_concurrency * 4
        ids = iter(item_ids)
        in_flight: dict[Future, int] = {}
        with self.transport.workers(self.max_concurrency) as pool:

            def submit() -> None:
                for movie_id in ids:
                    in_flight[pool.submit(self.details_response, movie_id, append, media)] = (
                        movie_id
                    )
                    if len(in_flight) >= window:
                        return

            try:
                submit()
                failure: BaseException | None = None
                while in_flight:
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in done:
                        movie_id = in_flight.pop(future)
                        if future.exception() is not None:
                            failure = failure or future.exception()
                        else:
                            yield movie_id, future.result()
                    if failure is None:
                        submit()
                    else:  # nothing new: what is in flight finishes, then the error
                        for future in list(in_flight):
                            if future.cancel():
                                del in_flight[future]
                if failure is not None:
                    raise failure
            finally:
                for future in in_flight:
                    future.cancel()

    def iter_changes(self, start: dt.date, end: dt.date, media: Media = MOVIE) -> Iterator[int]:
        """Ids of movies (or series) changed in [start, end], in windows of at most 14 days.

        Stops on an empty page: TMDb's total_pages has been seen wrong.
        """
        window_start = start
        while window_start <= end:
            window_end = min(end, window_start + dt.timedelta(days=CHANGES_MAX_DAYS - 1))
            page = 1
            while page <= 1000:
                resp = self.get_json(
                    media.changes_path,
                    {
                        "start_date": window_start.isoformat(),
                        "end_date": window_end.isoformat(),
                        "page": page,
                    },
                )
                results = resp.data.get("results") if isinstance(resp.data, dict) else None
                if not results:
                    break
                for item in results:
                    if isinstance(item, dict) and isinstance(item.get("id"), int):
                        yield item["id"]
                total = resp.data.get("total_pages")
                if isinstance(total, int) and page >= total:
                    break
                page += 1
            window_start = window_end + dt.timedelta(days=1)

    def genre_list(self, language: str | None = None, media: Media = MOVIE) -> TMDbResponse:
        return self.get_json(media.genre_path, {"language": language})

    def countries(self) -> TMDbResponse:
        return self.get_json("/configuration/countries")

    def languages(self) -> TMDbResponse:
        return self.get_json("/configuration/languages")
