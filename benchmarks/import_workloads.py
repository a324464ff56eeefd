"""The first step a reader pays: importing nndyn and starting the command line.

Each command runs in a fresh ``python`` process (warm file cache: one untimed run first),
and the commands alternate round by round so that a change of load hits all of them. The
median wall time of the rounds is reported. Targets (issue 12): ``import nndyn`` and
``from nndyn import TwoLayerNet, train, single_neuron_data`` at most 1.3 x ``import
torch``; ``python -m nndyn --help`` and ``python -m nndyn list`` under 0.5 s.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time

IMPORT_TARGET = 1.3  # x import torch
CLI_TARGET = 0.5  # seconds

COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "import torch": ["-c", "import torch"],
    "import pytorch_lightning": ["-c", "import pytorch_lightning"],
    "import nndyn": ["-c", "import nndyn"],
    "from nndyn import TwoLayerNet, train, single_neuron_data": ["-c", "from nndyn import TwoLayerNet, train, single_neuron_data"],
    "python -m nndyn --help": ["-m", "nndyn", "--help"],
    "python -m nndyn list": ["-m", "nndyn", "list"],
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _once(args: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh process (CPU time barely depends on the load)."""
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, _cpu() - cpu


def measure_imports(rounds: int = 7) -> list[dict]:
    """Median, minimum and maximum seconds of every command of :data:`COMMANDS`."""
    for args in COMMANDS.values():
        _once(args)  # warm the file cache
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(rounds):
        for name, args in COMMANDS.items():
            wall, cpu = _once(args)
            times[name].append(wall)
            cpus[name].append(cpu)
    torch_median = statistics.median(times["import torch"])
    torch_cpu = statistics.median(cpus["import torch"])
    rows = []
    for name, values in times.items():
        median = statistics.median(values)
        cpu = statistics.median(cpus[name])
        rows.append({"name": name, "median": median, "min": min(values), "max": max(values),
                     "over_torch": median / torch_median, "cpu": cpu, "cpu_over_torch": cpu / torch_cpu})
    return rows


if __name__ == "__main__":
    for row in measure_imports(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
        print(f"{row['name']:60s} {row['median']:.3f} s  ({row['over_torch']:.2f} x import torch)")
