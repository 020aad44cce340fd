"""The adapters' I/O shell, written once as async code; ``fasthttpx/adapters/_sync`` is
generated from it by ``scripts/unasync.py``."""
