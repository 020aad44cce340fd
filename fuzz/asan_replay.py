"""Run the differential harnesses over corpora under an AddressSanitizer build, then mutate.

Why: gcc (the compiler here) builds the compiled modules with ``-fsanitize=address`` but
cannot give libFuzzer its coverage counters, and with gcc's ``libasan`` preloaded atheris'
own Python coverage breaks too, so a coverage-guided run under ASan learns nothing. Instead
this replays every input the guided runs kept (``fuzz/work/*``) and the seed corpus through
the ASan-built cores, then spends the rest of ``--seconds`` on random mutations of them (bit
flips, byte inserts and deletions, splices of two inputs), each checked by
``fuzz_differential``, ``fuzz_sse_differential`` and ``fuzz_websocket_differential``. An
out-of-bounds read or write aborts with ASan's report.

    LD_PRELOAD=$(gcc -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 \\
    FUZZ_FASTHTTPX_ROOT=/tmp/asan-build python fuzz/asan_replay.py --seconds 300 DIR...
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fuzz_differential  # noqa: E402
import fuzz_sse_differential  # noqa: E402
import fuzz_websocket_differential  # noqa: E402


def check(data: bytes) -> None:
    """Every input goes through every differential check (HTTP/1.1 cores, event stream,
    WebSocket frame codec)."""
    fuzz_differential.test_one_input(data)
    fuzz_sse_differential.test_one_input(data)
    fuzz_websocket_differential.test_one_input(data)


def mutate(rng: random.Random, data: bytes, other: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.randrange(5)
        pos = rng.randint(0, len(out))
        if choice == 0 and out:
            out[min(pos, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif choice == 1:
            out[pos:pos] = bytes([rng.choice(b"\r\n :;0123456789aAfF\t\x00\xff\"=,")])
        elif choice == 2 and out:
            del out[pos:pos + rng.randint(1, 16)]
        elif choice == 3 and other:
            start = rng.randrange(len(other))
            out[pos:pos] = other[start:start + rng.randint(1, 64)]
        else:
            out[pos:pos] = out[pos:pos + rng.randint(1, 32)]
    return bytes(out[:4096])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("dirs", nargs="+")
    args = parser.parse_args()
    import fasthttpx._parser
    import fasthttpx._sse
    import fasthttpx._websocket

    print("compiled parser:", fasthttpx._parser.__file__)
    print("compiled event-stream parser:", fasthttpx._sse.__file__)
    print("compiled WebSocket codec:", fasthttpx._websocket.__file__)
    corpus: list[bytes] = []
    for directory in args.dirs:
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    corpus.append(f.read())
    started = time.monotonic()
    for data in corpus:
        check(data)
    print(f"replayed {len(corpus)} corpus inputs in {time.monotonic() - started:.1f} s")
    rng = random.Random(args.seed)
    runs = 0
    deadline = started + args.seconds
    while time.monotonic() < deadline:
        for _ in range(1000):
            check(mutate(rng, rng.choice(corpus), rng.choice(corpus)))
        runs += 1000
    print(f"{runs} mutated inputs in {time.monotonic() - started:.0f} s: no error")


if __name__ == "__main__":
    main()
