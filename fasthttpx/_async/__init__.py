"""The I/O shell, written once as async code; ``fasthttpx/_sync`` is generated from it by
``scripts/unasync.py``. It only moves bytes, waits and locks through the backend; every
decision is made by the sans-I/O modules one level down."""
