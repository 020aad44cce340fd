"""Request body encoding: bytes, str, iterables, async iterables, form, JSON, multipart."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fasthttpx._content import (
    AsyncIteratorByteStream,
    IteratorByteStream,
    encode_request,
    is_replayable,
)
from fasthttpx._exceptions import StreamConsumed
from fasthttpx._models import Request
from fasthttpx._multipart import MultipartStream


def test_no_body() -> None:
    assert encode_request() == ({}, b"")


def test_bytes_and_str() -> None:
    assert encode_request(content=b"abc") == ({"Content-Length": "3"}, b"abc")
    assert encode_request(content="é") == ({"Content-Length": "2"}, "é".encode())
    assert encode_request(content=b"") == ({}, b"")


def test_iterable_is_chunked_and_one_shot() -> None:
    headers, body = encode_request(content=(p for p in [b"a", b"b"]))
    assert headers == {"Transfer-Encoding": "chunked"}
    assert isinstance(body, IteratorByteStream) and not is_replayable(body)
    assert b"".join(body) == b"ab"
    with pytest.raises(StreamConsumed):
        list(body)
    headers, body = encode_request(content=[b"x", b"y"])
    assert is_replayable(body)
    assert b"".join(body) == b"xy" and b"".join(body) == b"xy"  # type: ignore[arg-type]


def test_file_object_has_length() -> None:
    f = io.BytesIO(b"0123456789")
    f.seek(2)
    headers, body = encode_request(content=f)
    assert headers == {"Content-Length": "8"}
    assert b"".join(body) == b"23456789"  # type: ignore[arg-type]


def test_async_iterable() -> None:
    async def gen() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    headers, body = encode_request(content=gen())
    assert headers == {"Transfer-Encoding": "chunked"}
    assert isinstance(body, AsyncIteratorByteStream)

    async def collect() -> bytes:
        return b"".join([p async for p in body])

    assert asyncio.run(collect()) == b"ab"
    with pytest.raises(StreamConsumed):
        asyncio.run(collect())


def test_bad_content_type() -> None:
    with pytest.raises(TypeError):
        encode_request(content=123)


def test_form_and_json() -> None:
    headers, body = encode_request(data={"a": "x y", "b": [1, 2], "c": None, "d": False})
    assert body == b"a=x+y&b=1&b=2&c=&d=false"
    assert headers == {"Content-Length": str(len(body)),
                       "Content-Type": "application/x-www-form-urlencoded"}
    headers, body = encode_request(json={"a": "é", "b": [1.5, None]})
    assert body == '{"a":"é","b":[1.5,null]}'.encode()
    assert headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        encode_request(json=float("nan"))


def _parse_multipart(content_type: str, body: bytes) -> list[Any]:
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + body
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert msg.is_multipart()
    return list(msg.iter_parts())


def test_multipart_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    with path.open("rb") as f:
        headers, body = encode_request(
            data={"field": "välue", "multi": ["1", "2"]},
            files={
                "file": f,
                "raw": b"\x00\x01binary",
                "tuple": ("name.json", b'{"x":1}', "application/json", {"X-Extra": "e"}),
                "text": ("notes.txt", "text content"),
                "nofilename": (None, b"plain"),
            },
        )
        assert isinstance(body, MultipartStream) and is_replayable(body)
        data = b"".join(body)
        assert b"".join(body) == data  # replayable: files re-read from their start
    assert headers["Content-Length"] == str(len(data))
    ct = headers["Content-Type"]
    assert ct.startswith("multipart/form-data; boundary=")
    parts = _parse_multipart(ct, data)
    got = [
        (p.get_param("name", header="content-disposition"), p.get_filename(),
         p.get_content_type(), p.get_payload(decode=True))
        for p in parts
    ]
    assert got == [
        ("field", None, "text/plain", "välue".encode()),
        ("multi", None, "text/plain", b"1"),
        ("multi", None, "text/plain", b"2"),
        ("file", "report.csv", "text/csv", b"a,b\n1,2\n"),
        ("raw", "upload", "application/octet-stream", b"\x00\x01binary"),
        ("tuple", "name.json", "application/json", b'{"x":1}'),
        ("text", "notes.txt", "text/plain", b"text content"),
        ("nofilename", None, "text/plain", b"plain"),
    ]
    assert parts[5]["X-Extra"] == "e"


def test_multipart_boundary_and_unknown_length() -> None:
    class Unsized:
        def __init__(self) -> None:
            self.parts = [b"ab", b"cd"]

        def read(self, n: int = -1) -> bytes:
            return self.parts.pop(0) if self.parts else b""

    headers, body = encode_request(files={"f": ("x.bin", Unsized())}, boundary=b"BOUND")
    assert headers == {"Transfer-Encoding": "chunked",
                       "Content-Type": "multipart/form-data; boundary=BOUND"}
    data = b"".join(body)  # type: ignore[arg-type]
    assert data == (
        b'--BOUND\r\nContent-Disposition: form-data; name="f"; filename="x.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\nabcd\r\n--BOUND--\r\n"
    )


def test_multipart_boundary_from_request_header() -> None:
    r = Request("POST", "http://a/", files={"f": b"x"},
                headers={"Content-Type": "multipart/form-data; boundary=abc123"})
    assert r.headers["content-type"] == "multipart/form-data; boundary=abc123"
    assert r.read().startswith(b"--abc123\r\n")


def test_multipart_escaping_and_errors() -> None:
    _, body = encode_request(files={'a"b\\c\n': ('f"n', b"x")}, boundary=b"B")
    assert b'name="a%22b\\\\c%0A"; filename="f%22n"' in b"".join(body)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        encode_request(files={"f": io.StringIO("text mode")})
    with pytest.raises(TypeError):
        encode_request(data={"a": object()}, files={"f": b"x"})
    with pytest.raises(TypeError):
        encode_request(files={"f": ("a", b"x", "t", {}, "extra")})


def test_multipart_async_iteration() -> None:
    stream = MultipartStream({"a": "1"}, {"f": b"x"}, b"B")

    async def collect() -> bytes:
        return b"".join([p async for p in stream])

    assert asyncio.run(collect()) == b"".join(stream)
