"""Time every experiment of the book in the quick and full presets.

Writes ``benchmarks/experiment_times.json``, which the book's "Reproduce" page reads.
Usage: ``.venv/bin/python benchmarks/time_experiments.py [--presets quick full]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import matplotlib.pyplot as plt

from nndyn.experiments import registry

OUT = Path(__file__).resolve().parent / "experiment_times.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--presets", nargs="+", default=["quick", "full"])
    args = parser.parse_args()
    seconds: dict[str, dict[str, float]] = {}
    for name, module in registry().items():
        for preset in args.presets:
            start = time.perf_counter()
            result = module.run(module.Config.preset(preset))
            plt.close(module.plot(result))
            seconds.setdefault(name, {})[preset] = round(time.perf_counter() - start, 2)
            print(f"{name:32s} {preset:8s} {seconds[name][preset]:8.2f} s", flush=True)
    machine = f"{platform.machine()}, {__import__('os').cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}"
    OUT.write_text(json.dumps({"machine": machine, "seconds": seconds}, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
