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
from array import array
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any

import numpy as np
import orjson
import requests
from sqlalchemy import Engine, text

from tmdb_assets.capture.lifecycle import PendingCapture, make_current, open_version
from tmdb_assets.capture.read import CaptureInfo, current_capture
from tmdb_assets.db.bulk import text_value
from tmdb_assets.db.warehouse import Warehouse
from tmdb_assets.transform.values import Rejected

log = logging.getLogger(__name__)

EXPORT = "raw_movie_id_export"
CHUNK = 1 << 20
RETENTION_DAYS = 90  # TMDb keeps the files "about three months"


class ExportNotYetError(RuntimeError):
    """The file is not on the server yet (TMDb builds it around 07:00-08:00 UTC): retry later."""


class ExportGoneError(RuntimeError):
    """The file is older than TMDb keeps its exports: the day's catalogue cannot be captured."""


class ExportUnreachableError(RuntimeError):
    """The files host did not answer (network, DNS, timeout): nothing was written."""


class ExportCorruptError(RuntimeError):
    """The download ended before its gzip stream did, or is not gzip: nothing was kept."""


def file_day(day: dt.date) -> dt.date:
    """The date in the name of partition `day`'s file: the morning after the day ended."""
    return day + dt.timedelta(days=1)


def file_name(day: dt.date, adult: bool = False) -> str:
    """Partition `day`'s file; `adult`: its adult ids' file (TMDb has kept them apart since
    mid-2023: `adult_movie_ids_MM_DD_YYYY.json.gz`)."""
    return f"{'adult_' if adult else ''}movie_ids_{file_day(day):%m_%d_%Y}.json.gz"


def file_names(day: dt.date, include_adult: bool) -> list[str]:
    """The files a capture of `day` holds, in this order (one gzip stream after the other)."""
    return [file_name(day)] + ([file_name(day, adult=True)] if include_adult else [])


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
) -> CaptureInfo:
    """Capture partition `day`'s export file (and its adult ids' file with `include_adult`),
    or reuse the current capture when it holds the same files."""
    names = file_names(day, include_adult)
    with warehouse.begin() as conn:
        existing = current_capture(conn, EXPORT, day)
    if existing and not recapture:
        held = existing.stats.get("files") or [existing.stats.get("file")]
        if held == names:
            existing.reused = True
            logger.info(f"{EXPORT} {day}: reusing capture v{existing.version} (recapture=false)")
            return existing
        logger.info(
            f"{EXPORT} {day}: the current capture v{existing.version} holds {held}, this run "
            f"wants {names} (TMDB_INCLUDE_ADULT): capturing a new version beside it"
        )
    started = time.perf_counter()
    pending: PendingCapture | None = None
    stats: dict[str, Any] = {"bytes": 0, "chunks": 0, "lines": 0, "files": names, "sha256": []}
    try:
        for name in names:
            url = f"{base_url.rstrip('/')}/{name}"
            # The files host takes no token: none is sent (a plain session, not the API's).
            try:
                resp = requests.get(url, stream=True, timeout=timeout_s)
            except requests.RequestException as exc:
                raise ExportUnreachableError(
                    f"{EXPORT} {day}: TMDb's files host cannot be reached at {url} ({exc}). "
                    "Check the network and TMDB_EXPORTS_BASE_URL; nothing was written, a rerun "
                    "starts over."
                ) from None
            with resp:
                if resp.status_code in (403, 404):
                    raise _missing(day, name, resp)
                resp.raise_for_status()
                if pending is None:
                    captured_at = _built_at(resp)
                    with warehouse.begin() as conn:
                        pending = open_version(
                            conn, EXPORT, day, {"file": names[0], "files": names, "url": url}
                        )
                part = _stream_chunks(
                    warehouse,
                    pending.capture_id,
                    resp.raw.stream(CHUNK, decode_content=False),
                    first_seq=stats["chunks"],
                )
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
        info = make_current(conn, EXPORT, day, pending, captured_at, None, stats)
    logger.info(
        f"{EXPORT} {day}: captured v{info.version}: {', '.join(names)}, {stats['lines']:,} "
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


def _missing(day: dt.date, name: str, resp: requests.Response) -> RuntimeError:
    age = (_built_at(resp).date() - file_day(day)).days  # the host's Date: its "today"
    if age > RETENTION_DAYS:
        return ExportGoneError(
            f"{EXPORT} {day}: {name} is gone from TMDb's files host ({resp.status_code}): TMDb "
            f"keeps its daily exports about {RETENTION_DAYS} days and this one is {age} days "
            "old. The day's whole catalogue cannot be captured any more; its discover capture "
            "(if any) still holds the popular movies."
        )
    return ExportNotYetError(
        f"{EXPORT} {day}: {name} is not on TMDb's files host yet ({resp.status_code}). TMDb "
        "builds the file for a day around 07:00-08:00 UTC the next morning; the run retries "
        "later (a missing file is never taken as an empty catalogue)."
    )


# --- reading a captured file ------------------------------------------------------------------


def stored_chunks(engine: Engine, capture_id: int) -> Iterator[bytes]:
    """The capture's gzip bytes, chunk by chunk, on a connection of their own (a COPY in
    progress holds the loading one; the chunks of a current capture never change)."""
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, max_row_buffer=4).execute(
            text("SELECT data FROM raw.export_chunk WHERE capture_id = :c ORDER BY seq"),
            {"c": capture_id},
        )
        for (data,) in result:
            yield bytes(data)


def file_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Every line of a captured file (its gzip bytes chunk by chunk), the last one also without
    its newline; a stream cut short raises ExportCorruptError at its end."""
    gz, rest = GzipLines(), b""
    for chunk in chunks:
        lines = (rest + gz.feed(chunk)).split(b"\n")
        rest = lines.pop()
        yield from lines
    gz.close()
    if rest:
        yield rest


class CopySource:
    """A file-like object psycopg2's copy_expert reads COPY text from: `_rows()`'s rows,
    started on the first read."""

    def __init__(self) -> None:
        self._iter: Iterator[bytes] | None = None
        self._out = bytearray()

    def _rows(self) -> Iterator[bytes]:
        raise NotImplementedError

    def read(self, size: int = 65536) -> bytes:
        if self._iter is None:
            self._iter = self._rows()
        while len(self._out) < size:
            row = next(self._iter, None)
            if row is None:
                break
            self._out += row
        out = bytes(self._out[:size])
        del self._out[:size]
        return out


class ExportRows(CopySource):
    """The COPY text of a captured file's rows for one date, in movie id order.

    Each line is parsed on its own: a line that is not a JSON object with an integer id, a
    number popularity and boolean flags is set aside with its line number (`rejected`), the
    rest loads. An id seen before in the file is kept once, its first line (`duplicates`).

    The file is read whole into compact arrays first (17 bytes a movie, and 8 more for the
    order: 25 MB for a million) and written out sorted by id: TMDb's files are not in id order,
    and inserting in id order keeps the index on (movie_id, date_id) from being written all over
    (a month holds 30 million entries by its end).
    """

    def __init__(self, chunks: Iterator[bytes], date_id: int, max_rejected: int = 1000):
        super().__init__()
        self._chunks = chunks
        self._prefix = f"{date_id}\t".encode()
        self._ids = array("q")
        self._popularity = array("d")
        self._flags = bytearray()  # adult | video << 1
        self.line_no = 0
        self.rows = 0
        self.duplicates = 0
        self.rejected: list[Rejected] = []  # the first max_rejected, with their line numbers
        self.rejected_count = 0
        self.max_rejected = max_rejected

    def _rows(self) -> Iterator[bytes]:
        for line in file_lines(self._chunks):
            self._line(line)
        ids, popularity, flags = self._ids, self._popularity, self._flags
        # Line indexes in id order; stable, so an id's lines keep the file's order and its
        # first is the one kept. numpy's argsort holds 8 bytes a line (a sorted list of Python
        # ints held 40).
        as_array = np.frombuffer(ids, dtype=np.int64) if ids else np.empty(0, np.int64)
        order = np.argsort(as_array, kind="stable")
        in_order = as_array[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = in_order[1:] != in_order[:-1]
        del in_order
        self.duplicates = int(len(order) - np.count_nonzero(first))
        order = order[first]
        del first, as_array
        prefix = self._prefix
        for start in range(0, len(order), 65536):
            for i in order[start : start + 65536].tolist():
                self.rows += 1
                flag = flags[i]
                yield b"%s%d\t%r\t%s\t%s\n" % (
                    prefix,
                    ids[i],
                    popularity[i],
                    b"t" if flag & 1 else b"f",
                    b"t" if flag & 2 else b"f",
                )

    def _line(self, line: bytes) -> None:
        self.line_no += 1
        if not line.strip():
            return
        try:
            movie_id, popularity, adult, video, _ = parse_line(line)
        except ValueError as exc:
            self.rejected_count += 1
            if len(self.rejected) < self.max_rejected:
                text_ = line[:500].decode("utf-8", "replace")
                self.rejected.append(
                    Rejected(
                        "export",
                        None,
                        f"line {self.line_no}: {exc}",
                        {"line": self.line_no, "text": text_},
                    )
                )
            return
        self._ids.append(movie_id)
        self._popularity.append(popularity)
        self._flags.append(adult | video << 1)


def parse_line(line: bytes) -> tuple[int, float, bool, bool, dict]:
    """(id, popularity, adult, video, the object) of one export line; ValueError says why a
    line cannot be read (the export's loaders quarantine it with its line number)."""
    try:
        obj = orjson.loads(line)
        movie_id = obj["id"]
        popularity = obj["popularity"]
        adult = obj.get("adult", False)
        video = obj.get("video", False)
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(
            f"not a JSON object with id and popularity ({type(exc).__name__}: {exc})"
        ) from None
    if type(movie_id) is not int or not 0 < movie_id < 2**31:
        raise ValueError(f"id is {movie_id!r}, not a positive integer")
    if type(popularity) not in (int, float) or popularity != popularity or popularity < 0:
        raise ValueError(f"popularity is {popularity!r}, not a number >= 0")
    if type(adult) is not bool or type(video) is not bool:
        raise ValueError(f"adult/video are {adult!r}/{video!r}, not booleans")
    return movie_id, float(popularity), adult, video, obj


class ExportTitles(CopySource):
    """COPY text of (movie_id, line, original_title, adult, video) for the readable lines of a
    captured file, streamed (nothing held but a chunk); only the ids in `wanted` when given
    (found without parsing the other lines). Unreadable lines are skipped: the fact's load
    quarantines them."""

    def __init__(self, chunks: Iterator[bytes], wanted: set[int] | None = None):
        super().__init__()
        self._chunks = chunks
        self._wanted = wanted
        self.rows = 0

    def _rows(self) -> Iterator[bytes]:
        for line_no, line in enumerate(file_lines(self._chunks), start=1):
            row = self._row(line, line_no, self._wanted)
            if row is not None:
                yield row

    def _row(self, line: bytes, line_no: int, wanted: set[int] | None) -> bytes | None:
        if wanted is not None:
            at = line.find(b'"id":')
            if at < 0:
                return None
            digits = line[at + 5 : at + 17].lstrip().split(b",")[0].split(b"}")[0]
            if not digits.isdigit() or int(digits) not in wanted:
                return None
        try:
            movie_id, _, adult, video, obj = parse_line(line)
        except ValueError:
            return None
        title = obj.get("original_title")
        self.rows += 1
        return b"%d\t%d\t%s\t%s\t%s\n" % (
            movie_id,
            line_no,
            text_value(title).encode() if type(title) is str else b"\\N",
            b"t" if adult else b"f",
            b"t" if video else b"f",
        )
