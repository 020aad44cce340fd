"""Headers, Request and BaseResponse."""

from __future__ import annotations

import datetime
import json
from collections.abc import AsyncIterator

import pytest

from fasthttpx._exceptions import HTTPStatusError, RequestNotRead, ResponseNotRead
from fasthttpx._models import BaseResponse, Headers, Request
from fasthttpx._status_codes import codes


def test_headers_multi_values_and_case() -> None:
    h = Headers([("Accept", "a"), ("X-Dup", "1"), ("x-dup", "2")])
    assert h["x-dup"] == "1, 2" and h["X-DUP"] == "1, 2"
    assert h.get_list("x-dup") == ["1", "2"]
    assert h.get("missing") is None and h.get("missing", "d") == "d"
    assert "ACCEPT" in h and "nope" not in h and 1 not in h
    assert list(h.keys()) == ["accept", "x-dup"]
    assert list(h.values()) == ["a", "1, 2"]
    assert h.multi_items() == [("accept", "a"), ("x-dup", "1"), ("x-dup", "2")]
    assert len(h) == 3
    with pytest.raises(KeyError):
        h["missing"]
    h["X-DUP"] = "3"
    assert h.raw == [(b"Accept", b"a"), (b"X-DUP", b"3")]
    del h["accept"]
    assert h.raw == [(b"X-DUP", b"3")]
    with pytest.raises(KeyError):
        del h["accept"]
    h.add("x-dup", "4")
    assert h.get_list("x-dup") == ["3", "4"]


def test_headers_split_commas() -> None:
    h = Headers({"Content-Encoding": "gzip, br"})
    assert h.get_list("content-encoding", split_commas=True) == ["gzip", "br"]


def test_headers_from_raw_is_lazy_and_keeps_list() -> None:
    raw = [(b"Content-Type", b"text/plain"), (b"Set-Cookie", b"a=1"), (b"set-cookie", b"b=2")]
    h = Headers.from_raw(raw)
    assert h._lower is None  # nothing lowered yet
    assert h._list is raw
    assert h["set-cookie"] == "a=1, b=2"
    assert h._lower == [b"content-type", b"set-cookie", b"set-cookie"]
    h2 = Headers(raw)
    assert h2 == h and h2.raw == raw


def test_headers_equality() -> None:
    h = Headers({"a": "1", "B": "2"})
    assert h == {"A": "1", "b": "2"}
    assert h == [("b", "2"), ("a", "1")]
    assert h == Headers([(b"a", b"1"), (b"b", b"2")])
    assert h != {"a": "1"}
    assert h != 3
    assert h.copy() == h and h.copy() is not h


def test_headers_update_and_encoding() -> None:
    h = Headers({"a": "1", "b": "2"})
    h.update({"A": "9", "c": "3"})
    assert h.multi_items() == [("b", "2"), ("a", "9"), ("c", "3")]
    assert Headers({"a": "1"}).encoding == "ascii"
    assert Headers([(b"a", "é".encode())]).encoding == "utf-8"
    assert Headers([(b"a", b"\xe9")]).encoding == "iso-8859-1"
    assert Headers([(b"a", b"\xe9")])["a"] == "é"
    with pytest.raises(UnicodeEncodeError):
        Headers({"a": "é"})
    assert Headers({"a": "é"}, encoding="utf-8").raw == [(b"a", "é".encode())]
    with pytest.raises(TypeError):
        Headers({"a": 1})  # type: ignore[arg-type]


def test_headers_repr_hides_secrets() -> None:
    assert repr(Headers({"Authorization": "s", "a": "1"})) == (
        "Headers({'authorization': '[secure]', 'a': '1'})"
    )
    assert repr(Headers([("a", "1"), ("a", "2")])) == "Headers([('a', '1'), ('a', '2')])"


def test_request_basics() -> None:
    r = Request("get", "http://example.com:8080/p", params={"q": "1"}, headers={"X": "y"})
    assert r.method == "GET"
    assert r.url == "http://example.com:8080/p?q=1"
    assert r.headers.raw[0] == (b"Host", b"example.com:8080")
    assert r.content == b"" and bytes(r.stream) == b""  # type: ignore[arg-type]
    assert "content-length" not in r.headers
    assert repr(r) == "<Request('GET', 'http://example.com:8080/p?q=1')>"
    assert Request("POST", "http://a/").headers["content-length"] == "0"
    assert Request("GET", "http://a/", headers={"Host": "b"}).headers["host"] == "b"
    assert Request("GET", "http://münchen.de/").headers["host"] == "xn--mnchen-3ya.de"


def test_request_bodies() -> None:
    r = Request("POST", "http://a/", content="héllo")
    assert r.content == "héllo".encode() and r.headers["content-length"] == "6"
    r = Request("POST", "http://a/", json={"a": [1, "é"]})
    assert r.content == '{"a":[1,"é"]}'.encode()
    assert r.headers["content-type"] == "application/json"
    r = Request("POST", "http://a/", data={"a": ["1", "2"], "b": True})
    assert r.content == b"a=1&a=2&b=true"
    assert r.headers["content-type"] == "application/x-www-form-urlencoded"
    r = Request("POST", "http://a/", content=iter([b"a", b"b"]))
    assert r.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in r.headers
    with pytest.raises(RequestNotRead):
        _ = r.content
    assert r.read() == b"ab" and r.content == b"ab" and bytes(r.stream) == b"ab"  # type: ignore[arg-type]
    r = Request("POST", "http://a/", content=b"x", headers={"Content-Length": "1"})
    assert r.headers.get_list("content-length") == ["1"]
    with pytest.warns(DeprecationWarning):
        r = Request("POST", "http://a/", data=b"raw")
    assert r.content == b"raw"


async def _agen() -> AsyncIterator[bytes]:
    yield b"a"
    yield b"b"


def test_request_async_body() -> None:
    import asyncio  # test-only: drives the async iterator

    r = Request("POST", "http://a/", content=_agen())
    assert r.headers["transfer-encoding"] == "chunked"
    with pytest.raises(TypeError):
        r.read()
    assert asyncio.run(r.aread()) == b"ab"
    assert r.content == b"ab"


def test_request_cookies() -> None:
    r = Request("GET", "http://a.com/", cookies={"x": "1", "y": "2"})
    assert r.headers["cookie"] in ("x=1; y=2", "y=2; x=1")


def test_response_basics() -> None:
    req = Request("GET", "http://a/")
    r = BaseResponse(200, content=b'{"x": 1}', request=req)
    assert r.status_code == 200 and r.reason_phrase == "OK"
    assert r.http_version == "HTTP/1.1"
    assert r.json() == {"x": 1}
    assert r.url == "http://a/"
    assert r.is_success and not r.is_error and not r.is_redirect
    assert r.raise_for_status() is r
    assert repr(r) == "<Response [200 OK]>"
    assert r.headers["content-length"] == "8"
    assert r.num_bytes_downloaded == 8
    with pytest.raises(RuntimeError):
        _ = r.elapsed
    r.elapsed = datetime.timedelta(seconds=1)
    assert r.elapsed.total_seconds() == 1
    assert BaseResponse(599).reason_phrase == ""
    assert BaseResponse(200, reason_phrase="Fine").reason_phrase == "Fine"
    with pytest.raises(RuntimeError):
        _ = BaseResponse(200).request
    with pytest.raises(ResponseNotRead):
        _ = BaseResponse(200).content


def test_response_text_and_encoding() -> None:
    body = "héllo".encode("latin-1")
    r = BaseResponse(200, headers={"Content-Type": "text/plain; charset=ISO-8859-1"},
                     content=body)
    assert r.charset_encoding == "ISO-8859-1"
    assert r.text == "héllo"
    with pytest.raises(ValueError):
        r.encoding = "utf-8"
    r = BaseResponse(200, headers={"Content-Type": 'text/plain; charset="bogus"'},
                     content="é".encode())
    assert r.encoding == "utf-8" and r.text == "é"
    r = BaseResponse(200, content=body)
    assert r.text == "h\ufffdllo"  # utf-8 default, errors replaced
    r = BaseResponse(200, content=body, default_encoding=lambda b: "latin-1")
    assert r.text == "héllo"
    r = BaseResponse(200, content=body)
    r.encoding = "latin-1"
    assert r.text == "héllo"
    assert BaseResponse(200, content=b"").text == ""
    assert BaseResponse(200, text="hi").headers["content-type"] == "text/plain; charset=utf-8"
    assert BaseResponse(200, html="<p>").headers["content-type"] == "text/html; charset=utf-8"
    assert json.loads(BaseResponse(200, json=[1]).content) == [1]


@pytest.mark.parametrize(
    "status,kind", [(404, "Client error"), (503, "Server error"), (101, "Informational response"),
                    (600, "Invalid status code")],
)
def test_raise_for_status(status: int, kind: str) -> None:
    req = Request("GET", "http://a/x")
    r = BaseResponse(status, request=req)
    with pytest.raises(HTTPStatusError) as info:
        r.raise_for_status()
    assert str(info.value) == (
        f"{kind} '{status} {codes.get_reason_phrase(status)}' for url 'http://a/x'\n"
        f"For more information check: https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/"
        f"{status}"
    )
    assert info.value.response is r and info.value.request is req


def test_raise_for_status_redirect() -> None:
    r = BaseResponse(301, headers={"Location": "/y"}, request=Request("GET", "http://a/x"))
    assert r.has_redirect_location and r.is_redirect
    with pytest.raises(HTTPStatusError, match="Redirect location: '/y'"):
        r.raise_for_status()
    with pytest.raises(RuntimeError):
        BaseResponse(500).raise_for_status()


def test_links_and_cookies() -> None:
    r = BaseResponse(
        200,
        headers=[
            ("Link", '<https://a/2>; rel="next"; title="n", <https://a/0>; rel=prev'),
            ("Set-Cookie", "sid=abc; Path=/"),
            ("Set-Cookie", "other=1"),
        ],
        request=Request("GET", "https://a/"),
    )
    assert r.links == {
        "next": {"url": "https://a/2", "rel": "next", "title": "n"},
        "prev": {"url": "https://a/0", "rel": "prev"},
    }
    assert dict(r.cookies) == {"sid": "abc", "other": "1"}
    assert BaseResponse(200).links == {}
