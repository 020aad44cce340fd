"""Registers the kit plugin for the kit's own tests.

pytest only accepts ``pytest_plugins`` in the top-level conftest; once ``tests/conftest.py``
registers ``tests.kit.plugin`` this file must not (and does not) declare it again.
"""

import sys

if "tests.kit.plugin" not in sys.modules:
    pytest_plugins = ["tests.kit.plugin"]
