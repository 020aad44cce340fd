"""TLS for one connection over memory BIOs: ciphertext in and out, plaintext to the caller.

The asyncio backend drives TLS itself on a plain TCP transport instead of asking the loop
for an SSL transport. asyncio's SSL layer (``sslproto``) runs about fifteen Python calls per
request and reads each record until OpenSSL raises ``SSLWantReadError`` (an exception built
with a formatted message, every read); here a read stops as soon as no ciphertext is left,
and a request costs two C calls to encrypt and one to decrypt. This module does no I/O: the
protocol hands it what the socket received and sends what it returns.

Behaviour kept from the standard library: certificate and hostname checks happen in OpenSSL
during the handshake (the context decides, as for ``wrap_socket``), the peer's close_notify
and a TCP close without it both end the stream (as ``suppress_ragged_eofs``; the HTTP parser
then decides whether the message was complete), and a TLS 1.2 renegotiation that makes a
write wait for the peer keeps the plaintext until the handshake has moved on.
"""

from __future__ import annotations

import ssl
from typing import Any

__all__ = ["TLSSession", "WRITE_PIECE", "TLS_INFO", "NOT_TLS_INFO", "tls_extra_info"]

#: Plaintext the stream encrypts and hands to the transport at a time, waiting for the
#: transport's flow control in between: a 50 MiB upload is not encrypted all at once.
WRITE_PIECE = 256 << 10


class TLSSession:
    """One client-side TLS connection: ``ssl_object`` with its two memory BIOs."""

    __slots__ = ("incoming", "outgoing", "ssl_object", "handshake_done", "peer_closed",
                 "backlog")

    def __init__(self, context: ssl.SSLContext, server_hostname: str | None) -> None:
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.ssl_object = context.wrap_bio(
            self.incoming, self.outgoing, server_side=False, server_hostname=server_hostname
        )
        self.handshake_done = False
        self.peer_closed = False  # close_notify received: no more plaintext will come
        self.backlog: list[memoryview] = []  # plaintext waiting for a renegotiation

    def advance_handshake(self) -> bool:
        """Run the handshake as far as the received bytes allow; True once it is complete.
        Certificate and protocol failures raise ``ssl.SSLError`` (or a subclass)."""
        try:
            self.ssl_object.do_handshake()
        except ssl.SSLWantReadError:
            return False
        self.handshake_done = True
        return True

    def decrypt_into(self, buffer: memoryview) -> int:
        """Decrypt what the received ciphertext holds into ``buffer``; the number of bytes
        written. Stops when no complete record is left, when ``buffer`` is full (call again:
        ``has_pending()``) or at the peer's close_notify (``peer_closed``). Corrupt records
        raise ``ssl.SSLError``."""
        ssl_object = self.ssl_object
        incoming = self.incoming
        size = len(buffer)
        total = 0
        while total < size:
            try:
                # With a buffer, read() returns the byte count (typeshed says bytes).
                count: int = ssl_object.read(  # type: ignore[assignment]
                    size - total, buffer[total:] if total else buffer
                )
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                self.peer_closed = True
                break
            if count == 0:  # close_notify
                self.peer_closed = True
                break
            total += count
            if not incoming.pending and not ssl_object.pending():
                break  # nothing left: no need to provoke SSLWantReadError
        return total

    def has_pending(self) -> bool:
        """Plaintext or ciphertext is still waiting to be decrypted."""
        return bool(self.incoming.pending or self.ssl_object.pending())

    def encrypt(self, data: bytes | memoryview) -> bytes:
        """The ciphertext to send for ``data`` (b"" while a renegotiation holds it back)."""
        if not self.backlog:
            try:
                # A memory BIO takes everything at once (no partial writes are enabled).
                if self.ssl_object.write(data) == len(data):
                    return self.outgoing.read()
            except ssl.SSLWantReadError:
                pass
            # Renegotiating (TLS 1.2): redo it the careful way, keeping what cannot go yet.
        self.backlog.append(memoryview(data))
        return self.resume_writes()

    def resume_writes(self) -> bytes:
        """The ciphertext of plaintext held back, as far as the handshake now allows."""
        backlog = self.backlog
        self.backlog = []
        for view in backlog:
            if self.backlog:
                self.backlog.append(view)
            else:
                self._encrypt(view)
        return self.pending_output()

    def pending_output(self) -> bytes:
        """Ciphertext produced so far and not yet sent (handshake messages included)."""
        outgoing = self.outgoing
        return outgoing.read() if outgoing.pending else b""

    def _encrypt(self, view: memoryview) -> None:
        ssl_object = self.ssl_object
        start = 0
        end = len(view)
        while start < end:
            try:
                start += ssl_object.write(view[start:] if start else view)
            except ssl.SSLWantReadError:
                self.backlog.append(view[start:])
                return


#: The ``get_extra_info`` names a TLS session answers (None on a connection without TLS).
TLS_INFO = frozenset({"alpn_protocol", "ssl_object", "peercert", "cipher", "sslcontext"})
#: What ``tls_extra_info`` returns for any other name: the stream underneath answers.
NOT_TLS_INFO: Any = object()


def tls_extra_info(tls: TLSSession, name: str) -> Any:
    """The TLS session's answer to ``get_extra_info(name)``, or ``NOT_TLS_INFO``: one place
    for every stream that runs a session (asyncio's, and a session nested in another)."""
    ssl_object = tls.ssl_object
    if name == "alpn_protocol":
        return ssl_object.selected_alpn_protocol()
    if name == "ssl_object":
        return ssl_object
    if name == "peercert":
        return ssl_object.getpeercert()
    if name == "cipher":
        return ssl_object.cipher()
    if name == "sslcontext":
        return ssl_object.context
    return NOT_TLS_INFO
