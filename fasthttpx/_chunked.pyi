"""Interface of the chunked transfer-coding decoder (RFC 9112 §7.1), shared by `_chunked.pyx`
and `_chunked_py.py`. The parser uses it for chunked bodies; it is usable on its own.

Contract (both twins, byte for byte and error for error):

* ``feed(data)`` takes ``bytes`` and returns the chunk data this input completed, joined into
  one ``bytes`` (``b""`` when none); data of a chunk that is cut by the end of the input is
  returned at once, not held back.
* ``finished`` becomes true after the last-chunk, the trailer section and its final CRLF.
  ``trailers`` then holds the trailer fields as raw ``(name, value)`` bytes pairs, validated as
  header fields are. Bytes after the end are not decoded; they are kept in ``unused_data``.
* ``feed_eof()`` raises ``RemoteProtocolError`` unless ``finished``.
* Errors are ``fasthttpx.RemoteProtocolError`` naming the problem: a chunk size that is empty,
  not hex, signed, spaced, ``0x``-prefixed or above 2**64-1; a bad chunk extension; a size line
  longer than ``max_line_size``; data not followed by CRLF; a bare CR anywhere; a bad trailer
  field; too many or too large trailers. After an error the decoder stays failed (same message).
* Line ends are CRLF; a bare LF is accepted as a line end (RFC 9112 §2.2), a bare CR never.
  A line's length for the limits is the bytes before its LF (a CR counts).
"""

class ChunkedDecoder:
    def __init__(
        self,
        *,
        max_line_size: int = 4096,
        max_trailer_line_size: int = 65536,
        max_trailer_count: int = 100,
        max_trailers_size: int = 262144,
    ) -> None: ...
    def feed(self, data: bytes) -> bytes: ...
    def feed_eof(self) -> None: ...
    @property
    def finished(self) -> bool: ...
    @property
    def trailers(self) -> list[tuple[bytes, bytes]]: ...
    @property
    def unused_data(self) -> bytes: ...
    @property
    def failed(self) -> bool: ...
