"""Stored bodies: a response written once per data stamp, then served as bytes.

The unfiltered map feed and the full exports are the same bytes for every visitor
until the data changes, and rebuilding them costs tens of milliseconds to seconds
(thousands of rows serialised in Python). `stored_response()` writes them once per
data stamp (stamp.py) to files, with a gzip variant, and serves those files on every
request until the next edit:

- **Where**: `settings.STORED_BODIES_ROOT`, a directory shared by the workers of one
  instance (`STORED_BODIES_ROOT` in the environment). Each instance writes its own
  copy on its first request after an edit, or all share one directory (a network
  volume). Files rather than the cache: an export of 400,000 structures is tens of
  megabytes, which gunicorn sends from the file (`sendfile`) without the worker ever
  holding it in memory.
- **When**: on the first request after an edit, while it streams the body to that
  first client (`_tee`): the files are published (renamed into place) only when the
  whole body was written, and dropped if the client goes away.
- **Never stale**: the file's name is a digest of the data stamp's token, so an edit
  makes the old files unreachable at the moment it commits; they are removed when the
  next version is published.
- **HTTP**: a strong `ETag` per encoding (identity and gzip), `Last-Modified` (the
  stamp's time), `Content-Length`, `Vary: Accept-Encoding`, `Content-Encoding: gzip`
  when the client accepts it; `If-None-Match` (or else `If-Modified-Since`) answers 304.

Streamed responses are never put in the page cache (middleware.py), so a stored body
is not cached twice and a gzip body is never served from a key that does not cover
`Accept-Encoding`.
"""

import contextlib
import gzip
import os
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe

from .keys import digest
from .release import release
from .stamp import read_stamp

# Bytes handed to the client and the files at once: lines of a CSV are joined into
# chunks of about this size (fewer writes, fewer calls to the compressor).
CHUNK_BYTES = 64 * 1024
GZIP_LEVEL = 6
# A temporary file older than this is a build that died: removed with the old versions.
ABANDONED_SECONDS = 3600


def root() -> Path:
    return Path(settings.STORED_BODIES_ROOT)


def accepts_gzip(request) -> bool:
    """Does `Accept-Encoding` accept gzip (not with `q=0`)?"""
    for item in request.headers.get("Accept-Encoding", "").split(","):
        coding, _semicolon, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip"):
            continue
        quality = params.strip().lower().removeprefix("q=")
        try:
            return not params.strip() or float(quality) > 0
        except ValueError:
            return False
    return False


def rechunk(chunks: Iterable[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The same bytes in chunks of at least `size` (the last may be shorter)."""
    buffer, length = [], 0
    for chunk in chunks:
        buffer.append(chunk)
        length += len(chunk)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield b"".join(buffer)


def _tee(chunks: Iterable[bytes], path: Path) -> Iterator[bytes]:
    """Hands the body's chunks to the client while writing them, and their gzip, to
    temporary files; renames them into place once the body is complete. Closed early
    (the client went away, an error), it removes them. Nothing is opened before the
    first chunk is asked for."""
    path.parent.mkdir(parents=True, exist_ok=True)
    files = [
        tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, whatever happens
            dir=path.parent, prefix=f"{name}.", suffix=".tmp", delete=False
        )
        for name in (path.name, gzip_path(path).name)
    ]
    plain, gzipped = files
    published = False
    try:
        # wbits=31: the gzip container (header and CRC), as `gzip` writes it.
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        for chunk in chunks:
            plain.write(chunk)
            gzipped.write(compressor.compress(chunk))
            yield chunk
        gzipped.write(compressor.flush())
        for file in files:
            file.close()
        # The gzip first: a reader finding the plain file finds its gzip too.
        os.replace(gzipped.name, gzip_path(path))
        os.replace(plain.name, path)
        published = True
        _remove_older_versions(path)
    finally:
        if not published:
            for file in files:
                file.close()
                with contextlib.suppress(OSError):
                    os.unlink(file.name)


def gzip_path(path: Path) -> Path:
    return path.with_name(path.name + ".gz")


def _remove_older_versions(path: Path) -> None:
    """Remove the files of this body's older data stamps (and builds that died). A
    worker still sending one keeps its open file: removing it is safe."""
    family = path.name.rsplit(".", 1)[0]
    now = time.time()
    for other in path.parent.glob(f"{family}.*"):
        if other.name in (path.name, gzip_path(path).name):
            continue
        with contextlib.suppress(OSError):
            if other.name.endswith(".tmp") and now - other.stat().st_mtime < ABANDONED_SECONDS:
                continue  # another worker is writing it
            other.unlink()


def _etags(key: str) -> tuple[str, str]:
    return f'"{key}"', f'"{key}-gzip"'


def _matching_etag(request, etags: tuple[str, str], last_modified) -> str | bool | None:
    """The ETag the client already holds (a 304 answers with it), True for a match on
    `If-Modified-Since` alone, or None."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        for tag in tags:
            if tag == "*":
                return etags[0]
            if tag in etags:
                return tag
        return None
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if since is None or since > time.time():
        return None
    return True if int(last_modified.timestamp()) <= since else None


def stored_response(  # noqa: PLR0913 - keyword-only: what the body depends on
    request,
    name: str,
    build: Callable[[], Iterable[bytes]],
    *,
    content_type: str,
    parts: tuple = (),
    filename: str | None = None,
    streamed: bool = True,
):
    """The response for the body `build()` would give, from the files stored for the
    current data stamp, or built, streamed and stored now.

    `name` names the body (letters, digits, dashes); `parts` says everything else the
    body depends on besides the data (language, host, CSV dialect…). `streamed=False`
    for a body of a few megabytes at most (the map feed): it is built whole and
    answered as an ordinary response, read from its file."""
    token, changed_at = read_stamp()
    family = f"{name}.{digest(str(connection.settings_dict['NAME'] or ''), name, *parts)[:20]}"
    # The release in the key: another release's file (its columns, its labels) is never
    # served; each release's first build removes the other's files of the same body.
    key = digest(family, release(), token)[:32]
    path = root() / f"{family}.{key}"
    etags = _etags(key)
    gzipped = accepts_gzip(request)
    matched = _matching_etag(request, etags, changed_at)
    if matched:
        response = HttpResponseNotModified()
        if matched is True:  # If-Modified-Since: the representation it would get
            matched = etags[1] if gzipped else etags[0]
        response["ETag"] = matched
    else:
        if not streamed:
            response = _whole_response(path, gzipped, content_type, build)
        else:
            response = _file_response(path, gzipped, content_type)
            if response is None:  # the first request of this data stamp
                response = StreamingHttpResponse(
                    _tee(rechunk(build()), path), content_type=content_type
                )
        response["ETag"] = etags[1] if response.get("Content-Encoding") else etags[0]
        if filename:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Last-Modified"] = http_date(changed_at.timestamp())
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def _whole_response(path: Path, gzipped: bool, content_type: str, build):
    """The stored body read from its file, or built whole and stored now."""
    try:
        body = (gzip_path(path) if gzipped else path).read_bytes()
    except FileNotFoundError:
        plain = b"".join(build())
        compressed = _store_whole(path, plain)
        body = compressed if gzipped else plain
    response = HttpResponse(body, content_type=content_type)
    if gzipped:
        response["Content-Encoding"] = "gzip"
    # Its own store: the page cache must not keep it (its key does not cover
    # Accept-Encoding), nor hold the same bytes twice.
    response.stored_body = True
    return response


def _store_whole(path: Path, body: bytes) -> bytes:
    """Write `body` and its gzip, each renamed into place once complete; the gzip."""
    compressed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    for data, final in ((compressed, gzip_path(path)), (body, path)):
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f"{final.name}.", suffix=".tmp", delete=False
        ) as file:
            file.write(data)
        os.replace(file.name, final)
    _remove_older_versions(path)
    return compressed


def _file_response(path: Path, gzipped: bool, content_type: str):
    """The stored file (its gzip when the client accepts it), or None when it is not
    there (not built yet for this stamp, or removed since)."""
    if gzipped:
        try:
            response = FileResponse(gzip_path(path).open("rb"), content_type=content_type)
        except FileNotFoundError:
            pass
        else:
            response["Content-Encoding"] = "gzip"
            return response
    try:
        return FileResponse(path.open("rb"), content_type=content_type)
    except FileNotFoundError:
        return None
