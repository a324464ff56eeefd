"""Ctrl-C and SIGTERM in the first instants of the command line: one line, no traceback.

``python -m nndyn`` and the ``nndyn`` script import the package before
:func:`nndyn.cli.main` installs its own handler; a signal in between would print a
traceback from inside an import. :func:`install` (called by ``nndyn/__init__.py`` only
when the package is being started as the command line) makes such a signal end the
process at once with one line and the usual status (130, 143): nothing has been written
yet. The handler imports nothing.
"""

from __future__ import annotations

import os
import signal
import sys


def started_as_command() -> bool:
    """Whether this process is ``python -m nndyn`` (``sys.argv[0]`` is ``-m`` while the
    package is being imported) or the ``nndyn`` console script."""
    first = sys.argv[0] if sys.argv else ""
    name = os.path.basename(first).lower()
    return first == "-m" or name in ("nndyn", "nndyn.exe", "nndyn-script.py")


def _stop_at_once(signum, frame) -> None:
    name = signal.Signals(signum).name
    os.write(2, f"nndyn: stopped by {name} while starting; nothing was written\n".encode())
    os._exit(128 + signum)


def install() -> None:
    """Make SIGINT and SIGTERM end the process at once (unless the caller ignores them)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _stop_at_once)
