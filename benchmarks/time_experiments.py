"""Time every experiment of the book in the quick and full presets.

Writes ``benchmarks/experiment_times.json``, which the book's "Reproduce" page reads: the
seconds of each run, when and on which CPU they were measured, and torch's thread count.
Each experiment runs as a chapter of the book build runs it: one torch thread (a
chapter's kernel gets one per core shared by two chapters, ``scripts/parallel_jb.py``) and
glibc's malloc thresholds of ``scripts/build_book.py`` (the script re-executes itself with
them). Usage: ``.venv/bin/python benchmarks/time_experiments.py [--presets quick full]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import MALLOC_ENV, cpu_model  # noqa: E402  (run.py puts scripts/ on the path)

OUT = Path(__file__).resolve().parent / "experiment_times.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presets", nargs="+", default=["quick", "full"])
    args = parser.parse_args()
    if any(k not in os.environ for k in MALLOC_ENV):  # glibc reads them at start-up; the caller's values win
        os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]], {**MALLOC_ENV, **os.environ})
    import matplotlib.pyplot as plt
    import torch

    from nndyn.experiments import registry

    torch.set_num_threads(1)
    seconds: dict[str, dict[str, float]] = {}
    for name, module in registry().items():
        for preset in args.presets:
            start = time.perf_counter()
            result = module.run(module.Config.preset(preset))
            plt.close(module.plot(result))
            seconds.setdefault(name, {})[preset] = round(time.perf_counter() - start, 2)
            print(f"{name:32s} {preset:8s} {seconds[name][preset]:8.2f} s", flush=True)
    record = {
        "measured": datetime.date.today().isoformat(),
        "machine": f"{cpu_model()}, {os.cpu_count()} logical CPUs, {platform.python_implementation()} {platform.python_version()}",
        "torch_threads": torch.get_num_threads(),
        "seconds": seconds,
    }
    OUT.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
