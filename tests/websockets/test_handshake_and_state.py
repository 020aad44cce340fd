"""The sans-I/O halves of a WebSocket session: the handshake's fields and judgement
(RFC 6455 §4.1, RFC 7692 §7.1) and the session state (messages, fragments, inflating,
pings, closing), fed bytes directly."""

from __future__ import annotations

import zlib
from typing import Any

import pytest

from fasthttpx import Headers, WebSocketDisconnect, WebSocketNetworkError
from fasthttpx._exceptions import WebSocketProtocolError, WebSocketUpgradeError
from fasthttpx._websocket_handshake import (
    DeflateParameters,
    accept_token,
    handshake_headers,
    new_key,
    parse_extensions,
    validate_response,
)
from fasthttpx._websocket_state import BINARY, TEXT, WebSocketState, close_payload


def _frame(first: int, payload: bytes) -> bytes:
    assert len(payload) < 126
    return bytes((first, len(payload))) + payload


class _Answer:
    def __init__(self, **fields: str) -> None:
        self.headers = Headers({k.replace("_", "-"): v for k, v in fields.items()})
        self.status_code = 101
        self.reason_phrase = "Switching Protocols"


def test_accept_token_of_the_rfc_example() -> None:
    assert accept_token("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert len(new_key()) == 24 and new_key() != new_key()


def test_handshake_headers() -> None:
    headers = handshake_headers("k", ["chat", "v2.json"], compression=True)
    assert headers["Upgrade"] == "websocket" and headers["Connection"] == "Upgrade"
    assert headers["Sec-WebSocket-Version"] == "13"
    assert headers["Sec-WebSocket-Protocol"] == "chat, v2.json"
    assert headers["Sec-WebSocket-Extensions"] == "permessage-deflate; client_max_window_bits"
    assert "Sec-WebSocket-Extensions" not in handshake_headers("k", None, compression=False)
    with pytest.raises(ValueError):
        handshake_headers("k", ["bad protocol"], compression=False)


def test_validate_response() -> None:
    key = new_key()
    good = dict(upgrade="WebSocket", connection="keep-alive, Upgrade",
                sec_websocket_accept=accept_token(key))
    assert validate_response(_Answer(**good), key, None, True) == (None, None)
    chosen = validate_response(
        _Answer(**good, sec_websocket_protocol="b",
                sec_websocket_extensions="permessage-deflate; server_no_context_takeover; "
                                         'client_max_window_bits="10"'),
        key, ["a", "b"], True,
    )
    assert chosen == ("b", DeflateParameters(server_no_context_takeover=True,
                                             client_max_window_bits=10))
    with pytest.raises(WebSocketUpgradeError, match="more than one"):
        validate_response(_Answer(**good, sec_websocket_protocol="a, b"), key, ["a", "b"], True)
    with pytest.raises(WebSocketUpgradeError, match="Accept"):
        validate_response(_Answer(**{**good, "sec_websocket_accept": "x"}), key, None, True)


@pytest.mark.parametrize("value", [
    "permessage-deflate; server_max_window_bits=7",
    "permessage-deflate; server_max_window_bits=08",
    "permessage-deflate; server_max_window_bits",
    "permessage-deflate; client_no_context_takeover=1",
    "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
    "permessage-deflate; unknown",
    "permessage-deflate, permessage-deflate",
    "x-webkit-deflate-frame",
])
def test_bad_extension_answers(value: str) -> None:
    with pytest.raises(ValueError):
        parse_extensions([value], offered=True)


def test_extension_not_offered() -> None:
    with pytest.raises(ValueError, match="not offered"):
        parse_extensions(["permessage-deflate"], offered=False)


def test_messages_fragments_and_control_frames() -> None:
    state = WebSocketState(1000)
    state.receive_data(
        _frame(0x81, b"one") + _frame(0x02, b"tw") + _frame(0x89, b"ping")
        + _frame(0x80, b"o") + _frame(0x01, "é".encode()[:1])
    )
    assert list(state.messages) == [(TEXT, "one"), (BINARY, b"two")]
    assert len(state.outgoing) == 1 and state.outgoing[0][0] == 0x8A  # the pong
    state.receive_data(_frame(0x80, "é".encode()[1:]))
    assert state.messages[-1] == (TEXT, "é")
    assert state.ended is None


def test_server_close_is_answered_and_ends_the_session() -> None:
    state = WebSocketState(1000)
    state.receive_data(_frame(0x81, b"before") + _frame(0x88, close_payload(4000, "done")))
    assert state.messages[0] == (TEXT, "before")  # delivered before the close
    assert isinstance(state.ended, WebSocketDisconnect)
    assert (state.ended.code, state.ended.reason) == (4000, "done")
    assert state.reading_done and state.close_sent
    assert state.outgoing[0][0] == 0x88  # our answer
    state.receive_data(_frame(0x81, b"after"))  # ignored
    assert len(state.messages) == 1


def test_close_without_a_code_is_1005_and_answered_empty() -> None:
    state = WebSocketState(1000)
    state.receive_data(b"\x88\x00")
    assert isinstance(state.ended, WebSocketDisconnect) and state.ended.code == 1005
    assert state.outgoing[0][1] == 0x80  # masked, empty payload


def test_local_close_drops_later_data_and_waits_for_the_answer() -> None:
    state = WebSocketState(1000)
    state.receive_data(_frame(0x81, b"queued"))
    state.close_frame(close_payload(1000, "bye"))
    assert not state.messages and isinstance(state.ended, WebSocketDisconnect)
    state.receive_data(_frame(0x81, b"in flight") + _frame(0x88, close_payload(1000, "")))
    assert not state.messages and state.reading_done
    assert state.ended.reason == "bye"


def test_pongs_answer_their_ping_and_the_ones_before() -> None:
    state = WebSocketState(1000)
    first, _ = state.ping_frame(b"1")
    second, _ = state.ping_frame(b"2")
    third, _ = state.ping_frame(b"3")
    state.receive_data(_frame(0x8A, b"unsolicited"))
    assert state.pongs_answered == 0
    state.receive_data(_frame(0x8A, b"2"))
    assert state.pongs_answered == second and first < second < third
    state.receive_data(_frame(0x8A, b"3"))
    assert state.pongs_answered == third


def test_failures_queue_our_close_frame() -> None:
    state = WebSocketState(10)
    state.receive_data(_frame(0x82, b"x" * 11))
    assert isinstance(state.ended, WebSocketProtocolError) and state.ended.code == 1009
    assert state.outgoing[0][0] == 0x88
    eof = WebSocketState(10)
    eof.receive_data(b"\x81\x05ab")
    eof.receive_eof()
    assert isinstance(eof.ended, WebSocketProtocolError) and "truncated" in eof.ended.reason
    clean = WebSocketState(10)
    clean.receive_eof()
    assert isinstance(clean.ended, WebSocketNetworkError)


def _deflated(data: bytes, compressor: Any) -> bytes:
    out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


def test_inflating_with_and_without_context_takeover() -> None:
    for takeover in (True, False):
        params = DeflateParameters(server_no_context_takeover=not takeover)
        state = WebSocketState(100_000, params)
        compressor = zlib.compressobj(wbits=-15)
        text = b"compress me " * 100
        for _ in range(3):
            if not takeover:
                compressor = zlib.compressobj(wbits=-15)
            payload = _deflated(text, compressor)
            state.receive_data(bytes((0xC1, 126)) + len(payload).to_bytes(2, "big") + payload)
        assert list(state.messages) == [(TEXT, text.decode())] * 3


def test_compressed_sending_round_trips() -> None:
    state = WebSocketState(1000, DeflateParameters(client_no_context_takeover=True))
    payload = b"abc" * 100
    frame = state.message_frame(BINARY, payload)
    assert isinstance(frame, bytes)
    assert frame[0] == 0xC2  # RSV1: compressed
    from fasthttpx._implementation import mask

    length = frame[1] & 0x7F
    body = mask(frame[6:6 + length], frame[2:6])
    assert zlib.decompressobj(-15).decompress(body + b"\x00\x00\xff\xff") == payload
    assert state.message_frame(BINARY, b"short")[0] == 0x82  # type: ignore[index]  # below the threshold


def test_close_payload_rules() -> None:
    assert close_payload(1000, "") == b"\x03\xe8"
    for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000):
        with pytest.raises(ValueError):
            close_payload(code, "")
    with pytest.raises(ValueError):
        close_payload(1000, "é" * 62)
