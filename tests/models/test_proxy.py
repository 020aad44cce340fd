"""Unit tests of the sans-I/O proxy logic (``fasthttpx/_proxy.py``) and ``fasthttpx.Proxy``:
the environment's variables, NO_PROXY matching, routes, the CONNECT head and
Proxy-Authorization. The client tests over sockets are in ``tests/client/_async/test_proxy.py``.
"""

from __future__ import annotations

import base64

import pytest

import fasthttpx
from fasthttpx._proxy import (
    FORWARD_SCHEME,
    ProxyRouter,
    absolute_form,
    basic_proxy_authorization,
    build_connect_head,
    build_router,
    environment_proxies,
    parse_no_proxy,
)


def _origin(url: str) -> tuple[str, bytes, int]:
    return fasthttpx.URL(url).origin


def _proxy_url(environ: dict[str, str], url: str) -> str | None:
    router = build_router(None, True, environ)
    if router is None:
        return None
    proxy = router.proxy_for(_origin(url))
    return None if proxy is None else str(proxy.url).rstrip("/")


# -- fasthttpx.Proxy ---------------------------------------------------------------------------


def test_proxy_moves_userinfo_to_auth() -> None:
    proxy = fasthttpx.Proxy("http://us%40er:p%3Ass@proxy.example:3128")
    assert str(proxy.url).rstrip("/") == "http://proxy.example:3128"
    assert proxy.auth == ("us@er", "p:ss")
    assert proxy.raw_auth == (b"us@er", b"p:ss")
    assert "p:ss" not in repr(proxy)


def test_proxy_explicit_auth_and_headers() -> None:
    proxy = fasthttpx.Proxy(fasthttpx.URL("http://p:1"), auth=("a", "b"), headers={"X-A": "1"})
    assert proxy.auth == ("a", "b")
    assert proxy.headers["x-a"] == "1"
    assert proxy == fasthttpx.Proxy("http://a:b@p:1", headers={"X-A": "1"})


@pytest.mark.parametrize("url", ["ftp://p:1", "p:1", "http://"])
def test_proxy_rejects_bad_urls(url: str) -> None:
    with pytest.raises((ValueError, fasthttpx.InvalidURL)):
        fasthttpx.Proxy(url)


def test_https_and_socks_proxies_accepted_at_construction() -> None:
    # Exercised in tests/client/_async/test_proxy_https_socks.py.
    assert build_router("https://proxy:443", True, {}) is not None
    assert build_router(None, True, {"HTTPS_PROXY": "https://proxy:443"}) is not None
    fasthttpx.Client(proxy="https://proxy:443").close()
    assert build_router(fasthttpx.Proxy("socks5://proxy:1080"), True, {}) is not None
    with pytest.raises(TypeError):
        build_router(3128, True, {})


def test_proxy_with_transport_refused() -> None:
    transport = fasthttpx.MockTransport(lambda request: fasthttpx.Response(200))
    with pytest.raises(ValueError, match="transport"):
        fasthttpx.Client(proxy="http://p:1", transport=transport)


# -- the environment ---------------------------------------------------------------------------


def test_no_variables_no_router() -> None:
    assert build_router(None, True, {}) is None
    assert build_router(None, True, {"NO_PROXY": "localhost"}) is None
    assert build_router(None, False, {"HTTP_PROXY": "http://p:1"}) is None


def test_explicit_proxy_ignores_environment() -> None:
    router = build_router("http://explicit:1", True, {"NO_PROXY": "*", "HTTP_PROXY": "http://e:2"})
    assert router is not None
    proxy = router.proxy_for(_origin("http://localhost/"))
    assert proxy is not None and str(proxy.url).rstrip("/") == "http://explicit:1"


def test_scheme_variables() -> None:
    env = {"HTTP_PROXY": "http://h:1", "HTTPS_PROXY": "http://s:2", "ALL_PROXY": "http://a:3"}
    assert _proxy_url(env, "http://x.org/") == "http://h:1"
    assert _proxy_url(env, "https://x.org/") == "http://s:2"
    assert _proxy_url({"ALL_PROXY": "a:3"}, "https://x.org/") == "http://a:3"
    assert _proxy_url({"HTTP_PROXY": "http://h:1"}, "https://x.org/") is None


def test_lower_case_wins_and_httpoxy() -> None:
    env = {"HTTP_PROXY": "http://upper:1", "http_proxy": "http://lower:2"}
    assert _proxy_url(env, "http://x.org/") == "http://lower:2"
    cgi = {"HTTP_PROXY": "http://injected:1", "REQUEST_METHOD": "GET"}
    assert _proxy_url(cgi, "http://x.org/") is None
    assert _proxy_url({**cgi, "http_proxy": "http://mine:2"}, "http://x.org/") == "http://mine:2"


@pytest.mark.parametrize(
    ("no_proxy", "url", "direct"),
    [
        ("*", "http://anything/", True),
        ("a.org, *", "http://anything/", True),
        ("example.com", "http://example.com/", True),
        ("example.com", "http://www.example.com/", True),
        ("example.com", "http://wwwexample.com/", False),
        ("example.com", "http://example.com.evil.org/", False),
        (".example.com", "http://www.example.com/", True),
        (".example.com", "http://example.com/", False),
        ("*.example.com", "http://a.b.example.com/", True),
        ("*.example.com", "http://example.com/", False),
        ("EXAMPLE.com.", "http://example.com/", True),
        ("localhost", "http://localhost:8000/", True),
        ("localhost", "http://notlocalhost/", False),
        ("127.0.0.1", "http://127.0.0.1:5/", True),
        ("127.0.0.1", "http://127.0.0.2/", False),
        ("10.0.0.0/8", "http://10.1.2.3/", True),
        ("10.0.0.0/8", "http://11.1.2.3/", False),
        ("10.0.0.0/8", "http://ten.example/", False),
        ("::1", "http://[::1]:8000/", True),
        ("[::1]", "http://[::1]/", True),
        ("[::1]:8000", "http://[::1]:8000/", True),
        ("[::1]:8000", "http://[::1]:8001/", False),
        ("fd00::/8", "http://[fd12::1]/", True),
        ("example.com:8080", "http://example.com:8080/", True),
        ("example.com:8080", "http://example.com/", False),
        ("example.com:80", "http://example.com/", True),  # the default port counts
        ("http://example.com", "http://example.com/", True),
        ("http://example.com", "https://example.com/", False),
        ("bücher.example", "http://xn--bcher-kva.example/", True),
        ("", "http://example.com/", False),
        (" , ,", "http://example.com/", False),
    ],
)
def test_no_proxy_matching(no_proxy: str, url: str, direct: bool) -> None:
    env = {"ALL_PROXY": "http://proxy:3128", "NO_PROXY": no_proxy}
    assert (_proxy_url(env, url) is None) is direct


def test_no_proxy_lower_case_wins() -> None:
    env = {"ALL_PROXY": "http://p:1", "NO_PROXY": "a.org", "no_proxy": "b.org"}
    assert _proxy_url(env, "http://a.org/") == "http://p:1"
    assert _proxy_url(env, "http://b.org/") is None


def test_parse_no_proxy() -> None:
    assert parse_no_proxy("*") is None
    assert parse_no_proxy("") == []
    rules = parse_no_proxy("a.org, 10.0.0.0/8,[::1]:80")
    assert rules is not None
    assert [r.kind for r in rules] == ["domain", "network", "network"]
    assert rules[2].port == 80


def test_environment_order_most_specific_first() -> None:
    entries = environment_proxies(
        {"ALL_PROXY": "http://a:1", "HTTPS_PROXY": "http://s:2", "NO_PROXY": "x.org:81,y.org"}
    )
    patterns = [rule.pattern for rule, _ in entries]
    assert patterns == ["x.org:81", "y.org", "https://", "all://"]


# -- routes and bytes --------------------------------------------------------------------------


def test_forward_route_shares_one_key_per_proxy() -> None:
    assert ProxyRouter([]).route(_origin("http://a/")) is None
    router = build_router(fasthttpx.Proxy("http://u:p@proxy:3128", headers={"X-A": "1"}), True)
    assert router is not None
    one = router.route(_origin("http://a.org/"))
    two = router.route(_origin("http://b.org:8080/"))
    assert one is not None and two is not None
    assert not one.tunnel
    assert one.key == two.key == (FORWARD_SCHEME, b"proxy", 3128)
    assert (one.proxy_host, one.proxy_port) == ("proxy", 3128)
    auth = b"Proxy-Authorization: " + basic_proxy_authorization(b"u", b"p") + b"\r\n"
    assert one.fields == b"X-A: 1\r\n" + auth
    assert one.fields_for(fasthttpx.Headers({})) == (one.fields, 2)
    fields, count = one.fields_for(fasthttpx.Headers({"proxy-authorization": "Bearer x"}))
    assert (fields, count) == (b"X-A: 1\r\n", 1)


def test_tunnel_route_keyed_by_target() -> None:
    router = build_router("http://u:p@proxy:3128", True)
    assert router is not None
    route = router.route(_origin("https://example.com/"))
    assert route is not None and route.tunnel
    assert route.key == ("https", b"example.com", 443)
    assert route.connect_head == (
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
        b"Proxy-Authorization: Basic dTpw\r\n\r\n"
    )


def test_connect_head_ipv6_and_injection() -> None:
    assert build_connect_head(b"::1", 8443, []) == (
        b"CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"
    )
    with pytest.raises(ValueError):
        build_connect_head(b"h", 1, [(b"X-A", b"1\r\nX-Injected: 1")])


def test_basic_proxy_authorization() -> None:
    value = basic_proxy_authorization("Zoë".encode(), b"p:w")
    assert value == b"Basic " + base64.b64encode("Zoë:p:w".encode())


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("http://a.org/p?q=1#frag", b"http://a.org/p?q=1"),
        ("http://user:pw@a.org:8080", b"http://a.org:8080/"),
        ("http://[::1]:80/x", b"http://[::1]/x"),
    ],
)
def test_absolute_form(url: str, target: bytes) -> None:
    assert absolute_form(fasthttpx.URL(url)) == target
