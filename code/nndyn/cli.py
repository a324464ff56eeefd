"""The command line: ``python -m nndyn list`` and ``python -m nndyn run EXPERIMENT``.

``run`` executes the same code the book executes and writes, into ``--out``:

* ``config.json``: experiment, preset, every parameter, the options and the status;
* ``metrics.csv``: one row per optimisation step of every training (column ``fit``),
  from Lightning's CSVLogger;
* ``result.npz``: every array of the result, and ``figure.png``: the book's figure;
* ``fits/NNN/``: the logs and the checkpoint (``last.ckpt``) of each training, written
  every ``--checkpoint-every`` Lightning steps.

``--max-steps K`` stops the run after K optimisation steps in all, Ctrl-C stops it at the
end of the current step; both leave a checkpoint, and ``--resume`` finishes the run with
exactly the arrays of an uninterrupted one. Errors (an unknown experiment or preset, a
negative seed, an unwritable folder, a folder holding another experiment's run) print
one line and exit with status 2, leaving existing files untouched. An interrupted run
exits with status 0 after ``--max-steps`` and 130 after Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import numpy as np

from .presets import PRESETS


class CommandError(Exception):
    """A user error: printed as one line, exit status 2."""


def _experiments():
    from .experiments import registry

    return registry()


def command_line(experiment: str, preset: str, seed: int = 0) -> str:
    """The command that reruns ``experiment`` in ``preset`` (as printed on the reproduce page).

    Options at their defaults are left out: ``--preset full`` and ``--out runs/EXPERIMENT``.
    """
    extra = (f" --preset {preset}" if preset != "full" else "") + (f" --seed {seed}" if seed else "")
    return f"python -m nndyn run {experiment}{extra}"


def list_experiments(stream=None) -> None:
    """Print every experiment with its chapter, title and the parameters of each preset (to ``stream``, default stdout)."""
    from .experiments import preset_table

    stream = stream or sys.stdout
    for name, module in _experiments().items():
        devices = "; several devices: yes" if getattr(module, "DISTRIBUTED", False) else ""
        print(f"{name}  (chapter {module.CHAPTER}{devices}): {module.TITLE}", file=stream)
        for preset, params in preset_table(module).items():
            text = ", ".join(f"{k}={v}" for k, v in params.items())
            print(f"    {preset:8s} {text}", file=stream)


def _read_config(out: Path) -> dict | None:
    path = out / "config.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _check_out(out: Path, experiment: str) -> None:
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} exists and is not a folder")
    previous = _read_config(out)
    if previous is not None and previous.get("experiment") != experiment:
        raise CommandError(
            f"--out {out} holds a run of another experiment ({previous.get('experiment')}); choose another folder"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--out {out} cannot be created: {exc.strerror}") from None
    if not os.access(out, os.W_OK):
        raise CommandError(f"--out {out} is not writable")


def _check_resume(out: Path, preset: str, seed: int) -> None:
    previous = _read_config(out)
    if previous is None:
        raise CommandError(f"--resume: {out} holds no run to resume (no config.json)")
    if previous.get("status") == "complete":
        raise CommandError(f"--resume: the run in {out} is already complete")
    if previous.get("preset") != preset or previous.get("parameters", {}).get("seed") != seed:
        raise CommandError(
            f"--resume: {out} holds a run with --preset {previous.get('preset')} "
            f"--seed {previous.get('parameters', {}).get('seed')}; resume it with the same options"
        )


def run_experiment(
    experiment: str,
    preset: str,
    seed: int,
    out: Path,
    *,
    accelerator: str | None = None,
    devices: int | None = None,
    strategy: str | None = None,
    max_steps: int | None = None,
    checkpoint_every: int = 100,
    resume: bool = False,
    progress_bar: bool = False,
) -> dict:
    """Run one experiment and write its files into ``out``; return the config written.

    Raises
    ------
    CommandError
        For a user error (nothing is written).
    nndyn.training.session.RunInterrupted
        When ``max_steps`` is spent or a stop is requested (checkpoints are written).
    """
    from .training.session import RunOptions, is_main_process, merge_metrics, run_session

    experiments = _experiments()
    if experiment not in experiments:
        raise CommandError(f"unknown experiment {experiment!r}; `python -m nndyn list` shows the {len(experiments)} known ones")
    if preset not in PRESETS:
        raise CommandError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if seed < 0:
        raise CommandError(f"--seed must be a non-negative integer, got {seed}")
    for name, value in (("--max-steps", max_steps), ("--devices", devices), ("--checkpoint-every", checkpoint_every)):
        if value is not None and value < 1:
            raise CommandError(f"{name} must be a positive integer, got {value}")
    module = experiments[experiment]
    if devices and devices > 1 and not getattr(module, "DISTRIBUTED", False):
        names = [n for n, m in experiments.items() if getattr(m, "DISTRIBUTED", False)]
        raise CommandError(f"--devices {devices}: {experiment} runs on one device; several devices work for {', '.join(names)}")
    main_process = is_main_process()
    if main_process:
        _check_out(out, experiment)
        if resume:
            _check_resume(out, preset, seed)
    config = module.Config.preset(preset, seed=seed)
    options = RunOptions(out, accelerator=accelerator, devices=devices, strategy=strategy, max_steps=max_steps,
                         checkpoint_every=checkpoint_every, resume=resume, progress_bar=progress_bar)
    record = {
        "experiment": experiment,
        "preset": preset,
        "parameters": config.as_dict(),
        "options": {"accelerator": accelerator, "devices": devices, "strategy": strategy},
        "status": "running",
    }
    if main_process:
        if not resume:
            shutil.rmtree(out / "fits", ignore_errors=True)
            for name in ("metrics.csv", "result.npz", "figure.png"):
                (out / name).unlink(missing_ok=True)
        (out / "config.json").write_text(json.dumps(record, indent=2) + "\n")
    start = time.perf_counter()
    with run_session(options) as session:
        try:
            result = module.run(config)
        finally:
            if main_process:
                merge_metrics(session.fit_dirs, out / "metrics.csv")
    seconds = time.perf_counter() - start
    if not main_process:
        return record
    from .results import flatten_result

    np.savez(out / "result.npz", **flatten_result(result))
    fig = module.plot(result)
    fig.savefig(out / "figure.png")
    import matplotlib.pyplot as plt

    plt.close(fig)
    record.update(status="complete", seconds=round(seconds, 3))
    (out / "config.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def _stop_on_signal(signum, frame) -> None:
    from .training.session import current_session, request_stop

    if current_session() is None or getattr(_stop_on_signal, "pending", False):
        raise KeyboardInterrupt
    _stop_on_signal.pending = True
    request_stop(f"signal {signal.Signals(signum).name}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m nndyn``; returns the exit status (0, 2 for an error, 130 after Ctrl-C).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``), e.g. ``["run", "parity_sgd", "--preset", "quick"]``.
    """
    parser = argparse.ArgumentParser(prog="python -m nndyn", description="Rerun the experiments of the book.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every experiment with its presets and parameters")
    run = sub.add_parser("run", help="run one experiment and write its results")
    run.add_argument("experiment")
    run.add_argument("--preset", default="full", help=f"one of {', '.join(PRESETS)} (default full)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", type=Path, default=None, help="output folder (default runs/EXPERIMENT)")
    run.add_argument("--accelerator", choices=("auto", "cpu", "gpu"), default=None,
                     help="Lightning accelerator (default: the experiment's choice, CPU except the lecture preset)")
    run.add_argument("--devices", type=int, default=None, help="devices for data-parallel experiments (parity_sgd)")
    run.add_argument("--strategy", default=None, help="Lightning strategy with --devices, e.g. ddp")
    run.add_argument("--max-steps", type=int, default=None, help="stop after this many optimisation steps in all")
    run.add_argument("--checkpoint-every", type=int, default=100, help="Lightning steps between checkpoints")
    run.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    args = parser.parse_args(argv)
    from .training.session import RunInterrupted, is_main_process

    try:
        if args.command == "list":
            list_experiments()
            return 0
        out = args.out or Path("runs") / args.experiment
        previous = signal.signal(signal.SIGINT, _stop_on_signal)
        _stop_on_signal.pending = False
        try:
            record = run_experiment(
                args.experiment, args.preset, args.seed, out,
                accelerator=args.accelerator, devices=args.devices, strategy=args.strategy,
                max_steps=args.max_steps, checkpoint_every=args.checkpoint_every, resume=args.resume,
                progress_bar=sys.stderr.isatty(),
            )
        finally:
            signal.signal(signal.SIGINT, previous)
        if is_main_process():
            print(f"{args.experiment} ({args.preset}) ran in {record['seconds']:.1f} s; results in {out}")
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RunInterrupted as exc:
        if is_main_process():
            print(f"{args.experiment}: {exc}; checkpoints in {out / 'fits'}; continue with the same command and --resume")
        return 0 if exc.reason.startswith("--max-steps") else 130
    return 0
