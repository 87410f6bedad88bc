"""Paged lists of TMDb (/discover/movie, /trending/movie/{day,week}): every page asked for,
validated as a whole, short pages refetched before the list is judged."""

from typing import TYPE_CHECKING, Any

from tmdb_assets.tmdb.errors import TMDbIncompleteError
from tmdb_assets.tmdb.responses import TMDbResponse
from tmdb_assets.transform.discover import expected_pages, page_problem, page_shape

if TYPE_CHECKING:
    from tmdb_assets.tmdb.client import TMDbClient

DISCOVER_MAX_PAGE = 500  # TMDb rejects page > 500 whatever total_pages says


def paged_list(
    client: "TMDbClient",
    pages: int,
    params: dict[str, Any] | None = None,
    *,
    path: str = "/discover/movie",
    short_page_retries: int = 3,
) -> list[TMDbResponse]:
    """A complete paged list: pages 1..N (up to TMDb's last page), validated.

    Every page but the last must hold 20 results (see transform.page_problem). A short or
    empty page is refetched, with a pause, up to `short_page_retries` times: TMDb's paging
    is not a snapshot and its total_pages has been seen wrong, and one short page kept as
    the day's truth would silently drop its movies. Still short: TMDbIncompleteError, and
    nothing of the capture is kept.
    """
    first = client.list_page(1, params, path)
    last = expected_pages(min(pages, DISCOVER_MAX_PAGE), page_shape(1, first.data))
    got: dict[int, TMDbResponse] = {1: first}
    if last > 1:
        # Pages 2..N in parallel below the rate limit.
        with client.transport.workers(client.max_concurrency) as pool:
            futures = {
                p: pool.submit(client.list_page, p, params, path) for p in range(2, last + 1)
            }
            try:
                for p, future in futures.items():
                    got[p] = future.result()
            finally:
                for future in futures.values():
                    future.cancel()
    shape = page_shape(1, first.data)

    def problems() -> dict[int, str]:
        return {
            p: why
            for p, resp in got.items()
            if (why := page_problem(page_shape(p, resp.data), last, shape))
        }

    bad = problems()
    for attempt in range(1, short_page_retries + 1):
        if not bad:
            break
        client.stats.add(short_pages=len(bad))
        delay = min(client.backoff_max_s, 0.5 * 2**attempt)
        client.log.warning(
            f"TMDb {path}: {'; '.join(bad.values())}; refetching "
            f"{len(bad)} page(s) in {delay:.1f}s (attempt {attempt}/{short_page_retries})"
        )
        client.transport.sleep(delay)
        for p in bad:
            got[p] = client.list_page(p, params, path)
        bad = problems()
    if bad:
        raise TMDbIncompleteError(
            f"TMDb's {path} list stayed incomplete after {short_page_retries} refetches: "
            f"{'; '.join(bad.values())} (total_pages {shape.total_pages}, total_results "
            f"{shape.total_results}). Nothing of this capture was kept. "
            "Rerun later; if TMDb keeps listing fewer pages than it says, ask for fewer "
            "pages (TMDB_DISCOVER_PAGES or --pages)."
        )
    return [got[p] for p in sorted(got)]
