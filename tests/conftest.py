"""Shared fixtures: the quick-preset book, built once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

os.environ.setdefault("NNDYN_PRESET", "quick")


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the whole book in the quick preset (``_build/quick``) and return its html folder.

    ``NNDYN_REUSE_BUILD=1`` skips the build and uses the existing ``_build/quick`` (for
    iterating on the browser tests; never under CI).
    """
    html = ROOT / "_build" / "quick" / "_build" / "html"
    if os.environ.get("NNDYN_REUSE_BUILD") == "1" and os.environ.get("CI") != "true" and (html / "index.html").exists():
        return html
    cmd = [sys.executable, str(ROOT / "scripts" / "build_book.py"), "--preset", "quick"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"the quick build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")
    assert (html / "index.html").exists()
    return html
