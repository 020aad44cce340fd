"""Content decoders (round trips, streaming in small pieces, errors), text and line decoders."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable

import brotli
import pytest
import zstandard

from fasthttpx._decoders import (
    SUPPORTED_ENCODINGS,
    BrotliDecoder,
    DeflateDecoder,
    GZipDecoder,
    IdentityDecoder,
    LineDecoder,
    MultiDecoder,
    TextDecoder,
    ZStandardDecoder,
    accept_encoding_value,
    decoder_for_headers,
)
from fasthttpx._exceptions import DecodingError
from fasthttpx._models import Headers

BODY = b"".join(b"line %d of a compressible body\n" % i for i in range(5000))


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": lambda d: zstandard.ZstdCompressor().compress(d),
}


def _decode_all(decoder: object, data: bytes, piece: int) -> bytes:
    out = [decoder.decode(data[i : i + piece]) for i in range(0, len(data), piece)]  # type: ignore[attr-defined]
    out.append(decoder.flush())  # type: ignore[attr-defined]
    return b"".join(out)


@pytest.mark.parametrize("name", ["gzip", "deflate", "br", "zstd"])
@pytest.mark.parametrize("piece", [1, 7, 4096, 10**9])
def test_round_trip(name: str, piece: int) -> None:
    encoded = ENCODERS[name](BODY)
    decoder = decoder_for_headers(Headers({"Content-Encoding": name}))
    assert _decode_all(decoder, encoded, piece) == BODY


def test_raw_deflate_accepted() -> None:
    assert _decode_all(DeflateDecoder(), _raw_deflate(BODY), 100) == BODY


def test_gzip_is_streaming() -> None:
    encoded = gzip.compress(BODY)
    d = GZipDecoder()
    first = d.decode(encoded[: len(encoded) // 2])
    assert 0 < len(first) < len(BODY)  # output before the whole body arrived


def test_gzip_multiple_members() -> None:
    encoded = gzip.compress(b"abc") + gzip.compress(b"def")
    assert _decode_all(GZipDecoder(), encoded, 5) == b"abcdef"


def test_zstd_multiple_frames() -> None:
    c = zstandard.ZstdCompressor()
    assert _decode_all(ZStandardDecoder(), c.compress(b"ab") + c.compress(b"cd"), 3) == b"abcd"


def test_multi_decoder_order() -> None:
    # Content-Encoding: gzip, br  => gzip applied first, then br; undo br first.
    encoded = brotli.compress(gzip.compress(BODY))
    decoder = decoder_for_headers(Headers({"Content-Encoding": "gzip, br"}))
    assert isinstance(decoder, MultiDecoder)
    assert _decode_all(decoder, encoded, 333) == BODY
    two = Headers([("Content-Encoding", "gzip"), ("Content-Encoding", "zstd")])
    enc2 = zstandard.ZstdCompressor().compress(gzip.compress(b"x" * 100))
    assert _decode_all(decoder_for_headers(two), enc2, 10) == b"x" * 100


def test_identity_and_unknown() -> None:
    assert isinstance(decoder_for_headers(Headers()), IdentityDecoder)
    assert isinstance(decoder_for_headers(Headers({"Content-Encoding": "identity"})),
                      IdentityDecoder)
    assert isinstance(decoder_for_headers(Headers({"Content-Encoding": "x-unknown"})),
                      IdentityDecoder)
    assert isinstance(decoder_for_headers(Headers({"Content-Encoding": "GZIP"})), GZipDecoder)


@pytest.mark.parametrize(
    "decoder_cls", [GZipDecoder, DeflateDecoder, BrotliDecoder, ZStandardDecoder]
)
def test_bad_data_raises_decoding_error(decoder_cls: Callable[[], object]) -> None:
    d = decoder_cls()
    with pytest.raises(DecodingError) as info:
        d.decode(b"this is definitely not compressed data at all")  # type: ignore[attr-defined]
        d.flush()  # type: ignore[attr-defined]
    assert info.value.__cause__ is not None or "Incomplete" in str(info.value)


def test_truncated_zstd_and_brotli() -> None:
    with pytest.raises(DecodingError):
        d = ZStandardDecoder()
        d.decode(zstandard.ZstdCompressor().compress(BODY)[:-10])
        d.flush()
    with pytest.raises(DecodingError):
        b = BrotliDecoder()
        b.decode(brotli.compress(BODY)[:-10])
        b.flush()
    assert ZStandardDecoder().flush() == b"" and BrotliDecoder().flush() == b""


def test_accept_encoding() -> None:
    assert accept_encoding_value() == "gzip, deflate, br, zstd"
    assert {"gzip", "deflate", "br", "zstd", "identity"} <= set(SUPPORTED_ENCODINGS)


def test_text_decoder_split_multibyte() -> None:
    data = "héllo wörld €".encode()
    d = TextDecoder("utf-8")
    assert "".join(d.decode(data[i : i + 1]) for i in range(len(data))) + d.flush() == (
        "héllo wörld €"
    )
    d = TextDecoder("utf-8")
    assert d.decode(b"\xe2\x82") == "" and d.flush() == "\ufffd"


@pytest.mark.parametrize(
    "pieces,lines",
    [
        (["a\nb\n"], ["a", "b"]),
        (["a\r\nb\r\n"], ["a", "b"]),
        (["a\rb\r"], ["a", "b"]),
        (["a\r", "\nb"], ["a", "b"]),
        (["a", "b", "c\n", "d"], ["abc", "d"]),
        (["\n\n"], ["", ""]),
        (["a\n\r"], ["a", ""]),
        (["", "x"], ["x"]),
        (["a\r\n\r\nb"], ["a", "", "b"]),
        (["a\u2028b\n"], ["a\u2028b"]),
    ],
)
def test_line_decoder(pieces: list[str], lines: list[str]) -> None:
    d = LineDecoder()
    out: list[str] = []
    for p in pieces:
        out.extend(d.decode(p))
    out.extend(d.flush())
    assert out == lines


def test_line_decoder_char_by_char() -> None:
    text = "one\r\ntwo\rthree\nfour"
    d = LineDecoder()
    out = [line for ch in text for line in d.decode(ch)] + d.flush()
    assert out == ["one", "two", "three", "four"]


@pytest.mark.parametrize("raw", [False, True], ids=["zlib", "raw-deflate"])
@pytest.mark.parametrize("step", [1, 2, 3, 64])
def test_deflate_format_is_decided_however_the_body_is_split(raw: bool, step: int) -> None:
    """The zlib-or-raw decision needs the first two bytes: a first piece of one byte waits
    for the second instead of committing to the wrong format (it used to fail)."""
    body = b"deflated, split anywhere " * 200
    data = zlib.compress(body)
    if raw:
        data = data[2:-4]  # no zlib header or checksum: bare RFC 1951
    decoder = DeflateDecoder()
    pieces = [decoder.decode(data[i:i + step]) for i in range(0, len(data), step)]
    assert b"".join(pieces) + decoder.flush() == body


def test_a_one_byte_deflate_body_is_a_decoding_error() -> None:
    decoder = DeflateDecoder()
    assert decoder.decode(b"\x78") == b""
    with pytest.raises(DecodingError, match="one byte"):
        decoder.flush()
