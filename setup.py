"""Build the Cython core (parser, chunked decoder, HPACK, HTTP/2 core, event-stream parser,
WebSocket codec) unless told not to.

`FASTHTTPX_NO_EXTENSIONS=1` at build time, or a non-CPython interpreter, builds the
pure-Python package. Otherwise a compile error fails the build loudly: a wheel that
silently lacks its compiled core would be slower with nobody noticing.
"""

import os
import platform

from setuptools import Extension, setup


def _extensions_wanted() -> bool:
    flag = os.environ.get("FASTHTTPX_NO_EXTENSIONS", "").strip().lower()
    if flag not in ("", "0", "false", "no"):
        return False
    return platform.python_implementation() == "CPython"


def _ext_modules() -> list:
    if not _extensions_wanted():
        return []
    from Cython.Build import cythonize

    extensions = [
        Extension("fasthttpx._chunked", ["fasthttpx/_chunked.pyx"], extra_compile_args=["-O3"]),
        Extension("fasthttpx._parser", ["fasthttpx/_parser.pyx"], extra_compile_args=["-O3"]),
        Extension("fasthttpx._websocket", ["fasthttpx/_websocket.pyx"],
                  extra_compile_args=["-O3"]),
        Extension("fasthttpx._sse", ["fasthttpx/_sse.pyx"], extra_compile_args=["-O3"]),
        Extension("fasthttpx._hpack", ["fasthttpx/_hpack.pyx"], extra_compile_args=["-O3"]),
        Extension("fasthttpx._h2core", ["fasthttpx/_h2core.pyx"], extra_compile_args=["-O3"]),
    ]
    return cythonize(
        extensions,
        language_level=3,
        compiler_directives={"embedsignature": True},
    )


setup(ext_modules=_ext_modules())
