"""Let jupyter-cache's SQLite database be shared by the build's processes (``jupyter_cache.cache.db``).

Upstream limitation: with two processes reading pages, both write to the execution
cache's database (one caches a notebook it executed while the other looks one up).
jupyter-cache opens SQLite with its default timeout, so a writer gives up after 5 s with
"database is locked", which jupyter-cache reports as "Unexpected error accessing jupyter
cache" (the traceback of a parallel Sphinx build in scipy/scipy#22383); on a loaded
machine a process can hold the lock that long. And in a cold build both processes may
find no database and create its tables at once ("table settings already exists").

Connections here wait up to :data:`CACHE_LOCK_TIMEOUT_S`, and the database of a cold
build is created by one process while the other waits (a file lock). Applied before
Sphinx forks its workers, so every process has it. ``tests/test_sphinx_patches.py``
fails when ``create_db``'s source changes (look again: a timeout of its own, or another
way to make the engine) or ``jupyter_cache.cache.main`` stops importing it by name.
"""

from __future__ import annotations

from pathlib import Path

CACHE_LOCK_TIMEOUT_S = 300.0
"""How long a process waits for the execution cache's database when the other holds it."""


def apply() -> None:
    """Patch ``create_engine`` (a timeout) and ``create_db`` (a file lock) of jupyter-cache (idempotent)."""
    import jupyter_cache.cache.db as db

    if getattr(db.create_engine, "_nndyn_patient", False):
        return
    original = db.create_engine

    def create_engine(url, **kwargs):
        connect_args = {"timeout": CACHE_LOCK_TIMEOUT_S, **kwargs.pop("connect_args", {})}
        return original(url, connect_args=connect_args, **kwargs)

    create_engine._nndyn_patient = True
    db.create_engine = create_engine

    original_create_db = db.create_db

    def create_db(path):
        import fcntl

        Path(path).mkdir(parents=True, exist_ok=True)
        with open(Path(path) / ".create-db.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return original_create_db(path)

    create_db.__wrapped__ = original_create_db
    db.create_db = create_db
    import jupyter_cache.cache.main as cache_main

    if getattr(cache_main, "create_db", None) is original_create_db:
        cache_main.create_db = create_db
