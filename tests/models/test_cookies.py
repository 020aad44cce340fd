"""Cookies over http.cookiejar: mapping API, extraction from responses, Cookie header."""

from __future__ import annotations

from http.cookiejar import CookieJar

import pytest

from fasthttpx._cookies import Cookies
from fasthttpx._exceptions import CookieConflict
from fasthttpx._models import BaseResponse, Request


def test_mapping_api() -> None:
    c = Cookies({"a": "1"})
    c["b"] = "2"
    assert c["a"] == "1" and c.get("b") == "2" and c.get("zz") is None
    assert sorted(c) == ["a", "b"] and len(c) == 2 and bool(c)
    del c["a"]
    assert "a" not in c
    with pytest.raises(KeyError):
        c["a"]
    with pytest.raises(KeyError):
        del c["a"]
    c.set("x", "1", domain="one.com")
    c.set("x", "2", domain="two.com")
    with pytest.raises(CookieConflict):
        c.get("x")
    assert c.get("x", domain="two.com") == "2"
    c.delete("x", domain="one.com")
    assert c.get("x") == "2"
    c.clear()
    assert not c and len(c) == 0
    assert repr(Cookies({"k": "v"})) == "<Cookies[<Cookie k=v for  />]>"


def test_constructors() -> None:
    jar = CookieJar()
    assert Cookies(jar).jar is jar
    c = Cookies([("a", "1"), ("b", "2")])
    assert dict(Cookies(c)) == {"a": "1", "b": "2"}
    c.update({"c": "3"})
    assert c["c"] == "3"


def test_extract_and_send() -> None:
    req = Request("GET", "https://example.com/path/")
    resp = BaseResponse(
        200,
        headers=[("Set-Cookie", "sid=abc; Path=/; Secure"),
                 ("Set-Cookie", "scoped=1; Path=/other")],
        request=req,
    )
    jar = Cookies()
    jar.extract_cookies(resp)
    assert jar.get("sid") == "abc" and jar.get("scoped") == "1"
    same = Request("GET", "https://example.com/x")
    jar.set_cookie_header(same)
    assert same.headers["cookie"] == "sid=abc"
    insecure = Request("GET", "http://example.com/x")
    jar.set_cookie_header(insecure)
    assert "cookie" not in insecure.headers  # Secure cookie not sent over http
    other = Request("GET", "https://other.com/")
    jar.set_cookie_header(other)
    assert "cookie" not in other.headers
