"""multipart/form-data request bodies (RFC 7578), streamed from the parts given.

Each part is a head (``Content-Disposition: form-data; name=...`` and, for files, a filename,
the part's own headers and a Content-Type) and a body. Bytes and str parts are rendered once;
file objects are read in pieces of ``chunk_size`` each time the body is sent, a seekable one
from its start as HTTPX does (so a redirect, a retry or a second post sends it again). When
every part's size is known the total is computed and sent as Content-Length, otherwise the body
goes chunked. Names and filenames are escaped as HTML5 forms do (RFC 7578 §4.2 defers to it):
``"`` → ``%22``, ``\\`` doubled, control characters percent-encoded.
"""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from ._urls import primitive_str

__all__ = [
    "MultipartStream", "DataField", "FileField", "DEFAULT_CHUNK_SIZE", "remaining_length",
]

#: How much of a file is read per piece while sending.
DEFAULT_CHUNK_SIZE = 64 * 1024

_ESCAPES = {ord('"'): "%22", ord("\\"): "\\\\"}
_ESCAPES.update({c: f"%{c:02X}" for c in range(0x20) if c != 0x1B})


def _param(name: str, value: str) -> bytes:
    return f'{name}="{value.translate(_ESCAPES)}"'.encode()


class DataField:
    """A plain form field."""

    __slots__ = ("name", "head", "data")

    def __init__(self, name: str, value: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Invalid type for name. Expected str, got {type(name)}: {name!r}")
        if value is not None and not isinstance(value, (str, bytes, int, float)):
            raise TypeError(
                f"Invalid type for value. Expected primitive type, got {type(value)}: {value!r}"
            )
        self.name = name
        self.head = b"Content-Disposition: form-data; " + _param("name", name) + b"\r\n\r\n"
        self.data = value if isinstance(value, bytes) else primitive_str(value).encode("utf-8")

    def length(self) -> int | None:
        return len(self.head) + len(self.data)

    def render(self, chunk_size: int) -> Iterator[bytes]:
        yield self.head
        yield self.data


def remaining_length(f: Any) -> int | None:
    """Bytes left from the current position of a seekable file object (its position is
    kept), or None when ``f`` cannot tell: not seekable, closed, or no file at all. Used for
    multipart file parts and for file bodies given as ``content=`` (``_content``)."""
    try:
        pos = f.tell()
        end = f.seek(0, os.SEEK_END)
        f.seek(pos)
        return int(end - pos)
    except (AttributeError, OSError, ValueError):
        return None


def _seekable(f: Any) -> bool:
    try:
        return bool(f.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _total_length(f: Any) -> int | None:
    """The whole size of a seekable file object (its position is kept)."""
    try:
        pos = f.tell()
        end = f.seek(0, os.SEEK_END)
        f.seek(pos)
        return int(end)
    except (AttributeError, OSError, ValueError):
        return None


class FileField:
    """A file upload: bytes, str, or a binary file object, with optional name/type/headers."""

    __slots__ = ("name", "head", "file", "start", "size")

    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        filename: str | None
        content_type: str | None = None
        headers: Mapping[str, str] = {}
        if isinstance(value, tuple):
            if len(value) == 2:
                filename, fileobj = value
            elif len(value) == 3:
                filename, fileobj, content_type = value
            elif len(value) == 4:
                filename, fileobj, content_type, headers = value
            else:
                raise TypeError(f"Invalid file tuple of length {len(value)} for field {name!r}")
        else:
            filename = Path(str(getattr(value, "name", "upload"))).name
            fileobj = value
        if content_type is None and filename:
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if isinstance(fileobj, io.TextIOBase):
            raise TypeError(
                "Multipart file uploads must be opened in binary mode, not text mode."
            )
        if isinstance(fileobj, str):
            fileobj = fileobj.encode("utf-8")
        self.file: bytes | IO[bytes] = fileobj
        head = [b"Content-Disposition: form-data; " + _param("name", name)]
        if filename is not None:
            head[0] += b"; " + _param("filename", filename)
        for k, v in headers.items():
            head.append(f"{k}: {v}".encode("latin-1"))
        # As HTTPX: the part's own headers first, then the Content-Type unless they had one.
        if content_type is not None and not any(k.lower() == "content-type" for k in headers):
            head.append(f"Content-Type: {content_type}".encode("latin-1"))
        self.head = b"\r\n".join(head) + b"\r\n\r\n"
        if isinstance(fileobj, bytes):
            self.start = 0
            self.size: int | None = len(fileobj)
        else:
            # As HTTPX, a seekable file is sent whole, from its start, however far it has been
            # read or written: the same file object posted twice sends the same body.
            self.start = 0 if _seekable(fileobj) else -1
            self.size = _total_length(fileobj) if self.start == 0 else None

    def length(self) -> int | None:
        return None if self.size is None else len(self.head) + self.size

    def render(self, chunk_size: int) -> Iterator[bytes]:
        yield self.head
        f = self.file
        if isinstance(f, bytes):
            yield f
            return
        if self.start >= 0:
            try:
                f.seek(self.start)
            except (AttributeError, OSError):
                pass
        while True:
            chunk = f.read(chunk_size)
            if not chunk:
                break
            yield chunk if isinstance(chunk, bytes) else chunk.encode("utf-8")


class MultipartStream:
    """The body of a multipart/form-data request; iterable (sync and async), replayable."""

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        files: Any,
        boundary: bytes | None = None,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> None:
        self.boundary = boundary if boundary is not None else os.urandom(16).hex().encode()
        self.content_type = "multipart/form-data; boundary=" + self.boundary.decode("ascii")
        self.chunk_size = chunk_size
        fields: list[DataField | FileField] = []
        for name, value in (data or {}).items():
            if isinstance(value, (tuple, list)):
                fields.extend(DataField(name, item) for item in value)
            else:
                fields.append(DataField(name, value))
        file_items = files.items() if isinstance(files, Mapping) else files
        for name, value in file_items:
            fields.append(FileField(name, value))
        self.fields = fields
        self.content_length = self._length()

    def _length(self) -> int | None:
        total = 0
        b = len(self.boundary)
        for f in self.fields:
            n = f.length()
            if n is None:
                return None
            total += 2 + b + 2 + n + 2  # "--" boundary CRLF, part, CRLF
        return total + 2 + b + 4  # "--" boundary "--" CRLF

    def get_headers(self) -> dict[str, str]:
        if self.content_length is None:
            return {"Transfer-Encoding": "chunked", "Content-Type": self.content_type}
        return {"Content-Length": str(self.content_length), "Content-Type": self.content_type}

    def __iter__(self) -> Iterator[bytes]:
        sep = b"--" + self.boundary + b"\r\n"
        for f in self.fields:
            yield sep
            yield from f.render(self.chunk_size)
            yield b"\r\n"
        yield b"--" + self.boundary + b"--\r\n"

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk
