"""Time every experiment of the book in the quick and full presets.

Writes ``code/nndyn/experiment_times.json`` (package data of ``nndyn``, shipped with it),
which the book's "Reproduce" page reads through :func:`nndyn.reproduce.measured_times`: the
seconds of each run, when and on which CPU they were measured, and torch's thread count.
Each experiment runs as a chapter of the book build runs it: one torch thread (a
chapter's kernel gets one per core shared by two chapters, ``scripts/parallel_jb.py``) and
glibc's malloc thresholds of ``scripts/build_book.py`` (the script re-executes itself with
them). Usage: ``.venv/bin/python benchmarks/time_experiments.py [--presets quick full] [--only NAME ...]``.

``--only NAME`` times the named experiments only (a new one: seconds, not the minutes of
all of them) and keeps the other rows of the file; the rows measured so are listed, with
their date and machine, under ``"measured_separately"``.
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

from run import cpu_model  # benchmarks/, beside this file

from nndyn._malloc import MALLOC_ENV

OUT = Path(__file__).resolve().parent.parent / "code" / "nndyn" / "experiment_times.json"
"""The package's timings file in this repository (``nndyn.reproduce.TIMINGS_NAME``)."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presets", nargs="+", default=["quick", "full"])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="time these experiments only; keep the file's other rows")
    args = parser.parse_args()
    if any(k not in os.environ for k in MALLOC_ENV):  # glibc reads them at start-up; the caller's values win
        os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]], {**MALLOC_ENV, **os.environ})
    import matplotlib.pyplot as plt
    import torch

    from nndyn.experiments import registry

    torch.set_num_threads(1)
    seconds: dict[str, dict[str, float]] = {}
    experiments = registry()
    if args.only:
        unknown = sorted(set(args.only) - set(experiments))
        if unknown:
            raise SystemExit(f"--only: unknown experiment(s) {', '.join(unknown)}; known: {', '.join(experiments)}")
        experiments = {name: experiments[name] for name in args.only}
        # Warm-up (untimed): in a run of every experiment the first one alone pays for the
        # first use of torch's and matplotlib's code paths; so would a lone one.
        for module in experiments.values():
            plt.close(module.plot(module.run(module.Config.preset("quick"))))
    for name, module in experiments.items():
        for preset in args.presets:
            start = time.perf_counter()
            result = module.run(module.Config.preset(preset))
            plt.close(module.plot(result))
            seconds.setdefault(name, {})[preset] = round(time.perf_counter() - start, 2)
            print(f"{name:32s} {preset:8s} {seconds[name][preset]:8.2f} s", flush=True)
    today = datetime.date.today().isoformat()
    machine = f"{cpu_model()}, {os.cpu_count()} logical CPUs, {platform.python_implementation()} {platform.python_version()}"
    if args.only and OUT.exists():
        record = json.loads(OUT.read_text())
        for name, times in seconds.items():
            record["seconds"][name] = {**record["seconds"].get(name, {}), **times}
            record.setdefault("measured_separately", {})[name] = f"{today}, {machine}"
        record["seconds"] = {name: record["seconds"][name] for name in sorted(record["seconds"], key=list(registry()).index)
                             if name in registry()} | {n: t for n, t in record["seconds"].items() if n not in registry()}
    else:
        record = {"measured": today, "machine": machine, "torch_threads": torch.get_num_threads(), "seconds": seconds}
    OUT.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
