"""TrioBackend against servers started with trio itself on 127.0.0.1, under ``trio.run``.

Covers the mapping of trio's errors and timeouts to fasthttpx exceptions, TLS (trustme CA,
ALPN, hostname verification, start_tls), the lock that must never checkpoint, events, task
groups, the rule that an enclosing cancellation passes through untouched, ``check_running``,
and the import error without trio.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import subprocess
import sys
import textwrap
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio

from fasthttpx import (
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    WriteError,
    WriteTimeout,
)
from fasthttpx.concurrency.asyncio import AsyncioBackend
from fasthttpx.concurrency.base import AsyncBackend, AsyncNetworkStream
from fasthttpx.concurrency.trio import TrioBackend, TrioStream

from ._helpers import TLS, refused_port

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import BaseExceptionGroup

Handler = Callable[[trio.abc.Stream], Awaitable[None]]


@pytest.fixture(scope="module")
def tls() -> TLS:
    return TLS(alpn=["h2", "http/1.1"])


def run(body: Callable[[TrioBackend], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        return await body(TrioBackend())

    return trio.run(main)


async def echo(stream: trio.abc.Stream) -> None:
    try:
        async for data in stream:
            await stream.send_all(data)
    except trio.BrokenResourceError:
        pass


async def silent(stream: trio.abc.Stream) -> None:
    """Accept and say nothing (never reads either: no TLS handshake, no draining)."""
    await trio.sleep_forever()


def guarded(handler: Handler) -> Handler:
    async def wrapper(stream: trio.abc.Stream) -> None:
        try:
            await handler(stream)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass  # e.g. the client rejected our certificate

    return wrapper


async def serve(nursery: trio.Nursery, handler: Handler,
                server_ssl: ssl.SSLContext | None = None) -> int:
    """Start a trio server in ``nursery``; returns its port."""
    if server_ssl is None:
        plain = functools.partial(trio.serve_tcp, host="127.0.0.1")
        listeners = await nursery.start(plain, guarded(handler), 0)
    else:
        tls = functools.partial(trio.serve_ssl_over_tcp, host="127.0.0.1", https_compatible=True)
        listeners = await nursery.start(tls, guarded(handler), 0, server_ssl)
    sock = listeners[0].socket if server_ssl is None else listeners[0].transport_listener.socket
    port: int = sock.getsockname()[1]
    return port


def test_satisfies_the_interface() -> None:
    backend: AsyncBackend = TrioBackend()  # checked by mypy
    assert backend.create_lock() is not None

    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            stream: AsyncNetworkStream = await b.connect_tcp(
                "127.0.0.1", await serve(nursery, echo), timeout=5
            )
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_connect_write_read_echo() -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            port = await serve(nursery, echo)
            stream = await b.connect_tcp("127.0.0.1", port, timeout=5)
            await stream.write(b"hello", timeout=5)
            received = b""
            while len(received) < 5:
                received += await stream.read(100, timeout=5)
            assert received == b"hello"
            assert stream.get_extra_info("peername") == ("127.0.0.1", port)
            assert stream.get_extra_info("sockname")[0] == "127.0.0.1"
            assert stream.get_extra_info("socket").fileno() >= 0
            assert stream.get_extra_info("ssl_object") is None
            assert stream.get_extra_info("alpn_protocol") is None
            assert stream.get_extra_info("nonsense") is None
            await stream.aclose()
            await stream.aclose()  # twice is fine
            with pytest.raises(ReadError):
                await stream.read(10, timeout=1)
            with pytest.raises(WriteError):
                await stream.write(b"x", timeout=1)
            nursery.cancel_scope.cancel()

    run(body)


def test_read_max_bytes_and_eof() -> None:
    async def talk_then_close(stream: trio.abc.Stream) -> None:
        await stream.send_all(b"0123456789")
        await stream.aclose()

    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            stream = await b.connect_tcp("127.0.0.1", await serve(nursery, talk_then_close),
                                         timeout=5)
            await trio.sleep(0.05)
            assert await stream.read(4, timeout=5) == b"0123"
            assert await stream.read(100, timeout=5) == b"456789"
            assert await stream.read(100, timeout=5) == b""
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_read_timeout_is_ours_not_trios() -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            stream = await b.connect_tcp("127.0.0.1", await serve(nursery, silent), timeout=5)
            start = trio.current_time()
            with pytest.raises(ReadTimeout, match="0.1 s"):
                await stream.read(10, timeout=0.1)
            assert 0.09 <= trio.current_time() - start < 2
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_write_timeout() -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            stream = await b.connect_tcp("127.0.0.1", await serve(nursery, silent), timeout=5)
            with pytest.raises(WriteTimeout):
                await stream.write(b"x" * (64 << 20), timeout=0.2)  # the peer never reads
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_read_of_waiting_bytes_is_still_a_checkpoint() -> None:
    """Bytes already in the socket are read without waiting, yet the read stays a trio
    checkpoint: a cancelled caller gets trio.Cancelled *before* any byte is taken (the next
    read still has them), and a task reading a busy stream lets the others run. (Trio runs
    the tasks of a batch in random order, so one read may come back before another task
    runs: 64 one-byte reads without a schedule point would starve it for good, with one it
    runs unless the scheduler picks the reader first 64 times in a row.)"""
    payload = bytes(range(64))

    async def talk(stream: trio.abc.Stream) -> None:
        await stream.send_all(payload)
        await trio.sleep_forever()

    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            stream = await b.connect_tcp("127.0.0.1", await serve(nursery, talk), timeout=5)
            try:
                await trio.sleep(0.05)
                assert stream.is_readable_or_closed()
                with trio.CancelScope() as scope:
                    scope.cancel()
                    await stream.read(10, timeout=5)
                assert scope.cancelled_caught
                ran: list[str] = []

                async def other() -> None:
                    ran.append("other")

                nursery.start_soon(other)
                received = b"".join([await stream.read(1, timeout=5) for _ in payload])
                assert received == payload
                assert ran == ["other"]
            finally:
                await stream.aclose()
                nursery.cancel_scope.cancel()

    run(body)


def test_read_waiting_when_the_stream_is_closed_is_read_error() -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            stream = await b.connect_tcp("127.0.0.1", await serve(nursery, silent), timeout=5)

            async def close_soon() -> None:
                await trio.sleep(0.05)
                await stream.aclose()

            nursery.start_soon(close_soon)
            with pytest.raises(ReadError, match="closed connection"):
                await stream.read(10, timeout=5)
            nursery.cancel_scope.cancel()

    run(body)


def test_write_larger_than_the_socket_buffer_waits_for_room() -> None:
    """Most of 16 MiB does not fit in the socket buffers: the write waits for the peer to
    drain them, within one timeout, and every byte arrives."""
    size = 16 << 20
    received: list[int] = []

    async def drain(stream: trio.abc.Stream) -> None:
        count = 0
        while count < size:
            data = await stream.receive_some(1 << 16)
            if not data:
                break
            count += len(data)
            await trio.sleep(0)
        received.append(count)
        await stream.send_all(b"done")

    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            stream = await b.connect_tcp("127.0.0.1", await serve(nursery, drain), timeout=5)
            await stream.write(bytes(size), timeout=10)
            assert await stream.read(10, timeout=5) == b"done"
            assert received == [size]
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_write_to_reset_peer_is_write_error() -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            async def reset_it(stream: trio.abc.Stream) -> None:
                assert isinstance(stream, trio.SocketStream)
                stream.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                await stream.aclose()

            stream = await b.connect_tcp("127.0.0.1", await serve(nursery, reset_it), timeout=5)
            await trio.sleep(0.1)
            with pytest.raises(WriteError) as info:
                for _ in range(100):
                    await stream.write(b"x" * 65536, timeout=5)
            assert info.value.__cause__ is not None
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_connect_refused() -> None:
    port = refused_port()

    async def body(b: TrioBackend) -> None:
        with pytest.raises(ConnectError, match=rf"127\.0\.0\.1:{port}: Connection refused") \
                as info:
            await b.connect_tcp("127.0.0.1", port, timeout=5)
        assert isinstance(info.value.__cause__, OSError)

    run(body)


def test_connect_to_unresolvable_name() -> None:
    async def body(b: TrioBackend) -> None:
        with pytest.raises(ConnectError, match="no-such-host.invalid:80: .*(not known|resol)") \
                as info:
            await b.connect_tcp("no-such-host.invalid", 80, timeout=5)
        assert "Unknown error" not in str(info.value)
        assert isinstance(info.value.__cause__, OSError)

    run(body)


def test_connect_options() -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            port = await serve(nursery, echo)
            sequential = TrioBackend(happy_eyeballs_delay=None)
            stream = await sequential.connect_tcp(
                "localhost", port, timeout=5, local_address="127.0.0.1"
            )
            assert stream.get_extra_info("sockname")[0] == "127.0.0.1"
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_tls_handshake_alpn_and_extra_info(tls: TLS) -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            port = await serve(nursery, echo, tls.server)
            ctx = ssl.create_default_context()
            tls.ca.configure_trust(ctx)
            ctx.set_alpn_protocols(["http/1.1"])
            stream = await b.connect_tcp(
                "127.0.0.1", port, timeout=5, ssl_context=ctx, server_hostname="localhost"
            )
            assert stream.get_extra_info("alpn_protocol") == "http/1.1"
            ssl_object = stream.get_extra_info("ssl_object")
            assert isinstance(ssl_object, ssl.SSLObject)
            assert ssl_object.version() in ("TLSv1.2", "TLSv1.3")
            assert stream.get_extra_info("peername") == ("127.0.0.1", port)
            await stream.write(b"secret", timeout=5)
            received = b""
            while len(received) < 6:
                received += await stream.read(100, timeout=5)
            assert received == b"secret"
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_tls_server_hostname_defaults_to_host(tls: TLS) -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            port = await serve(nursery, echo, tls.server)
            stream = await b.connect_tcp("127.0.0.1", port, timeout=5, ssl_context=tls.client)
            assert stream.get_extra_info("alpn_protocol") is None  # client offered none
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_tls_wrong_hostname_is_connect_error(tls: TLS) -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            port = await serve(nursery, echo, tls.server)
            with pytest.raises(ConnectError, match="verification failed") as info:
                await b.connect_tcp("127.0.0.1", port, timeout=5, ssl_context=tls.client,
                                    server_hostname="wrong.example")
            assert f"127.0.0.1:{port}" in str(info.value)
            assert isinstance(info.value.__cause__, trio.BrokenResourceError)
            assert isinstance(info.value.__cause__.__cause__, ssl.SSLCertVerificationError)
            nursery.cancel_scope.cancel()

    run(body)


def test_tls_untrusted_ca_is_connect_error(tls: TLS) -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            port = await serve(nursery, echo, tls.server)
            with pytest.raises(ConnectError, match="verification failed"):
                await b.connect_tcp("127.0.0.1", port, timeout=5,
                                    ssl_context=ssl.create_default_context(),
                                    server_hostname="localhost")
            nursery.cancel_scope.cancel()

    run(body)


def test_tls_handshake_timeout_is_connect_timeout(tls: TLS) -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            port = await serve(nursery, silent)  # TCP accepts, TLS never answers
            with pytest.raises(ConnectTimeout, match="took longer than 0.2 s"):
                await b.connect_tcp("127.0.0.1", port, timeout=0.2, ssl_context=tls.client,
                                    server_hostname="localhost")
            nursery.cancel_scope.cancel()

    run(body)


def test_start_tls_on_an_open_stream(tls: TLS) -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            async def tls_after_hello(stream: trio.abc.Stream) -> None:
                # Plain first (like a proxy answering CONNECT), then TLS on the same socket.
                await stream.send_all(b"ok")
                tls_stream = trio.SSLStream(stream, tls.server, server_side=True)
                await echo(tls_stream)

            port = await serve(nursery, tls_after_hello)
            stream = await b.connect_tcp("127.0.0.1", port, timeout=5)
            assert await stream.read(2, timeout=5) == b"ok"
            same = await stream.start_tls(tls.client, "localhost", timeout=5)
            assert same is stream
            assert isinstance(stream.get_extra_info("ssl_object"), ssl.SSLObject)
            await stream.write(b"inside", timeout=5)
            assert await stream.read(100, timeout=5) == b"inside"
            # A second start_tls would nest a TLS session inside this one (an https://
            # proxy's tunnel): tests/client/_async/test_proxy_https_socks.py.
            await stream.aclose()

            silent_port = await serve(nursery, silent)
            stream = await b.connect_tcp("127.0.0.1", silent_port, timeout=5)
            with pytest.raises(ConnectTimeout):
                await stream.start_tls(tls.client, "localhost", timeout=0.1)
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_outer_cancellation_propagates_untouched(tls: TLS) -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            port = await serve(nursery, silent)
            stream = await b.connect_tcp("127.0.0.1", port, timeout=5)
            for operation in (
                lambda: stream.read(10, timeout=None),
                lambda: stream.read(10, timeout=5),
                lambda: stream.write(b"x" * (64 << 20), timeout=5),
                lambda: b.connect_tcp("127.0.0.1", port, timeout=5, ssl_context=tls.client,
                                      server_hostname="localhost"),
                lambda: b.create_event().wait(timeout=5),
                lambda: b.sleep(5),
            ):
                with trio.move_on_after(0.1) as outer:
                    try:
                        await operation()
                    except trio.Cancelled:
                        raise
                    except BaseException as exc:  # pragma: no cover - the failure we test for
                        pytest.fail(f"outer cancellation surfaced as {exc!r}")
                assert outer.cancelled_caught
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_outer_cancellation_racing_our_timeout() -> None:
    """Outer deadline earlier than ours: the outer one wins, as trio.Cancelled."""
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            stream = await b.connect_tcp("127.0.0.1", await serve(nursery, silent), timeout=5)
            with trio.move_on_after(0.05) as outer:
                await stream.read(10, timeout=0.06)
            assert outer.cancelled_caught
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_lock_never_checkpoints_and_refuses_contention() -> None:
    async def body(b: TrioBackend) -> None:
        lock = b.create_lock()
        with lock:
            pass
        with lock:  # released
            pass
        with lock, pytest.raises(RuntimeError, match="pool lock contended"):
            with lock:
                pass  # pragma: no cover
        with lock:  # the failed entry did not leave it held
            pass

        async def holder(task_status: trio.TaskStatus[None]) -> None:
            with lock:
                task_status.started()
                await trio.sleep(0.05)  # a critical section that awaits: the bug we catch

        async with trio.open_nursery() as nursery:
            await nursery.start(holder)
            with pytest.raises(RuntimeError, match="a critical section awaited"):
                with lock:
                    pass  # pragma: no cover
        with lock:  # released by the holder
            pass

    run(body)


def test_event() -> None:
    async def body(b: TrioBackend) -> None:
        event = b.create_event()
        start = trio.current_time()
        assert await event.wait(0.05) is False
        assert trio.current_time() - start >= 0.05

        async def set_later() -> None:
            await trio.sleep(0.05)
            event.set()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(set_later)
            assert await event.wait(5) is True
        assert await event.wait(None) is True
        assert await event.wait(0) is True

    run(body)


def test_task_group_runs_concurrently_and_cancels_on_leaving() -> None:
    async def body(b: TrioBackend) -> None:
        done: list[str] = []

        async def work(name: str, delay: float) -> None:
            await trio.sleep(delay)
            done.append(name)

        start = trio.current_time()
        first = b.create_event()

        async def quick_then_signal() -> None:
            await work("a", 0.05)
            await work("b", 0.0)
            first.set()

        async with b.create_task_group() as group:
            group.start_soon(quick_then_signal)
            group.start_soon(work, "slow", 10)
            assert await first.wait(5)
        # leaving cancelled the slow one instead of waiting 10 s
        assert done == ["a", "b"]
        assert trio.current_time() - start < 2

        async with b.create_task_group() as group:
            group.start_soon(work, "never", 10)
            group.cancel()
        assert "never" not in done

        group = b.create_task_group()
        with pytest.raises(RuntimeError, match="outside"):
            group.start_soon(work, "x", 0)

        async def boom() -> None:
            raise ValueError("boom")

        with pytest.raises(BaseExceptionGroup) as info:
            async with b.create_task_group() as group:
                group.start_soon(boom)
                await trio.sleep(5)
        assert [type(e) for e in info.value.exceptions] == [ValueError]

    run(body)


def test_sleep() -> None:
    async def body(b: TrioBackend) -> None:
        start = trio.current_time()
        await b.sleep(0.05)
        assert trio.current_time() - start >= 0.05

    run(body)


def test_check_running() -> None:
    async def in_trio(b: TrioBackend) -> None:
        b.check_running()
        with pytest.raises(RuntimeError, match="asyncio backend, but no asyncio event loop"):
            AsyncioBackend().check_running()

    run(in_trio)

    async def in_asyncio() -> None:
        AsyncioBackend().check_running()
        with pytest.raises(RuntimeError, match="trio backend, but asyncio is running"):
            TrioBackend().check_running()

    asyncio.run(in_asyncio())
    with pytest.raises(RuntimeError, match="no async library is running"):
        TrioBackend().check_running()


def test_stream_type() -> None:
    async def body(b: TrioBackend) -> None:
        async with trio.open_nursery() as nursery:
            stream = await b.connect_tcp("127.0.0.1", await serve(nursery, echo), timeout=5)
            assert isinstance(stream, TrioStream)
            await stream.aclose()
            nursery.cancel_scope.cancel()

    run(body)


def test_import_without_trio_says_how_to_install() -> None:
    script = textwrap.dedent("""
        import sys

        class HideTrio:
            def find_spec(self, name, path=None, target=None):
                if name == "trio" or name.startswith("trio."):
                    raise ImportError(f"No module named {name!r} (hidden)")
                return None

        sys.meta_path.insert(0, HideTrio())
        try:
            import fasthttpx.concurrency.trio
        except ImportError as exc:
            assert str(exc) == "TrioBackend needs trio: pip install fasthttpx[trio]", exc
            assert isinstance(exc.__cause__, ImportError), exc.__cause__
            assert "hidden" in str(exc.__cause__)
            print("ok")
        else:
            raise SystemExit("imported without trio")
        import fasthttpx.concurrency.asyncio  # the rest still imports
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
