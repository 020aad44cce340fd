"""Tables and errors shared by the two HPACK twins (``_hpack.pyx`` and ``_hpack_py.py``).

The static table is RFC 7541 Appendix A. The Huffman code (Appendix B) is canonical: a code's
bits follow from the code lengths alone (codes of one length are consecutive, in symbol order,
and each length starts where the previous one ended, shifted), so only the 257 lengths are
written here and ``huffman_codes()`` derives the codes. Decoding is table driven, four bits at
a time (``huffman_decode_table()``): a state is an inner node of the code tree, and each
(state, nibble) entry says where the walk ends, which symbol it completed if any, and whether
it hit EOS (an error inside a string, §5.2).
"""

from __future__ import annotations

__all__ = [
    "STATIC_TABLE", "HUFFMAN_LENGTHS", "HPACKError", "OversizedHeaderListError",
    "huffman_codes", "huffman_decode_table", "entry_size", "DEFAULT_TABLE_SIZE",
    "NIBBLE_EMIT", "NIBBLE_FAIL",
]


class HPACKError(ValueError):
    """A header block that cannot be decoded (RFC 7541 §3: a COMPRESSION_ERROR)."""


class OversizedHeaderListError(HPACKError):
    """The decoded header list is bigger than SETTINGS_MAX_HEADER_LIST_SIZE allows."""


#: SETTINGS_HEADER_TABLE_SIZE's initial value (RFC 9113 §6.5.2).
DEFAULT_TABLE_SIZE = 4096

STATIC_TABLE: tuple[tuple[bytes, bytes], ...] = (
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
)

#: Code length in bits of symbols 0..255 and EOS (256), RFC 7541 Appendix B.
HUFFMAN_LENGTHS: tuple[int, ...] = (
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,  # 0x00
    28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,  # 0x10
    6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,  # 0x20 ' ' ... '/'
    5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,  # 0x30 '0' ... '?'
    13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,  # 0x40 '@' ... 'O'
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,  # 0x50 'P' ... '_'
    15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,  # 0x60 '`' ... 'o'
    6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,  # 0x70 'p' ... DEL
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,  # 0x80
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,  # 0x90
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,  # 0xa0
    21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,  # 0xb0
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,  # 0xc0
    19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,  # 0xd0
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,  # 0xe0
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,  # 0xf0
    30,  # EOS
)

#: Flags of a decode-table entry.
NIBBLE_EMIT = 1  # the nibble completed a symbol (the entry's symbol)
NIBBLE_FAIL = 2  # the nibble completed EOS: invalid inside a string literal


def entry_size(name: bytes, value: bytes) -> int:
    """A table entry's size (RFC 7541 §4.1), also what counts toward a header list's size."""
    return len(name) + len(value) + 32


def huffman_codes() -> list[int]:
    """The code of every symbol, from the lengths (canonical assignment)."""
    order = sorted(range(257), key=lambda symbol: (HUFFMAN_LENGTHS[symbol], symbol))
    codes = [0] * 257
    code = 0
    previous = HUFFMAN_LENGTHS[order[0]]
    for position, symbol in enumerate(order):
        length = HUFFMAN_LENGTHS[symbol]
        if position:
            code = (code + 1) << (length - previous)
        previous = length
        codes[symbol] = code
    return codes


def huffman_decode_table() -> tuple[list[int], list[int], list[int], list[bool]]:
    """The four-bit decoder: ``next_state``, ``symbol``, ``flags`` (each of 256 states x 16
    nibbles, index ``state * 16 + nibble``) and ``accepting`` per state: a string may end in
    that state (what is left is at most 7 bits, all ones: a prefix of EOS, §5.2)."""
    codes = huffman_codes()
    # The code tree: inner nodes numbered from 0 (the root); a child >= 0 is an inner node,
    # a child < 0 is the leaf of symbol ~child.
    children: list[list[int | None]] = [[None, None]]
    for symbol in range(257):
        code, length = codes[symbol], HUFFMAN_LENGTHS[symbol]
        node = 0
        for shift in range(length - 1, -1, -1):
            bit = (code >> shift) & 1
            if shift == 0:
                children[node][bit] = ~symbol
            else:
                child = children[node][bit]
                if child is None:
                    children.append([None, None])
                    child = children[node][bit] = len(children) - 1
                node = child
    states = len(children)  # 256 for a complete tree of 257 leaves
    next_state = [0] * (states * 16)
    symbols = [0] * (states * 16)
    flags = [0] * (states * 16)
    for state in range(states):
        for nibble in range(16):
            node, emitted, flag = state, 0, 0
            for shift in (3, 2, 1, 0):
                child = children[node][(nibble >> shift) & 1]
                assert child is not None
                if child < 0:
                    if ~child == 256:
                        flag |= NIBBLE_FAIL
                        node = 0
                        break
                    emitted, flag = ~child, flag | NIBBLE_EMIT
                    node = 0
                else:
                    node = child
            index = state * 16 + nibble
            next_state[index], symbols[index], flags[index] = node, emitted, flag
    accepting = [False] * states
    node = 0
    for _depth in range(8):  # the root, and the all-ones path up to 7 bits deep
        accepting[node] = True
        child = children[node][1]
        if child is None or child < 0:
            break
        node = child
    return next_state, symbols, flags, accepting
