"""Reading a captured export back: its stored chunks as lines, parsed into compact arrays
(ExportRows: a million lines at 8 bytes an id, fed to COPY in movie id order) or the titles of
the ids dim_movie learns (ExportTitles); unreadable lines are Rejected with their numbers."""

import logging
from array import array
from collections.abc import Iterator

import numpy as np
import orjson
from sqlalchemy import Engine, text

from tmdb_assets.capture.export import GzipLines
from tmdb_assets.db.bulk import text_value
from tmdb_assets.transform.values import Rejected

log = logging.getLogger(__name__)


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

    def __init__(
        self,
        chunks: Iterator[bytes],
        date_id: int,
        max_rejected: int = 1000,
        flags: bool = True,
        source: str = "export",
    ):
        super().__init__()
        self._chunks = chunks
        self._flags_out = flags  # the movies' adult and video columns (the series have none)
        self._source = source  # raw.quarantine.source of an unreadable line
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
                if not self._flags_out:
                    yield b"%s%d\t%r\n" % (prefix, ids[i], popularity[i])
                    continue
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
                        self._source,
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
    """COPY text of (id, line, original title, adult, video) for the readable lines of a
    captured file, streamed (nothing held but a chunk); only the ids in `wanted` when given
    (found without parsing the other lines). Unreadable lines are skipped: the fact's load
    quarantines them. `title_key`: the line's title field (a series': original_name)."""

    def __init__(
        self,
        chunks: Iterator[bytes],
        wanted: set[int] | None = None,
        title_key: str = "original_title",
    ):
        super().__init__()
        self._chunks = chunks
        self._wanted = wanted
        self._title_key = title_key
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
        title = obj.get(self._title_key)
        self.rows += 1
        return b"%d\t%d\t%s\t%s\t%s\n" % (
            movie_id,
            line_no,
            text_value(title).encode() if type(title) is str else b"\\N",
            b"t" if adult else b"f",
            b"t" if video else b"f",
        )
