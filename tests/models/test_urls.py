"""URL parsing, normalisation, IDNA, IPv6, errors, joining (RFC 3986 §5.4), QueryParams."""

from __future__ import annotations

import pytest

from fasthttpx._exceptions import InvalidURL
from fasthttpx._urls import URL, QueryParams


def test_components() -> None:
    u = URL("HTTPS://user:p%40ss@Example.COM:8443/a%20b/c?x=1&y=%20#frag")
    assert u.scheme == "https"
    assert u.host == "example.com" and u.raw_host == b"example.com"
    assert u.port == 8443
    assert u.netloc == b"example.com:8443"
    assert u.path == "/a b/c"
    assert u.raw_path == b"/a%20b/c?x=1&y=%20"
    assert u.query == b"x=1&y=%20"
    assert u.params["y"] == " "
    assert u.fragment == "frag"
    assert u.userinfo == b"user:p%40ss"
    assert u.username == "user" and u.password == "p@ss"
    assert u.origin == ("https", b"example.com", 8443)
    assert u.is_absolute_url and not u.is_relative_url
    assert repr(u) == "URL('https://user:[secure]@example.com:8443/a%20b/c?x=1&y=%20#frag')"


@pytest.mark.parametrize(
    "raw,normal",
    [
        ("HTTP://EXAMPLE.com:80", "http://example.com"),  # empty path kept, as HTTPX
        ("https://example.com:443/", "https://example.com/"),
        ("http://example.com:443/", "http://example.com:443/"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/a b?q=a b#f g", "http://example.com/a%20b?q=a%20b#f%20g"),
        ("http://example.com/%7e/%zz", "http://example.com/%7e/%zz"),  # lone % kept, as HTTPX
        ("http://example.com/é", "http://example.com/%C3%A9"),
        ("http://example.com?", "http://example.com?"),
        ("/relative/path", "/relative/path"),
    ],
)
def test_normalisation(raw: str, normal: str) -> None:
    assert str(URL(raw)) == normal
    assert URL(raw) == normal
    assert hash(URL(raw)) == hash(URL(normal))


def test_default_port_filled_in_origin() -> None:
    assert URL("http://a/").origin == ("http", b"a", 80)
    assert URL("https://a/").origin == ("https", b"a", 443)
    assert URL("http://127.0.0.1:8000/path?x=1").raw_path == b"/path?x=1"


def test_idna() -> None:
    u = URL("http://münchen.de/")
    assert u.raw_host == b"xn--mnchen-3ya.de"
    assert u.host == "münchen.de"
    assert str(u) == "http://xn--mnchen-3ya.de/"
    assert URL("http://MÜNCHEN.de/").raw_host == b"xn--mnchen-3ya.de"  # UTS 46 mapping
    assert URL("http://xn--mnchen-3ya.de/").host == "münchen.de"


def test_ipv6() -> None:
    u = URL("http://[::1]:8080/x")
    assert u.host == "::1" and u.raw_host == b"::1"
    assert u.netloc == b"[::1]:8080"
    assert str(u) == "http://[::1]:8080/x"
    # validated, lower-cased, otherwise kept as written (HTTPX keeps it too)
    assert URL("http://[2001:DB8::0001]/").raw_host == b"2001:db8::0001"
    assert URL("http://a/").copy_with(host="::1").netloc == b"[::1]"


@pytest.mark.parametrize(
    "bad",
    [
        "http://example.com:abc/",
        "http://example.com:99999/",
        "http://example.com\r\n/",
        "http://exa\x00mple.com/",
        "http://[::g]/",
        "http://[::1/",
        "http://256.1.1.1/",
        "http://a..b\u200d.com/",
        "http://xn--/",
        "//relative-authority-bad:x",
        "x" * 70000,
    ],
)
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidURL):
        URL(bad)


def test_invalid_messages() -> None:
    with pytest.raises(InvalidURL, match="Invalid port"):
        URL("http://a:b/")
    with pytest.raises(InvalidURL, match="non-printable"):
        URL("http://a/\n")
    with pytest.raises(InvalidURL, match="IDNA"):
        URL("http://☃\u0000x.com/".replace("\u0000", "\u200d"))


def test_type_errors() -> None:
    with pytest.raises(TypeError):
        URL(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        URL("http://a/", nonsense=1)
    with pytest.raises(TypeError):
        URL("http://a/", port="80")


def test_copy_with_and_params() -> None:
    u = URL("http://example.com/path?a=1")
    assert u.copy_with(scheme="https") == "https://example.com/path?a=1"
    assert u.copy_with(path="/x y") == "http://example.com/x%20y?a=1"
    assert u.copy_with(port=81).port == 81
    assert u.copy_with(username="u@", password="p").userinfo == b"u%40:p"
    assert u.copy_with(raw_path=b"/r?z=2") == "http://example.com/r?z=2"
    assert u.copy_with(netloc=b"other:90") == "http://other:90/path?a=1"
    assert u.copy_with(fragment="f") == "http://example.com/path?a=1#f"
    assert u.copy_set_param("a", 2) == "http://example.com/path?a=2"
    assert u.copy_add_param("a", 2) == "http://example.com/path?a=1&a=2"
    assert u.copy_remove_param("a") == "http://example.com/path"
    assert u.copy_merge_params({"b": "x y"}) == "http://example.com/path?a=1&b=x+y"
    assert URL("http://a/", params={"q": True, "n": None}) == "http://a/?q=true&n="
    assert URL("http://a/?x=1", params={}) == "http://a/"


BASE = URL("http://a/b/c/d;p?q")


@pytest.mark.parametrize(
    "ref,expected",
    [
        # RFC 3986 §5.4.1 normal examples
        ("g:h", "g:h"), ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"),
        ("g/", "http://a/b/c/g/"), ("/g", "http://a/g"), ("//g", "http://g"),
        ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"), ("g#s", "http://a/b/c/g#s"),
        ("g?y#s", "http://a/b/c/g?y#s"), (";x", "http://a/b/c/;x"),
        ("g;x", "http://a/b/c/g;x"), ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"),
        ("..", "http://a/b/"), ("../", "http://a/b/"), ("../g", "http://a/b/g"),
        ("../..", "http://a/"), ("../../", "http://a/"), ("../../g", "http://a/g"),
        # §5.4.2 abnormal examples
        ("../../../g", "http://a/g"), ("../../../../g", "http://a/g"),
        ("/./g", "http://a/g"), ("/../g", "http://a/g"), ("g.", "http://a/b/c/g."),
        (".g", "http://a/b/c/.g"), ("g..", "http://a/b/c/g.."), ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"), ("./g/.", "http://a/b/c/g/"),
        ("g/./h", "http://a/b/c/g/h"), ("g/../h", "http://a/b/c/h"),
        ("g;x=1/./y", "http://a/b/c/g;x=1/y"), ("g;x=1/../y", "http://a/b/c/y"),
        ("g?y/./x", "http://a/b/c/g?y/./x"), ("g?y/../x", "http://a/b/c/g?y/../x"),
        ("g#s/./x", "http://a/b/c/g#s/./x"), ("g#s/../x", "http://a/b/c/g#s/../x"),
        ("http:g", "http:g"),
    ],
)
def test_join_rfc3986(ref: str, expected: str) -> None:
    assert BASE.join(ref) == URL(expected)


def test_equality_with_other_types() -> None:
    assert URL("http://a/") != 1
    assert URL("http://a/") != "http://exa mple/"


def test_queryparams() -> None:
    q = QueryParams("a=1&b=2&a=3&c=")
    assert q["a"] == "1" and q.get_list("a") == ["1", "3"] and q["c"] == ""
    assert q.get("zz", "d") == "d"
    assert list(q.keys()) == ["a", "b", "c"]
    assert list(q.values()) == ["1", "2", ""]
    assert q.multi_items() == [("a", "1"), ("a", "3"), ("b", "2"), ("c", "")]
    assert q == QueryParams([("b", "2"), ("a", "1"), ("a", "3"), ("c", "")])
    assert q != QueryParams("a=1")
    assert str(QueryParams({"x": ["1", "2"], "y": "a b&"})) == "x=1&x=2&y=a+b%26"
    assert QueryParams(b"x=1") == QueryParams({"x": 1})
    assert QueryParams(q) == q
    assert q.set("a", "9").get_list("a") == ["9"]
    assert q.add("b", 3).get_list("b") == ["2", "3"]
    assert "a" not in q.remove("a")
    assert q.merge({"a": "z"})["a"] == "z"
    assert repr(QueryParams("a=1")) == "QueryParams('a=1')"
    assert len(q) == 3 and bool(q) and not QueryParams()
    with pytest.raises(RuntimeError):
        q["a"] = "x"
    with pytest.raises(RuntimeError):
        q.update({})


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://exam le.com/", "exam%20le.com"),
        ("https://EXAM le.com/", "exam%20le.com"),
        ("https://a^b.com/", "a%5Eb.com"),
        ("https://exam%20le.com/", "exam%20le.com"),  # an escape is kept as it is
    ],
)
def test_odd_host_is_percent_encoded(url: str, host: str) -> None:
    # As HTTPX: a reg-name character outside unreserved / sub-delims is percent-encoded...
    u = URL(url)
    assert u.host == host
    assert str(u) == f"https://{host}/"
    assert URL("https://example.com/").copy_with(host=url[8:-1]).host == host


@pytest.mark.parametrize("host", ["exa\x00mple.com", "exa\x7fmple.com", "a\tb"])
def test_host_with_control_character_is_invalid(host: str) -> None:
    # ... but a control character is an error, as in the rest of the URL.
    with pytest.raises(InvalidURL, match="non-printable"):
        URL(f"http://{host}/")
    with pytest.raises(InvalidURL, match="non-printable"):
        URL("http://example.com/").copy_with(host=host)
