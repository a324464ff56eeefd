"""`make bench`: time the package's training paths against plain PyTorch; write RESULTS.md.

Not part of the test suite: tests assert behaviour, these measure speed.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gd_workloads import Workload, measure  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TARGET = 1.2


def machine() -> str:
    import torch

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, torch {torch.__version__}, {torch.get_num_threads()} torch threads"


def main() -> None:
    rows = []
    for m, steps in ((50, 4000), (1000, 2000), (10000, 300)):
        w = Workload(m=m, steps=steps)
        r = measure(w)
        ok = "yes" if r["ratio"] <= TARGET else "NO"
        rows.append(f"| {w.name} | {w.steps} | {w.record_every} | {r['lightning'] * 1e3:.3f} | {r['plain'] * 1e3:.3f} | {r['ratio']:.3f} | {ok} |")
        print(rows[-1], flush=True)
    table = "\n".join(
        ["| workload | steps | record every | Lightning ms/step | plain ms/step | ratio | <= 1.2 |", "|---|---|---|---|---|---|---|", *rows]
    )
    RESULTS.write_text(
        f"# Benchmark results\n\nMachine: {machine()}.\n\n"
        "Each row: `nndyn.train` (Lightning Trainer, several GD steps per `training_step`, the trainer's set-up included) "
        "against a plain PyTorch loop making the same steps and records, run alternately in one process "
        "(median of 5 rounds).\n\n" + table + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
