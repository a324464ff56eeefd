"""Where does :func:`nndyn.train` spend the time that the plain loop does not? (full-batch GD)

Runs :func:`gd_workloads.measure` on one workload and prints the split of the Lightning
path's time that its :class:`gd_workloads.HookClock` records:

* before the first ``training_step``: argument checks, the module, the ``Trainer``,
  ``fit``'s set-up and the record at step 0;
* inside the ``training_step`` calls: the gradient steps;
* between calls: Lightning's loop (next batch, progress counters, hooks) and the records;
* after the last call: tear-down and the :class:`~nndyn.training.trajectory.Trajectory`.

Usage: ``python benchmarks/profile_gd.py [--m 50] [--steps 4000] [--record-every 50] [--rounds 7] [--threads N]``.
"""

from __future__ import annotations

import argparse

import torch


from gd_workloads import Workload, measure  # noqa: E402


def report(w: Workload, r: dict[str, float]) -> str:
    """The split as text (milliseconds, medians over the rounds)."""
    ms = {k: v * 1e3 for k, v in r.items() if k not in ("calls",) and not k.startswith("ratio")}
    calls = int(r["calls"])
    extra = (r["lightning"] - r["plain"]) * w.steps * 1e3
    overhead = ms["before"] + ms["between"] + ms["after"]
    return "\n".join([
        f"{w.name}: {w.steps} steps in {calls} training_step calls, torch threads {torch.get_num_threads()}",
        f"  nndyn.train {r['lightning'] * w.steps * 1e3:8.1f} ms   plain loop {ms['plain_total']:8.1f} ms   "
        f"ratio {r['ratio']:.3f} (rounds {r['ratio_low']:.3f}-{r['ratio_high']:.3f}, of minima {r['ratio_min']:.3f})",
        f"  extra time of nndyn.train: {extra:.1f} ms",
        f"    before the first call (checks, Trainer, fit set-up, record 0) {ms['before']:7.1f} ms",
        f"    between calls (Lightning loop + {calls} records)              {ms['between']:7.1f} ms = {ms['between'] / calls:.3f} ms per call",
        f"    after the last call (tear-down, Trajectory)                   {ms['after']:7.1f} ms",
        f"    => Lightning's own cost {overhead:.1f} ms = {overhead / ms['plain_total']:.1%} of the plain loop",
        f"    inside the training_step calls {ms['inside']:.1f} ms = {r['inside_over_plain']:.3f} x the whole plain loop",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", type=int, default=50)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--record-every", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    w = Workload(m=args.m, steps=args.steps, record_every=args.record_every)
    print(report(w, measure(w, args.rounds)))


if __name__ == "__main__":
    main()
