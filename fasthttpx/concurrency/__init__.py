"""Backends: the only code in fasthttpx that touches sockets, TLS, event loops and threads.

``asyncio`` (default for ``AsyncClient``; also runs on uvloop), ``trio`` (``pip install
fasthttpx[trio]``) and ``sync`` (blocking sockets, used by ``Client``). The interface every
backend implements is described in ``base``.
"""
