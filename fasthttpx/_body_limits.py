"""Bounded response bodies: ``max_body_size`` and ``max_decompression_ratio``.

Why: a 1 MiB gzip body that expands to 1 GiB would otherwise be read whole into memory. Both
limits are off by default (None), as in curl and browsers: a client cannot know how large a
legitimate body is, and a limit that is too small breaks downloads silently. Set them when the
server is not trusted.

How: ``BodyLimits`` is what the client decides for one request (its own settings, overridden
by the request's ``max_body_size`` / ``max_decompression_ratio`` extensions). The response keeps
it in ``_body_limits`` (None: no limits, and the reading paths do exactly what they did before,
after one ``is None`` test). With limits, every body read goes through ``BoundedDecoder``: raw
pieces are decoded with the content decoder's ``decode_pieces``, whose output comes in pieces
of at most ``PIECE`` bytes (zlib's ``max_length`` for gzip/deflate; see ``_decoders.py`` for br
and zstd), and the totals are checked after each piece, so at most one piece more than the
limit is ever made. No I/O here: the reading paths (``_async/body.py``) close the response when
this raises, which discards a connection whose body had not ended.

* ``max_body_size``: decoded bytes handed out (``.content``, ``read()``, ``iter_bytes()`` and
  what is built on it: ``iter_text()``, ``iter_lines()``) greater than this →
  ``ResponseTooLarge``. ``iter_raw()`` hands out the body as sent and is not counted.
* ``max_decompression_ratio``: decoded bytes greater than ``ratio × raw bytes received``, once
  more than ``RATIO_FLOOR`` (1 MiB) has been decoded → ``DecompressionBombError``. The floor
  lets a small, highly compressible body (a page of whitespace) through whatever its ratio.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._decoders import ContentDecoder
from ._exceptions import DecompressionBombError, ResponseTooLarge

__all__ = ["BodyLimits", "BoundedDecoder", "body_limits_for", "PIECE", "RATIO_FLOOR"]

#: The largest piece of decoded output made at a time when limits are on.
PIECE = 64 * 1024
#: Decoded bytes always allowed whatever the ratio (small bodies compress very well).
RATIO_FLOOR = 1024 * 1024


class BodyLimits:
    """The limits for one response's body (at least one of them set)."""

    __slots__ = ("max_body_size", "max_decompression_ratio")

    def __init__(self, max_body_size: int | None, max_decompression_ratio: float | None) -> None:
        if max_body_size is not None and max_body_size < 0:
            raise ValueError(f"max_body_size must be >= 0 or None, not {max_body_size!r}")
        if max_decompression_ratio is not None and max_decompression_ratio <= 0:
            raise ValueError(
                f"max_decompression_ratio must be > 0 or None, not {max_decompression_ratio!r}"
            )
        self.max_body_size = max_body_size
        self.max_decompression_ratio = max_decompression_ratio

    @classmethod
    def of(cls, max_body_size: int | None, max_decompression_ratio: float | None
           ) -> BodyLimits | None:
        """The limits, or None when neither is set (the response then reads as before)."""
        if max_body_size is None and max_decompression_ratio is None:
            return None
        return cls(max_body_size, max_decompression_ratio)

    def __repr__(self) -> str:
        return (f"BodyLimits(max_body_size={self.max_body_size!r}, "
                f"max_decompression_ratio={self.max_decompression_ratio!r})")


def body_limits_for(client_limits: BodyLimits | None, extensions: Mapping[str, Any]
                    ) -> BodyLimits | None:
    """The client's limits overridden by a request's ``max_body_size`` /
    ``max_decompression_ratio`` extensions (an extension set to None lifts that limit)."""
    if "max_body_size" not in extensions and "max_decompression_ratio" not in extensions:
        return client_limits
    size = client_limits.max_body_size if client_limits is not None else None
    ratio = client_limits.max_decompression_ratio if client_limits is not None else None
    return BodyLimits.of(
        extensions.get("max_body_size", size), extensions.get("max_decompression_ratio", ratio)
    )


class BoundedDecoder:
    """Decodes a body piece by piece under ``BodyLimits``, counting raw and decoded bytes."""

    __slots__ = ("_decoder", "_max_size", "_ratio", "_request", "_url", "raw", "decoded")

    def __init__(self, limits: BodyLimits, decoder: ContentDecoder | None, request: Any) -> None:
        self._decoder = decoder
        self._max_size = limits.max_body_size
        self._ratio = limits.max_decompression_ratio if decoder is not None else None
        self._request = request
        self._url = request.url if request is not None else "a response without a request"
        self.raw = 0
        self.decoded = 0

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of one raw piece, each checked before the next is made."""
        self.raw += len(data)
        decoder = self._decoder
        if decoder is None:
            if data:
                self._count(data)
                yield data
            return
        for piece in decoder.decode_pieces(data, PIECE):
            self._count(piece)
            yield piece

    def flush(self) -> bytes:
        decoder = self._decoder
        if decoder is None:
            return b""
        rest = decoder.flush()
        if rest:
            self._count(rest)
        return rest

    def _count(self, piece: bytes) -> None:
        decoded = self.decoded = self.decoded + len(piece)
        limit = self._max_size
        if limit is not None and decoded > limit:
            raise ResponseTooLarge(
                f"Response body exceeded max_body_size ({limit} bytes, decoded) for {self._url}",
                request=self._request,
            )
        ratio = self._ratio
        if ratio is not None and decoded > RATIO_FLOOR and decoded > ratio * max(self.raw, 1):
            raise DecompressionBombError(
                f"Response body expanded past max_decompression_ratio ({ratio}: {decoded} "
                f"bytes decoded from {self.raw} received) for {self._url}",
                request=self._request,
            )
