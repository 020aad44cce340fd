"""``python -m fasthttpx URL``: the same command line as the ``fasthttpx`` script
(see :mod:`fasthttpx._cli`)."""

from ._cli import main

if __name__ == "__main__":
    main()
