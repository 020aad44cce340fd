"""Auth flows (Basic, Digest against RFC 7616 §3.9.1) and redirect request building."""

from __future__ import annotations

import base64

import pytest

import fasthttpx
from fasthttpx._auth import BasicAuth, DigestAuth, FunctionAuth, build_auth
from fasthttpx._content import IteratorByteStream
from fasthttpx._exceptions import RemoteProtocolError, StreamConsumed, UnsupportedProtocol
from fasthttpx._models import BaseResponse, Request
from fasthttpx._redirects import build_redirect_request, redirect_method


def test_basic_auth_header() -> None:
    req = Request("GET", "http://example.com/")
    flow = BasicAuth("user", "pässword").auth_flow(req)
    sent = next(flow)
    value = sent.headers["Authorization"]
    assert value.startswith("Basic ")
    assert base64.b64decode(value[6:]) == "user:pässword".encode()
    assert BasicAuth("Aladdin", "open sesame")._auth_header == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    with pytest.raises(StopIteration):
        flow.send(BaseResponse(200, request=sent))


def test_build_auth() -> None:
    assert build_auth(None) is None
    assert isinstance(build_auth(("a", "b")), BasicAuth)
    assert isinstance(build_auth(lambda r: r), FunctionAuth)
    b = BasicAuth("a", "b")
    assert build_auth(b) is b
    with pytest.raises(TypeError):
        build_auth(123)


def test_basic_auth_from_url_userinfo() -> None:
    """Credentials in the URL's userinfo are sent as Basic auth, percent-decoded first."""
    seen: list[str | None] = []

    def handler(request: Request) -> fasthttpx.Response:
        seen.append(request.headers.get("Authorization"))
        return fasthttpx.Response(200)

    with fasthttpx.Client(transport=fasthttpx.MockTransport(handler)) as client:
        client.get("http://us%40er:p%3Ass@host/")
        client.get("http://host/")
    assert seen == [BasicAuth("us@er", "p:ss")._auth_header, None]


def test_function_auth() -> None:
    def add(r: Request) -> Request:
        r.headers["X-Token"] = "t"
        return r

    sent = next(FunctionAuth(add).auth_flow(Request("GET", "http://x/")))
    assert sent.headers["x-token"] == "t"


RFC_NONCE = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
RFC_OPAQUE = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
RFC_CNONCE = b"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"


class FixedNonceDigest(DigestAuth):
    def _get_client_nonce(self, nonce_count: int, nonce: bytes) -> bytes:
        return RFC_CNONCE


@pytest.mark.parametrize(
    "algorithm,expected",
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_digest_rfc7616_example(algorithm: str, expected: str) -> None:
    auth = FixedNonceDigest("Mufasa", "Circle of Life")
    req = Request("GET", "http://www.example.org/dir/index.html")
    flow = auth.auth_flow(req)
    first = next(flow)
    assert "Authorization" not in first.headers
    challenge = (
        f'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm={algorithm}, '
        f'nonce="{RFC_NONCE}", opaque="{RFC_OPAQUE}"'
    )
    resp = BaseResponse(401, headers={"WWW-Authenticate": challenge}, request=first)
    second = flow.send(resp)
    value = second.headers["Authorization"]
    assert value.startswith("Digest ")
    assert f'response="{expected}"' in value
    assert 'username="Mufasa"' in value and 'uri="/dir/index.html"' in value
    assert "nc=00000001" in value and "qop=auth" in value and f"algorithm={algorithm}" in value
    assert f'opaque="{RFC_OPAQUE}"' in value
    with pytest.raises(StopIteration):
        flow.send(BaseResponse(200, request=second))


def test_digest_without_challenge_passes_through() -> None:
    flow = DigestAuth("u", "p").auth_flow(Request("GET", "http://x/"))
    r = next(flow)
    with pytest.raises(StopIteration):
        flow.send(BaseResponse(200, request=r))


def _redirect(method: str, status: int, location: str, url: str = "http://example.com/a/b",
              **kw: object) -> Request:
    req = Request(method, url, **kw)  # type: ignore[arg-type]
    resp = BaseResponse(status, headers={"Location": location}, request=req)
    return build_redirect_request(req, resp)


@pytest.mark.parametrize(
    "method,status,expected",
    [
        ("POST", 301, "GET"), ("PUT", 301, "PUT"), ("POST", 302, "GET"), ("PUT", 302, "GET"),
        ("HEAD", 302, "HEAD"), ("POST", 303, "GET"), ("HEAD", 303, "HEAD"),
        ("DELETE", 303, "GET"), ("POST", 307, "POST"), ("POST", 308, "POST"), ("GET", 301, "GET"),
    ],
)
def test_method_rewriting(method: str, status: int, expected: str) -> None:
    assert redirect_method(method, status) == expected
    new = _redirect(method, status, "/c", content=b"body")
    assert new.method == expected
    if expected == method:
        assert new.content == b"body" and new.headers["content-length"] == "4"
    else:
        assert new.content == b"" and "content-length" not in new.headers


def test_relative_location_and_fragment() -> None:
    new = _redirect("GET", 302, "../c?x=1", url="http://example.com/a/b#frag")
    assert new.url == "http://example.com/c?x=1#frag"
    new = _redirect("GET", 302, "/d#other", url="http://example.com/a/b#frag")
    assert new.url == "http://example.com/d#other"


def test_authorization_stripped_on_origin_change() -> None:
    hdrs = {"Authorization": "secret"}
    same = _redirect("GET", 302, "/x", headers=hdrs)
    assert same.headers["authorization"] == "secret"
    other = _redirect("GET", 302, "http://other.com/x", headers=hdrs)
    assert "authorization" not in other.headers
    assert other.headers["host"] == "other.com"
    port = _redirect("GET", 302, "http://example.com:8080/x", headers=hdrs)
    assert "authorization" not in port.headers
    upgrade = _redirect("GET", 302, "https://example.com/x", headers=hdrs)
    assert upgrade.headers["authorization"] == "secret"
    downgrade = _redirect("GET", 302, "http://example.com/x", url="https://example.com/",
                          headers=hdrs)
    assert "authorization" not in downgrade.headers


def test_invalid_and_unsupported_location() -> None:
    with pytest.raises(RemoteProtocolError):
        _redirect("GET", 302, "http://[::1/")
    with pytest.raises(UnsupportedProtocol):
        _redirect("GET", 302, "ftp://example.com/")


def test_one_shot_body_cannot_be_replayed() -> None:
    with pytest.raises(StreamConsumed):
        _redirect("POST", 307, "/x", content=iter([b"a"]))
    # A re-iterable (list) body can be.
    new = _redirect("POST", 307, "/x", content=[b"a", b"b"])
    assert isinstance(new.stream, IteratorByteStream)
    assert b"".join(new.stream) == b"ab"


def test_cookies_rebuilt_for_new_url() -> None:
    from fasthttpx._cookies import Cookies

    jar = Cookies()
    jar.set("sid", "1", domain="other.com")
    req = Request("GET", "http://example.com/", headers={"Cookie": "old=1"})
    resp = BaseResponse(302, headers={"Location": "http://other.com/"}, request=req)
    new = build_redirect_request(req, resp, cookies=jar)
    assert new.headers["cookie"] == "sid=1"


def test_parse_auth_params() -> None:
    from fasthttpx._auth import parse_auth_params

    assert parse_auth_params('realm="a, b", nonce=xyz ,opaque="q\\"uote", qop="auth"') == {
        "realm": "a, b", "nonce": "xyz", "opaque": 'q"uote', "qop": "auth",
    }
    assert parse_auth_params("") == {}
    assert parse_auth_params("garbage-without-equals" * 1000) == {}


def _challenge_flow(header: str) -> None:
    flow = DigestAuth("u", "p").auth_flow(Request("GET", "http://x/"))
    r = next(flow)
    flow.send(BaseResponse(401, headers={"WWW-Authenticate": header}, request=r))


def test_digest_errors() -> None:
    from fasthttpx._exceptions import ProtocolError

    with pytest.raises(ProtocolError, match="Malformed"):
        _challenge_flow('Digest realm="r"')
    with pytest.raises(ProtocolError, match="algorithm"):
        _challenge_flow('Digest realm="r", nonce="n", algorithm=FOO')
    with pytest.raises(NotImplementedError):
        _challenge_flow('Digest realm="r", nonce="n", qop="auth-int"')


def test_digest_rfc2069_and_sess() -> None:
    import hashlib

    flow = FixedNonceDigest("u", "p").auth_flow(Request("GET", "http://x/p"))
    r = next(flow)
    r = flow.send(BaseResponse(401, headers={"WWW-Authenticate": 'Digest realm="r", nonce="n"'},
                               request=r))
    ha1 = hashlib.md5(b"u:r:p").hexdigest()
    ha2 = hashlib.md5(b"GET:/p").hexdigest()
    expected = hashlib.md5(f"{ha1}:n:{ha2}".encode()).hexdigest()
    assert f'response="{expected}"' in r.headers["authorization"]
    assert "qop" not in r.headers["authorization"]

    flow = FixedNonceDigest("u", "p").auth_flow(Request("GET", "http://x/p"))
    r = next(flow)
    challenge = 'Digest realm="r", nonce="n", qop=auth, algorithm=MD5-sess'
    r = flow.send(BaseResponse(401, headers={"WWW-Authenticate": challenge}, request=r))
    cn = RFC_CNONCE.decode()
    ha1s = hashlib.md5(f"{ha1}:n:{cn}".encode()).hexdigest()
    expected = hashlib.md5(f"{ha1s}:n:00000001:{cn}:auth:{ha2}".encode()).hexdigest()
    assert f'response="{expected}"' in r.headers["authorization"]
