"""Build the book in one preset, re-executing every chapter when the package changed.

jupyter-cache keys a notebook on its code cells only, so an edit under ``code/`` would
leave stale figures in the cache. This script hashes the package sources (and the pinned
requirements) and clears the execution cache of the output folder when the hash differs
from the one the cache was filled with.

Sphinx re-reads only the pages that changed since the last build, unless it is given
``--all`` (a fresh environment: every page re-read, every notebook looked up in the
cache, the API page re-imported, every page re-written; about 30 s on two cores even
when nothing changed). The script passes ``--all`` only when an incremental build could
be wrong or incomplete:

* there is no record of a successful build of the same inputs (first build, a failed or
  interrupted last build: with ``-W`` the warnings of a page are reported only when the
  page is read, so after a failure every page is read again);
* the package or the requirements changed (the cache was cleared: every chapter must
  run again, including those whose text did not change);
* ``_config.yml``, ``_toc.yml`` or the bibliography changed;
* ``--all`` is given to this script.

Otherwise the build is incremental: a page whose text changed is re-read (a notebook
whose code cells changed re-executes, one whose prose only changed takes its outputs from
the cache) and the other pages are kept. One limit of Sphinx's incremental builds
remains: a page that did not change is not re-written, so a cross-reference *from* it to a
label removed elsewhere is not reported again; ``--all`` (or a fresh clone, as in CI)
checks every reference.

Usage::

    python scripts/build_book.py [--preset full|quick|lecture] [--out DIR] [--all]

The notebooks run with glibc's malloc thresholds fixed (:data:`MALLOC_ENV`, unless the
caller's environment sets them): by default glibc returns freed blocks of a few MB to the
system and takes fresh pages for the next ones, and the large tensors of the training
loops then cost thousands of page faults per step, more or fewer depending on what ran
before; with the thresholds fixed a step of chapter 4's online SGD ran 1.4 to 3 times
faster (``benchmarks/RESULTS.md``). Results do not change: the allocator does not enter
the arithmetic.

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
MALLOC_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),  # blocks below 32 MiB come from the heap and are reused
    "MALLOC_TRIM_THRESHOLD_": str(2 * 2**30),  # keep up to 2 GiB of freed heap instead of returning it
    "MALLOC_TOP_PAD_": str(256 * 2**20),  # grow the heap in large steps
}
"""glibc malloc settings for the notebooks' kernels (environment variables, see ``mallopt(3)``)."""


def code_hash(root: Path = ROOT) -> str:
    """SHA-256 over the package sources and the pinned requirements."""
    digest = hashlib.sha256()
    files = sorted((root / "code").rglob("*.py")) + [root / "requirements.txt"]
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def inputs_hash(root: Path = ROOT) -> str:
    """SHA-256 over everything that makes an incremental build unsafe when it changes.

    The package and requirements (:func:`code_hash`), the book's configuration, table of
    contents and bibliography.
    """
    digest = hashlib.sha256(code_hash(root).encode())
    for name in ("_config.yml", "_toc.yml", "book/references.bib"):
        path = root / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def output_folder(preset: str, root: Path = ROOT) -> Path:
    """Where a preset's build goes (``jupyter-book --path-output``)."""
    return root if preset == "full" else root / "_build" / preset


def build(
    preset: str, out: Path, source: Path = ROOT, extra_args: tuple[str, ...] = (), *, force_all: bool = False
) -> Path:
    """Build the book from ``source`` into ``out``; return the path of ``index.html``.

    ``--all`` goes to jupyter-book when ``force_all`` is true or an incremental build
    could be wrong (see the module's docstring).
    """
    build_dir = out / "_build"
    stamp = build_dir / ".code-hash"  # the code (and preset) the execution cache was filled with
    ok_stamp = build_dir / ".last-successful-build"  # the inputs of the last successful build
    current = f"{code_hash(source)} {preset}"
    inputs = f"{inputs_hash(source)} {preset}"
    cache = build_dir / ".jupyter_cache"
    if cache.exists() and (not stamp.exists() or stamp.read_text().strip() != current):
        print(f"nndyn (or the preset) changed since the last build: clearing {cache} so every chapter re-executes", flush=True)
        shutil.rmtree(cache)
    environment = build_dir / ".doctrees" / "environment.pickle"
    last_ok = ok_stamp.read_text().strip() if ok_stamp.exists() else None
    full = force_all or last_ok != inputs or not environment.exists()
    if full and not force_all:
        print("full build (--all): " + ("no successful build of these inputs yet" if last_ok != inputs else "no saved environment"), flush=True)
    build_dir.mkdir(parents=True, exist_ok=True)
    ok_stamp.unlink(missing_ok=True)  # written back only if this build succeeds
    stamp.write_text(current + "\n")  # from here on, the cache holds executions of this code only
    env = {**MALLOC_ENV, **os.environ, "NNDYN_PRESET": preset, "PYTHONWARNINGS": os.environ.get("PYTHONWARNINGS", "")}
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(source), "--path-output", str(out), *(["--all"] if full else []), "-W", "-n", "--keep-going", *extra_args]
    print("$ NNDYN_PRESET=" + preset, " ".join(cmd), flush=True)
    result = subprocess.run(cmd, env=env)
    if result.returncode != 0:
        raise SystemExit(result.returncode)
    ok_stamp.write_text(inputs + "\n")
    return build_dir / "html" / "index.html"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=PRESETS, default=os.environ.get("NNDYN_PRESET") or "full")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default depends on the preset)")
    parser.add_argument("--all", action="store_true", dest="force_all", help="re-read and re-write every page (Sphinx's fresh environment)")
    args = parser.parse_args(argv)
    out = (args.out or output_folder(args.preset)).resolve()
    index = build(args.preset, out, force_all=args.force_all)
    print(f"\nThe book ({args.preset} preset) is at: {index}")


if __name__ == "__main__":
    main()
