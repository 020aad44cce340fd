"""HPACK twins (compiled ``_hpack``, pure-Python ``_hpack_py``): RFC 7541 Appendix C, errors,
and round trips against the ``hpack`` package (a third, independent implementation)."""

from __future__ import annotations

from typing import Any

import hpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fasthttpx._hpack_common import (
    HUFFMAN_LENGTHS,
    STATIC_TABLE,
    HPACKError,
    OversizedHeaderListError,
    huffman_codes,
)
from tests.h2core.twins import IMPLS, module

Headers = list[tuple[bytes, bytes]]


def _h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def _fields(text: str) -> Headers:
    out = []
    for line in text.strip().splitlines():
        name, _, value = line.partition("|")
        out.append((name.encode(), value.encode()))
    return out


# RFC 7541 Appendix C.2: single representations.
C2 = [
    ("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
     "custom-key|custom-header", 55),
    ("040c 2f73 616d 706c 652f 7061 7468", ":path|/sample/path", 0),
    ("1008 7061 7373 776f 7264 0673 6563 7265 74", "password|secret", 0),
    ("82", ":method|GET", 0),
]

REQUESTS = [
    ":method|GET\n:scheme|http\n:path|/\n:authority|www.example.com",
    ":method|GET\n:scheme|http\n:path|/\n:authority|www.example.com\ncache-control|no-cache",
    ":method|GET\n:scheme|https\n:path|/index.html\n:authority|www.example.com\n"
    "custom-key|custom-value",
]
C3 = ["8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d", "8286 84be 5808 6e6f 2d63 6163 6865",
      "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"]
C4 = ["8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", "8286 84be 5886 a8eb 1064 9cbf",
      "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"]
REQUEST_TABLE_SIZES = [57, 110, 164]

RESPONSES = [
    ":status|302\ncache-control|private\ndate|Mon, 21 Oct 2013 20:13:21 GMT\n"
    "location|https://www.example.com",
    ":status|307\ncache-control|private\ndate|Mon, 21 Oct 2013 20:13:21 GMT\n"
    "location|https://www.example.com",
    ":status|200\ncache-control|private\ndate|Mon, 21 Oct 2013 20:13:22 GMT\n"
    "location|https://www.example.com\ncontent-encoding|gzip\n"
    "set-cookie|foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
]
C5 = [
    "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 "
    "303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
    "4803 3330 37c1 c0bf",
    "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 "
    "5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 "
    "5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
]
C6 = [
    "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b "
    "ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
    "4883 640e ffc1 c0bf",
    "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad "
    "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 "
    "65c0 03ed 4ee5 b106 3d50 07",
]
RESPONSE_TABLE_SIZES = [222, 222, 215]


def _table_used(decoder: Any) -> int:
    return int(decoder.table_used)


def test_tables_match_the_hpack_package() -> None:
    """Our RFC tables against another implementation's (the canonical code derivation)."""
    from hpack.huffman_constants import REQUEST_CODES, REQUEST_CODES_LENGTH
    from hpack.table import HeaderTable

    assert list(HUFFMAN_LENGTHS) == list(REQUEST_CODES_LENGTH)
    assert huffman_codes() == list(REQUEST_CODES)
    assert list(STATIC_TABLE) == list(HeaderTable.STATIC_TABLE)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("block", "fields", "table"), C2)
def test_rfc7541_c2(impl: str, block: str, fields: str, table: int) -> None:
    decoder = module(impl, "hpack").Decoder()
    assert decoder.decode(_h(block)) == _fields(fields)
    assert _table_used(decoder) == table
    assert hpack.Decoder().decode(_h(block), raw=True) == _fields(fields)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(
    ("blocks", "lists", "sizes", "table_size"),
    [(C3, REQUESTS, REQUEST_TABLE_SIZES, 4096), (C4, REQUESTS, REQUEST_TABLE_SIZES, 4096),
     (C5, RESPONSES, RESPONSE_TABLE_SIZES, 256), (C6, RESPONSES, RESPONSE_TABLE_SIZES, 256)],
    ids=["C3", "C4", "C5", "C6"],
)
def test_rfc7541_sequences(
    impl: str, blocks: list[str], lists: list[str], sizes: list[int], table_size: int
) -> None:
    decoder = module(impl, "hpack").Decoder(table_size)
    for block, fields, size in zip(blocks, lists, sizes):
        assert decoder.decode(_h(block)) == _fields(fields)
        assert _table_used(decoder) == size


@pytest.mark.parametrize("impl", IMPLS)
def test_table_size_updates(impl: str) -> None:
    decoder = module(impl, "hpack").Decoder()
    decoder.decode(_h(C2[0][0]))
    assert decoder.decode(_h("20 82")) == [(b":method", b"GET")]  # size 0: table emptied
    assert _table_used(decoder) == 0
    assert decoder.decode(_h("3fe11f 82")) == [(b":method", b"GET")]  # back to 4096
    with pytest.raises(HPACKError):
        decoder.decode(_h("3fe21f"))  # 4097: above what we allowed
    with pytest.raises(HPACKError):
        module(impl, "hpack").Decoder().decode(_h("82 20"))  # after a field


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(
    "block",
    ["80", "be", "7f00 0161", "0005 6162", "ff ffff ffff ff", "00 81 ff 00",
     "00 84 ffff ffff 00", "00 81 18 00", "3f", "00"],
    ids=["index-0", "index-62-empty", "name-index-out-of-range", "string-past-end",
         "huge-integer", "huffman-8-bit-padding", "huffman-eos", "huffman-padding-zeros",
         "truncated-integer", "truncated-string"],
)
def test_bad_blocks(impl: str, block: str) -> None:
    with pytest.raises(HPACKError):
        module(impl, "hpack").Decoder().decode(_h(block))
    with pytest.raises(hpack.HPACKDecodingError):  # the third opinion agrees
        hpack.Decoder().decode(_h(block), raw=True)


@pytest.mark.parametrize("impl", IMPLS)
def test_header_list_size_limit(impl: str) -> None:
    decoder = module(impl, "hpack").Decoder(4096, 80)
    assert decoder.decode(_h("82 84")) == [(b":method", b"GET"), (b":path", b"/")]
    with pytest.raises(OversizedHeaderListError):
        decoder.decode(_h("82 84 86"))


@pytest.mark.parametrize("impl", IMPLS)
def test_encoder_follows_the_peer_table_size(impl: str) -> None:
    encoder = module(impl, "hpack").Encoder()
    encoder.encode([(b"custom-key", b"custom-header")])
    encoder.table_size = 0
    encoder.table_size = 100
    assert encoder.encode([(b":method", b"GET")]) == _h("3f45 82")
    encoder.table_size = 65536  # clamped to 4096
    assert encoder.encode([(b":method", b"GET")]) == _h("3fe11f 82")


_names = st.one_of(
    st.sampled_from([n for n, _ in STATIC_TABLE if not n.startswith(b":")] + [b"x-a", b"x-b"]),
    st.binary(min_size=1, max_size=20),
)
_header_lists = st.lists(st.tuples(_names, st.binary(max_size=60)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(blocks=st.lists(_header_lists, min_size=1, max_size=6),
       table_sizes=st.lists(st.sampled_from([4096, 0, 100, 256, 4096]), max_size=6))
def test_round_trips_against_the_hpack_package(
    blocks: list[Headers], table_sizes: list[int]
) -> None:
    """Both encoders give byte-identical blocks; ``hpack`` decodes them to the input; ``hpack``'s
    encoding of the same lists decodes identically in both our decoders."""
    twins = [module(impl, "hpack") for impl in IMPLS]
    encoders = [twin.Encoder() for twin in twins]
    ours_decoders = [twin.Decoder() for twin in twins]
    their_decoder = hpack.Decoder()
    their_decoder.max_header_list_size = 1 << 30
    their_encoder = hpack.Encoder()
    for index, headers in enumerate(blocks):
        if index < len(table_sizes):
            for encoder in encoders:
                encoder.table_size = table_sizes[index]
        encoded = [encoder.encode(headers) for encoder in encoders]
        assert len(set(encoded)) == 1
        assert their_decoder.decode(encoded[0], raw=True) == headers
        theirs = their_encoder.encode(headers, huffman=index % 2 == 0)
        for decoder in ours_decoders:
            assert decoder.decode(theirs) == headers


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_arbitrary_blocks_same_verdict_everywhere(block: bytes) -> None:
    """Random bytes: both twins give the same fields or both fail (and so does ``hpack``)."""
    results = []
    for impl in IMPLS:
        try:
            results.append(module(impl, "hpack").Decoder().decode(block))
        except HPACKError:
            results.append("error")
    try:
        theirs: Any = hpack.Decoder().decode(block, raw=True)
    except (hpack.HPACKError, hpack.OversizedHeaderListError):
        theirs = "error"
    assert results == [results[0]] * len(results)
    assert results[0] == theirs


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_huffman_round_trip(data: bytes) -> None:
    for impl in IMPLS:
        twin = module(impl, "hpack")
        coded = twin.huffman_encode(data)
        assert coded == hpack.huffman.HuffmanEncoder(
            hpack.huffman_constants.REQUEST_CODES, hpack.huffman_constants.REQUEST_CODES_LENGTH
        ).encode(data)
        assert twin.huffman_decode(coded) == data
