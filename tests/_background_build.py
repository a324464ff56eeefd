"""The test suite's background build (started by ``tests/conftest.py``): run the given steps in order.

Argument: a JSON list of ``[status_file, log_file, command]``. Each command's output goes
to its log; its exit status is written to its status file (atomically, so that a waiting
test never reads half of it) when it ends. A step whose predecessor failed is not run and
gets the status ``skipped``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys


def main() -> None:
    failed = False
    for status, log, cmd in json.loads(sys.argv[1]):
        if failed:
            code = "skipped"
        else:
            with open(log, "w") as out:
                code = str(subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT).returncode)
            failed = code != "0"
        with open(status + ".tmp", "w") as f:
            f.write(code)
        os.replace(status + ".tmp", status)


if __name__ == "__main__":
    main()
