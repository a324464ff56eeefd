"""The folder of a command-line run: whole files, a readable record and a lock while it runs.

Three guarantees for ``python -m nndyn run`` (see :mod:`nndyn.cli`), none of which needs
torch:

* a file is written whole or not at all (:func:`write_atomic`: a temporary file in the
  same folder, then a rename), so a kill or a full disk never leaves a half-written
  ``config.json``;
* :func:`read_record` tells a missing ``config.json`` from a damaged one;
* a live run holds ``run.lock`` (its process id and host, :class:`RunLock`): a second
  process refuses the folder while that process lives, and takes over a lock whose
  process is gone (a *stale* lock, left by ``kill -9`` or a power cut).
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

LOCK_NAME = "run.lock"
"""The lock file of a live run, in its folder."""


class DamagedRecord(ValueError):
    """``config.json`` exists but is not a run's record (empty, cut short, or edited)."""


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` whole: into ``path.partial`` first, then rename it over ``path``.

    Raises
    ------
    OSError
        When the file cannot be written (a full disk, no permission); ``path`` is then
        unchanged and the temporary file removed.
    """
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as file:
            file.write(data.encode() if isinstance(data, str) else data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def read_record(out: Path) -> dict | None:
    """The record (``config.json``) of the run in ``out``; ``None`` when there is none.

    Raises
    ------
    DamagedRecord
        When ``config.json`` cannot be read or is not a run's record.
    """
    path = Path(out) / "config.json"
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        why = "empty" if path.stat().st_size == 0 else f"not valid JSON ({type(exc).__name__})"
        raise DamagedRecord(f"{path} is damaged ({why})") from None
    if not isinstance(record, dict) or not isinstance(record.get("experiment"), str) or "status" not in record:
        raise DamagedRecord(f"{path} is damaged (not the record of a run)")
    return record


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class RunLock:
    """The lock a live run holds on its folder: ``run.lock`` with ``{"pid": ..., "host": ...}``.

    Parameters
    ----------
    out : pathlib.Path
        The run's folder.
    """

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / LOCK_NAME
        self.held = False

    def holder(self) -> tuple[int, str] | None:
        """``(pid, host)`` of the live process that holds the lock, or ``None``.

        A lock of a process of this host that is gone is stale: ``None``. A lock of
        another host cannot be checked and counts as live.
        """
        try:
            data = json.loads(self.path.read_text())
            pid, host = int(data["pid"]), str(data["host"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a lock cut short: its writer died while writing it
        if host == socket.gethostname() and (pid == os.getpid() or not _alive(pid)):
            return None
        return pid, host

    def acquire(self) -> None:
        """Take the lock (replacing a stale one).

        Raises
        ------
        FileExistsError
            When a live process holds it (:meth:`holder` says which).
        """
        text = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self.holder() is not None:
                    raise
                self.path.unlink(missing_ok=True)  # stale
                continue
            try:
                os.write(fd, text.encode())
            finally:
                os.close(fd)
            self.held = True
            return
        raise FileExistsError(f"{self.path} is being taken by another process")

    def release(self) -> None:
        """Remove the lock if this object holds it."""
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False
