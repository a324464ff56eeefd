"""The test suite's background build (started by ``tests/conftest.py``): run the given steps in order.

Arguments: a lock file, then a JSON list of ``[status_file, log_file, command]``. The job
holds the lock (``flock``) while it runs, so a job left over from an interrupted test run
finishes before the next one starts writing the same build folder. Each command's output
goes to its log; its exit status is written to its status file (atomically, so that a
waiting test never reads half of it) when it ends. A step after a failed one is not run
and gets the status ``skipped``; if this script itself dies, every status not yet written
gets ``crashed``, so that no test waits for it until the timeout.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys


def write_status(path: str, code: str) -> None:
    with open(path + ".tmp", "w") as f:
        f.write(code)
    os.replace(path + ".tmp", path)


def main() -> None:
    lock_path, steps = sys.argv[1], json.loads(sys.argv[2])
    pending = [status for status, _, _ in steps]
    try:
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            failed = False
            for status, log, cmd in steps:
                if failed:
                    code = "skipped"
                else:
                    with open(log, "w") as out:
                        code = str(subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode)
                    failed = code != "0"
                write_status(status, code)
                pending.remove(status)
    finally:
        for status in pending:
            write_status(status, "crashed")


if __name__ == "__main__":
    main()
