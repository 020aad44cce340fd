"""URL details that HTTPX users rely on (HTTPX 0.28 behaviour)."""

from __future__ import annotations

import pytest

from fasthttpx import URL, InvalidURL


def test_empty_path_kept_in_str_but_path_is_slash() -> None:
    url = URL("http://webservice", params={"u": "with spaces"})
    assert str(url) == "http://webservice?u=with+spaces"
    assert url.path == "/" and url.raw_path == b"/?u=with+spaces"
    assert str(URL("https://example.org").copy_with(netloc=b"example.net:444")) == (
        "https://example.net:444"
    )
    assert URL("http://").path == "/"


def test_empty_scheme() -> None:
    url = URL("://example.com")
    assert url.scheme == "" and url.host == "example.com" and url.path == "/"


def test_lone_percent_kept() -> None:
    url = URL("https://example.org").copy_with(username="tom@example.org", password="abc123@ %")
    assert url.userinfo == b"tom%40example.org:abc123%40%20%"
    assert url.password == "abc123@ %"


def test_ipv6_host_kept_as_written() -> None:
    url = URL("http://[::ffff:192.168.0.1]:5678/")
    assert url.host == "::ffff:192.168.0.1"
    assert url.netloc == b"[::ffff:192.168.0.1]:5678"
    with pytest.raises(InvalidURL):
        URL("https://[2001]/")


def test_invalid_scheme_component() -> None:
    with pytest.raises(InvalidURL, match="Invalid URL component 'scheme'"):
        URL(scheme="~", host="www.example.com", path="/")
    with pytest.raises(InvalidURL):
        URL("https://example.com/path").copy_with(scheme="https://x:y@z/a?b#c")
