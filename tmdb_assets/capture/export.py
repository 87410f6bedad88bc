"""TMDb's daily ID export: every movie's id and popularity for one request, kept as raw.

Which file is partition D's: TMDb builds `movie_ids_MM_DD_YYYY.json.gz` around 07:00-08:00 UTC
on the day it is named after, from its state at that time. Partition D is "TMDb at the end of
day D", so its file is the one named D+1: the first built after D ended (about 7 hours after;
the closest to the end of D that exists). The file is TMDb's own snapshot, not today's state
read later: a capture of it is never a late capture, and a day within TMDb's retention (about
three months) can be captured whenever its file is still there. That is the one source where
history can be repaired.

The download streams into raw.export_chunk (1 MiB chunks, each in its own short transaction)
under a capture version that is not current; the gzip stream is decompressed as it arrives,
so a truncated or corrupt file is found before anything becomes current. Then the version is
made current in one short transaction: all of the file, or nothing. A current capture is
reused (immutable) unless a recapture is asked for, which adds a version beside it.
"""

import datetime as dt
import hashlib
import logging
import time
import zlib
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3
from sqlalchemy import text

from tmdb_assets.capture.abandoned import CaptureLease, sweep_partition
from tmdb_assets.capture.lifecycle import PendingCapture, make_current, open_version
from tmdb_assets.capture.read import CaptureInfo, current_capture
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.transform.media import MOVIE, Media

log = logging.getLogger(__name__)

EXPORT = MOVIE.export_asset
CHUNK = 1 << 20
RETENTION_DAYS = 90  # TMDb keeps the files "about three months"


class ExportNotYetError(RuntimeError):
    """The file is not on the server yet (TMDb builds it around 07:00-08:00 UTC): retry later."""


class ExportGoneError(RuntimeError):
    """The file is older than TMDb keeps its exports: the day's catalogue cannot be captured."""


class ExportMissingError(ExportGoneError):
    """The file should be there (built, within the retention) and is not: nothing to wait for."""


class ExportUnreachableError(RuntimeError):
    """The files host did not answer (network, DNS, timeout): nothing was written."""


class ExportCorruptError(RuntimeError):
    """The download ended before its gzip stream did, or is not gzip: nothing was kept."""


def file_day(day: dt.date) -> dt.date:
    """The date in the name of partition `day`'s file: the morning after the day ended."""
    return day + dt.timedelta(days=1)


def file_name(day: dt.date, adult: bool = False, media: Media = MOVIE) -> str:
    """Partition `day`'s file (`movie_ids_...`, or `tv_series_ids_...` for TV); `adult`: its
    adult ids' file (TMDb has kept them apart since mid-2023: `adult_movie_ids_...`)."""
    return f"{'adult_' if adult else ''}{media.export_prefix}_{file_day(day):%m_%d_%Y}.json.gz"


def file_names(day: dt.date, include_adult: bool, media: Media = MOVIE) -> list[str]:
    """The files a capture of `day` holds, in this order (one gzip stream after the other).
    The adult ids' file is the movies' (TMDB_INCLUDE_ADULT covers discover's movies only)."""
    adult = include_adult and media is MOVIE
    return [file_name(day, media=media)] + ([file_name(day, True, media)] if adult else [])


class GzipLines:
    """Decompresses a gzip stream fed chunk by chunk and counts its lines; `close()` says
    whether the stream ended where the gzip trailer says (a truncated file does not). Members
    one after the other (a capture of two files) read as one stream, as gzip's own tools do."""

    def __init__(self) -> None:
        self._z = zlib.decompressobj(wbits=31)
        self.lines = 0
        self.raw_bytes = 0

    def feed(self, chunk: bytes) -> bytes:
        parts = []
        try:
            while chunk:
                if self._z.eof:  # the next member
                    self._z = zlib.decompressobj(wbits=31)
                parts.append(self._z.decompress(chunk))
                chunk = self._z.unused_data
        except zlib.error as exc:
            raise ExportCorruptError(f"not a gzip stream ({exc})") from None
        out = parts[0] if len(parts) == 1 else b"".join(parts)
        self.raw_bytes += len(out)
        self.lines += out.count(b"\n")
        return out

    def close(self) -> None:
        if not self._z.eof:
            raise ExportCorruptError(
                f"the gzip stream ends early (after {self.raw_bytes:,} bytes, {self.lines:,} "
                "lines): the download was cut"
            )


def capture_export(
    warehouse: Warehouse,
    base_url: str,
    day: dt.date,
    *,
    recapture: bool = False,
    include_adult: bool = False,
    timeout_s: float = 60.0,
    logger: Any = log,
    media: Media = MOVIE,
) -> CaptureInfo:
    """Capture partition `day`'s export file of movies (or series: `media`), and its adult
    ids' file with `include_adult`, or reuse the current capture when it holds the same files."""
    names = file_names(day, include_adult, media)
    # The version being filled is in use while this lease is held; a download cannot be
    # resumed: what a killed one left is removed (abandoned.py).
    lease = CaptureLease(warehouse)
    try:
        return _capture(
            warehouse, base_url, day, names, lease, recapture, timeout_s, logger, media.export_asset
        )
    finally:
        lease.release()


def _capture(
    warehouse, base_url, day, names, lease, recapture, timeout_s, logger, asset
) -> CaptureInfo:
    abandoned = sweep_partition(warehouse, asset, day, lease)
    with warehouse.begin() as conn:
        existing = current_capture(conn, asset, day)
    if existing and not recapture:
        held = existing.stats.get("files") or [existing.stats.get("file")]
        if held == names:
            existing.reused = True
            existing.stats = {**existing.stats, "abandoned": abandoned}
            logger.info(f"{asset} {day}: reusing capture v{existing.version} (recapture=false)")
            return existing
        logger.info(
            f"{asset} {day}: the current capture v{existing.version} holds {held}, this run "
            f"wants {names} (TMDB_INCLUDE_ADULT): capturing a new version beside it"
        )
    started = time.perf_counter()
    pending: PendingCapture | None = None
    stats: dict[str, Any] = {
        "bytes": 0, "chunks": 0, "lines": 0, "files": names, "sha256": [], "abandoned": abandoned,
    }  # fmt: skip
    try:
        for name in names:
            url = f"{base_url.rstrip('/')}/{name}"
            # The files host takes no token: none is sent (a plain session, not the API's).
            try:
                resp = requests.get(url, stream=True, timeout=timeout_s)
            except requests.RequestException as exc:
                raise ExportUnreachableError(
                    f"{asset} {day}: TMDb's files host cannot be reached at {url} ({exc}). "
                    "Check the network and TMDB_assetS_BASE_URL; nothing was written, a rerun "
                    "starts over."
                ) from None
            with resp:
                if resp.status_code in (403, 404):
                    raise _missing(day, name, resp, asset)
                resp.raise_for_status()
                if pending is None:
                    captured_at = _built_at(resp)
                    with warehouse.begin() as conn:
                        pending = open_version(
                            conn, asset, day, {"file": names[0], "files": names, "url": url}
                        )
                        lease.take(pending.capture_id)
                try:
                    part = _stream_chunks(
                        warehouse,
                        pending.capture_id,
                        resp.raw.stream(CHUNK, decode_content=False),
                        first_seq=stats["chunks"],
                    )
                except (urllib3.exceptions.HTTPError, requests.RequestException) as exc:
                    # A connection dropped mid-transfer (IncompleteRead, a reset, a timeout).
                    expected = resp.headers.get("Content-Length") or "?"
                    raise ExportUnreachableError(
                        f"{asset} {day}: the download of {url} was cut (the connection dropped "
                        f"after part of its {expected} bytes: {type(exc).__name__}). Nothing was "
                        "kept; rerun to download the file again."
                    ) from None
            for key in ("bytes", "chunks", "lines"):
                stats[key] += part[key]
            stats["sha256"].append(part["sha256"])
            stats.setdefault("lines_by_file", {})[name] = part["lines"]
    except BaseException:
        if pending is not None:
            _discard(warehouse, pending.capture_id)
        raise
    assert pending is not None
    stats.update(
        file=names[0],
        sha256=stats["sha256"][0] if len(names) == 1 else stats["sha256"],
        download_s=round(time.perf_counter() - started, 2),
    )
    with warehouse.begin() as conn:
        # Never late: the file is that day's own state, whenever it is downloaded.
        info = make_current(conn, asset, day, pending, captured_at, None, stats)
    logger.info(
        f"{asset} {day}: captured v{info.version}: {', '.join(names)}, {stats['lines']:,} "
        f"lines, {stats['bytes']:,} bytes in {stats['download_s']}s"
    )
    return info


def _stream_chunks(
    warehouse: Warehouse, capture_id: int, chunks: Iterator[bytes], first_seq: int = 0
) -> dict:
    gz = GzipLines()
    digest = hashlib.sha256()
    seq, size = first_seq, 0
    for chunk in chunks:
        if not chunk:
            continue
        gz.feed(chunk)
        digest.update(chunk)
        with warehouse.begin() as conn:
            conn.execute(
                text("INSERT INTO raw.export_chunk (capture_id, seq, data) VALUES (:c, :s, :d)"),
                {"c": capture_id, "s": seq, "d": chunk},
            )
        seq += 1
        size += len(chunk)
    gz.close()
    return {
        "bytes": size,
        "chunks": seq - first_seq,
        "lines": gz.lines,
        "sha256": digest.hexdigest(),
    }


def _discard(warehouse: Warehouse, capture_id: int) -> None:
    """A download that failed leaves nothing: its chunks and its pending version go."""
    try:
        with warehouse.begin() as conn:
            conn.execute(
                text("DELETE FROM raw.export_chunk WHERE capture_id = :c"), {"c": capture_id}
            )
            conn.execute(
                text("DELETE FROM raw.capture WHERE capture_id = :c AND NOT is_current"),
                {"c": capture_id},
            )
    except Exception:  # the database itself went away: the pending version stays not current
        log.exception("could not discard the pending export capture %s", capture_id)


def _built_at(resp: requests.Response) -> dt.datetime:
    """When TMDb built the file (Last-Modified), else when the server answered (Date)."""
    for header in ("Last-Modified", "Date"):
        value = resp.headers.get(header)
        if value:
            try:
                return parsedate_to_datetime(value).astimezone(dt.UTC)
            except (TypeError, ValueError):
                continue
    return dt.datetime.now(dt.UTC)


# TMDb builds day D's file around 07:00-08:00 UTC on D+1; past noon it is late.
OVERDUE_AFTER = dt.time(12, 0)


def _missing(day: dt.date, name: str, resp: requests.Response, asset: str = EXPORT) -> RuntimeError:
    return missing_file(day, name, resp.status_code, _built_at(resp), asset)


def missing_file(
    day: dt.date, name: str, status: int, host_now: dt.datetime, asset: str = EXPORT
) -> RuntimeError:
    """Why partition `day`'s file `name` is not on the files host, judged by its age on the
    host's clock against TMDb's retention: not built yet (worth waiting for: the
    tmdb_export_sensor starts the run once it is there), missing although it should be there
    (TMDb skipped or removed it: nothing to wait for), or gone with its retention."""
    built_on = file_day(day)
    age = (host_now.date() - built_on).days
    if age > RETENTION_DAYS:
        return ExportGoneError(
            f"{asset} {day}: {name} is gone from TMDb's files host ({status}): TMDb keeps its "
            f"daily exports about {RETENTION_DAYS} days and this one is {age} days old. The "
            "day's whole catalogue cannot be captured any more; its discover capture (if any) "
            "still holds the popular movies."
        )
    if age >= 1:
        return ExportMissingError(
            f"{asset} {day}: {name} is missing from TMDb's files host ({status}) although TMDb "
            f"builds it on the morning of {built_on} ({age} days ago) and keeps its files about "
            f"{RETENTION_DAYS} days: TMDb did not build it or removed it early, and waiting will "
            "not bring it. The day's whole catalogue cannot be captured; its discover capture "
            "(if any) still holds the popular movies."
        )
    late = host_now - dt.datetime.combine(built_on, OVERDUE_AFTER, dt.UTC)
    return ExportNotYetError(
        f"{asset} {day}: {name} is not built yet ({status} at {host_now:%Y-%m-%d %H:%M} UTC on "
        f"the files host): TMDb builds it around 07:00-08:00 UTC on {built_on}"
        + (
            f", and it is {late.total_seconds() / 3600:.1f} hours late"
            if age == 0 and late > dt.timedelta(0)
            else ""
        )
        + ". The tmdb_export_sensor starts the catalogue run once the file is there (or "
        "materialize this day then); nothing was written: a missing file is never taken as an "
        "empty catalogue."
    )


def probe_export(
    base_url: str,
    day: dt.date,
    include_adult: bool = False,
    timeout_s: float = 10.0,
    media: Media = MOVIE,
) -> RuntimeError | None:
    """Whether partition `day`'s files are on the files host, by a HEAD request each (no
    token, nothing downloaded): None when they are, else the error a capture would raise now
    (ExportNotYetError, ExportMissingError or ExportGoneError)."""
    for name in file_names(day, include_adult, media):
        url = f"{base_url.rstrip('/')}/{name}"
        try:
            resp = requests.head(url, timeout=timeout_s, allow_redirects=True)
        except requests.RequestException as exc:
            raise ExportUnreachableError(
                f"{media.export_asset} {day}: TMDb's files host cannot be reached at {url} ({exc}). Check "
                "the network and TMDB_EXPORTS_BASE_URL."
            ) from None
        if resp.status_code in (403, 404):
            return _missing(day, name, resp, media.export_asset)
        resp.raise_for_status()
    return None
