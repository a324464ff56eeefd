"""Time ``make test`` from a fresh clone, install included, as CI runs it.

Clones the repository's committed ``HEAD`` into a temporary folder (no ``.venv``, no
``_build``, no caches of the checkout; uv's and pip's download caches of the user are
kept, as on a CI machine that ran before) and runs, with ``CI=true``:

1. ``make venv``: the virtual environment and every pin (timed alone);
2. ``make test``: axe-core from npm, then pytest on every core, the quick book built in the
   background (see ``tests/conftest.py``).

It records the two wall times, pytest's own summary line and its slowest tests
(``--durations``), and the load average. Usage::

    python benchmarks/test_suite.py [--keep] [--json FILE]

``benchmarks/run.py --only tests`` runs it and writes the numbers into ``RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 600.0
"""``make test`` from a fresh clone, install included, on 2 cores (issue 15)."""


def _timed(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    return time.perf_counter() - start, proc.returncode, log.read_text()


def measure_suite(keep: bool = False) -> dict:
    """Clone, ``make venv``, ``make test``; return the timings and pytest's report."""
    work = Path(tempfile.mkdtemp(prefix="nndyn-suite-bench-"))
    clone = work / "clone"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "NNDYN_PRESET")}
    env["CI"] = "true"
    load_start = os.getloadavg()[0]
    try:
        venv_s, venv_rc, _ = _timed(["make", "venv"], clone, env, work / "venv.log")
        test_s, test_rc, log = _timed(["make", "test"], clone, env, work / "test.log")
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}")
    summary = re.findall(r"=+ (.*(?:passed|failed|error).*) in ([0-9.]+)s", log)
    durations = re.findall(r"^([0-9.]+)s (call|setup|teardown)\s+(\S+)", log, flags=re.M)
    return {
        "commit": commit,
        "cores": os.cpu_count(),
        "venv_seconds": round(venv_s, 1),
        "test_seconds": round(test_s, 1),
        "total_seconds": round(venv_s + test_s, 1),
        "ok": venv_rc == 0 and test_rc == 0,
        "summary": summary[-1][0] if summary else None,
        "pytest_seconds": float(summary[-1][1]) if summary else None,
        "slowest": [{"seconds": float(s), "phase": p, "test": t} for s, p, t in durations[:15]],
        "load": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "tail": "" if test_rc == 0 else log[-4000:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the clone and its logs")
    parser.add_argument("--json", type=Path, default=None, help="also write the record to this file")
    args = parser.parse_args()
    result = measure_suite(args.keep)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "slowest"}, indent=2))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
