"""Pick the compiled core or its pure-Python twins, once, at import.

The compiled modules are the HTTP/1.1 parser, the chunked decoder and the HTTP/2 core
(``_h2core``, with ``_hpack``); their twins are ``_parser_py``, ``_chunked_py`` and
``_h2core_py`` (an adapter over the ``h2`` library).

``FASTHTTPX_NO_EXTENSIONS`` set to anything but empty, ``0``, ``false`` or ``no`` selects the
twins (for stepping through the parser in a debugger); so does a failed import of the compiled
modules (a build without a compiler, or PyPy). ``IMPLEMENTATION`` records the choice and is
exported as ``fasthttpx.__implementation__``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

__all__ = ["IMPLEMENTATION", "ResponseParser", "ChunkedDecoder", "EventStreamParser",
           "response_fields", "extensions_disabled", "H2Core", "FrameReader", "FrameWriter",
           "Utf8Validator", "mask"]


def extensions_disabled(value: str | None) -> bool:
    """True when the environment value asks for the pure-Python twins."""
    if value is None:
        return False
    return value.strip().lower() not in ("", "0", "false", "no")


if TYPE_CHECKING:
    from ._chunked_py import ChunkedDecoder
    from ._h2core_py import H2Core
    from ._parser_py import ResponseParser, response_fields
    from ._sse_py import EventStreamParser
    from ._websocket_py import FrameReader, FrameWriter, Utf8Validator, mask

    IMPLEMENTATION: str
elif extensions_disabled(os.environ.get("FASTHTTPX_NO_EXTENSIONS")):
    from ._chunked_py import ChunkedDecoder
    from ._h2core_py import H2Core
    from ._parser_py import ResponseParser, response_fields
    from ._sse_py import EventStreamParser
    from ._websocket_py import FrameReader, FrameWriter, Utf8Validator, mask

    IMPLEMENTATION = "python"
else:
    try:
        from ._chunked import ChunkedDecoder
        from ._h2core import H2Core
        from ._parser import ResponseParser, response_fields
        from ._sse import EventStreamParser
        from ._websocket import FrameReader, FrameWriter, Utf8Validator, mask
    except ImportError:
        from ._chunked_py import ChunkedDecoder
        from ._h2core_py import H2Core
        from ._parser_py import ResponseParser, response_fields
        from ._sse_py import EventStreamParser
        from ._websocket_py import FrameReader, FrameWriter, Utf8Validator, mask

        IMPLEMENTATION = "python"
    else:
        IMPLEMENTATION = "cython"
