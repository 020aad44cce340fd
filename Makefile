# fasthttpx developer commands. `make demo` and `make test` are the two set-up commands.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PYTEST_ARGS ?=

.PHONY: venv test test-compiled test-python lint demo bench bench-parser bench-client bench-sdk bench-sse bench-h2 bench-ws soak fuzz fuzz-corpus clean build-ext wheel wheel-test httpx-compat

$(VENV)/.installed: pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q "setuptools>=77" wheel "Cython>=3.0.8"
	$(PIP) install -q --no-build-isolation -e '.[test]'
	touch $@

venv: $(VENV)/.installed

# Rebuild the compiled core in place (after editing a .pyx).
build-ext: venv
	$(PY) setup.py -q build_ext --inplace

test: venv build-ext lint test-compiled test-python

test-compiled: venv
	$(PY) -c "import fasthttpx, sys; assert fasthttpx.__implementation__ == 'cython', fasthttpx.__implementation__; print('compiled core loaded')"
	$(PY) -m pytest $(PYTEST_ARGS)

test-python: venv
	FASTHTTPX_NO_EXTENSIONS=1 $(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(PY) -m ruff check fasthttpx tests benchmarks scripts fuzz
	$(PY) -m mypy
	@if [ -f scripts/unasync.py ]; then $(PY) scripts/unasync.py --check; fi

demo: venv build-ext
	$(PY) scripts/demo.py

# Benchmark peers are installed here, not by the test extra (the SDKs and httpx2 for
# bench-sdk come with it; aiohttp is their aiohttp engine's).
$(VENV)/.bench-installed: $(VENV)/.installed
	$(PIP) install -q httpx aiohttp h11 httptools pyreqwest urllib3 httpx2 httpx-sse
	touch $@

bench: bench-parser bench-client bench-sdk bench-sse bench-h2 bench-ws

bench-parser: $(VENV)/.bench-installed build-ext
	$(PY) benchmarks/bench_parser.py

bench-client: $(VENV)/.bench-installed build-ext
	$(PY) benchmarks/bench_client.py

# CPU per OpenAI / Anthropic SDK call on each engine (issue 14; README "Using fasthttpx under
# httpx, httpx2 and their SDKs").
bench-sdk: $(VENV)/.bench-installed build-ext
	$(PY) benchmarks/bench_sdk.py --markdown

bench-sse: $(VENV)/.bench-installed build-ext
	$(PY) benchmarks/bench_sse.py --loops asyncio,uvloop,trio,sync --runs 3

# HTTP/2 against nginx over TLS (skipped with a message when nginx is not installed).
bench-h2: $(VENV)/.bench-installed build-ext
	$(PY) benchmarks/bench_h2.py

# WebSocket echo round trips against a local `websockets` server (issue 15).
bench-ws: $(VENV)/.bench-installed build-ext
	$(PY) benchmarks/bench_ws.py --runs 3

# HTTPX 0.28.1's own test suite run with `httpx` bound to fasthttpx (issue 13); downloads the
# sdist and installs its test requirements. Not part of `make test`. The baseline, httpx itself
# on the same suite: `$(PY) scripts/httpx_compat.py --real-httpx`.
httpx-compat: venv build-ext
	$(PY) scripts/httpx_compat.py $(PYTEST_ARGS)

soak: venv build-ext
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

# Coverage-guided fuzzing with atheris (issue 17; docs/robustness.md): each harness runs for
# FUZZ_SECONDS from the seed corpus in fuzz/corpus/<target>, adding what it finds to
# fuzz/work/<target> (not committed). A crash or divergence stops the run with the input in
# fuzz/work/crash-*. Not part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= parser chunked differential h2core sse sse_differential websocket_differential
FUZZ_ARGS ?= -timeout=10 -max_len=4096 -print_final_stats=1

fuzz: venv build-ext
	$(PY) -c "import atheris" 2>/dev/null || $(PIP) install -q atheris
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/work/$$target; \
		echo "== fuzz $$target for $(FUZZ_SECONDS) s"; \
		$(PY) fuzz/fuzz_$$target.py fuzz/work/$$target fuzz/corpus/$$target \
			-max_total_time=$(FUZZ_SECONDS) -artifact_prefix=fuzz/work/ $(FUZZ_ARGS) \
			|| exit 1; \
	done

# Rewrite the seed corpus from the case tables (after adding cases).
fuzz-corpus: venv
	$(PY) fuzz/make_corpus.py

clean:
	rm -rf build dist *.egg-info fasthttpx/*.so fasthttpx/_parser.c fasthttpx/_chunked.c \
		fasthttpx/_hpack.c fasthttpx/_h2core.c fasthttpx/_sse.c \
		fasthttpx/_websocket.c

# A manylinux wheel for this interpreter, written to wheels/ (CI builds all platforms with
# cibuildwheel: see wheels/README.md).
wheel:
	PYTHON=$(PYTHON) wheels/build.sh

# Install that wheel alone in a fresh venv and run the suite against it, outside the checkout.
wheel-test:
	PYTHON=$(PYTHON) wheels/test.sh $(PYTEST_ARGS)
