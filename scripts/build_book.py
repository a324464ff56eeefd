"""Build the book in one preset, re-executing every chapter when the package changed.

jupyter-cache keys a notebook on its code cells only, so an edit under ``code/`` would
leave stale figures in the cache. This script hashes the package sources (and the pinned
requirements) and clears the execution cache of the output folder when the hash differs
from the one stored by the last successful build.

Usage::

    python scripts/build_book.py [--preset full|quick|lecture] [--out DIR]

The ``full`` preset builds into ``_build/html``; the others into ``_build/<preset>/_build/html``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ("quick", "full", "lecture")


def code_hash(root: Path = ROOT) -> str:
    """SHA-256 over the package sources and the pinned requirements."""
    digest = hashlib.sha256()
    files = sorted((root / "code").rglob("*.py")) + [root / "requirements.txt"]
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def output_folder(preset: str, root: Path = ROOT) -> Path:
    """Where a preset's build goes (``jupyter-book --path-output``)."""
    return root if preset == "full" else root / "_build" / preset


def build(preset: str, out: Path, source: Path = ROOT, extra_args: tuple[str, ...] = ()) -> Path:
    """Build the book from ``source`` into ``out``; return the path of ``index.html``."""
    build_dir = out / "_build"
    stamp = build_dir / ".code-hash"
    current = code_hash(source)
    cache = build_dir / ".jupyter_cache"
    if cache.exists() and (not stamp.exists() or stamp.read_text().strip() != current):
        print(f"nndyn changed since the last build: clearing {cache} so every chapter re-executes", flush=True)
        shutil.rmtree(cache)
    env = {**os.environ, "NNDYN_PRESET": preset, "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", "")}
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(source), "--path-output", str(out), "--all", "-W", "-n", "--keep-going", *extra_args]
    print("$ NNDYN_PRESET=" + preset, " ".join(cmd), flush=True)
    result = subprocess.run(cmd, env=env)
    if result.returncode != 0:
        raise SystemExit(result.returncode)
    build_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    return build_dir / "html" / "index.html"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=PRESETS, default=os.environ.get("NNDYN_PRESET") or "full")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default depends on the preset)")
    args = parser.parse_args(argv)
    out = (args.out or output_folder(args.preset)).resolve()
    index = build(args.preset, out)
    print(f"\nThe book ({args.preset} preset) is at: {index}")


if __name__ == "__main__":
    main()
