"""The command line: ``nndyn list``, ``nndyn show EXPERIMENT`` and ``nndyn run EXPERIMENT``.

(``nndyn`` is the console script that ``pip install`` makes; ``python -m nndyn`` is the
same program.)

``run`` executes the same code the book executes and writes, into ``--out``:

* ``config.json``: experiment, preset, every parameter, the ``--set`` overrides, the
  options and the status (``running``, ``interrupted``, ``failed`` with its reason, or
  ``complete``);
* ``metrics.csv``: one row per optimisation step of every training (column ``fit``),
  from Lightning's CSVLogger;
* ``result.npz``: every array of the result, and ``figure.png``: the book's figure with a
  footer that says how it was made (experiment, preset, seed, overrides);
* ``fits/NNN/``: the logs and the checkpoint (``last.ckpt``) of each training, written
  every ``--checkpoint-every`` Lightning steps.

Rules:

* **Presets.** ``--preset`` wins, else the environment variable ``NNDYN_PRESET``, else
  ``full``; an unknown name is an error (as in the Python API).
* **Parameters.** ``--set KEY=VALUE`` (repeatable) changes any field of the experiment's
  ``Config``; the value is parsed to the field's type and checked by the ``Config``.
  ``show`` prints the resolved parameters with their descriptions.
* **No lost runs.** A folder that holds a finished run is never replaced unless
  ``--overwrite`` is given; a folder holding an interrupted (or failed) run needs
  ``--resume`` (continue it, with the same preset, seed and overrides) or ``--overwrite``.
* **Errors** (an unknown experiment, preset or parameter, a bad value, an unavailable
  accelerator, an unknown strategy, ``--strategy`` without ``--devices``, an unwritable
  folder, ...) print one line and exit with status 2 before anything is written. A
  failure during the run marks the folder ``failed`` with the one-line reason (the
  traceback goes to ``error.txt``) and exits with status 1.
* ``--max-steps K`` stops the run after K optimisation steps in all, Ctrl-C at the end
  of the current step; both leave a checkpoint and print the exact command that
  continues the run (exit status 0 after ``--max-steps``, 130 after Ctrl-C).
* ``--threads N`` sets torch's intra-op threads (default: ``OMP_NUM_THREADS`` when it is
  set, else the number of cores the process may use, at most 8).

``--help`` and ``list`` import neither torch nor NumPy (they answer in a fraction of a
second): the experiments are listed from :data:`nndyn.experiments.catalog.CATALOG`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from .presets import DEFAULT_PRESET, PRESETS

OUTPUTS = ("config.json", "metrics.csv", "result.npz", "figure.png", "fits", "error.txt")
"""What ``run`` writes into its folder (and what ``--overwrite`` removes)."""

MAX_DEFAULT_THREADS = 8
"""Cap of the default ``--threads``: more threads rarely help the book's small matrices."""


class CommandError(Exception):
    """A user error: printed as one line, exit status 2."""


def _catalog() -> dict[str, tuple[int, str, bool]]:
    from .experiments.catalog import CATALOG

    return CATALOG


def _experiments():
    from .experiments import registry

    return registry()


def default_threads() -> int:
    """The default of ``--threads``: ``OMP_NUM_THREADS`` when it is set to a positive integer
    (the environment's own choice, which torch also follows), else the cores this process
    may use; at most :data:`MAX_DEFAULT_THREADS`."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    if value.isdigit() and int(value) > 0:
        return min(int(value), MAX_DEFAULT_THREADS)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_THREADS))


def resolve_preset(preset: str | None) -> str:
    """``--preset`` if given, else ``NNDYN_PRESET``, else ``full``; :class:`CommandError` for an unknown name."""
    if preset is not None:
        if preset not in PRESETS:
            raise CommandError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
        return preset
    env = os.environ.get("NNDYN_PRESET", "").strip()
    if not env:
        return DEFAULT_PRESET
    if env not in PRESETS:
        raise CommandError(f"NNDYN_PRESET={env!r} is not a preset; set it to one of {', '.join(PRESETS)} or unset it")
    return env


def command_line(experiment: str, preset: str, seed: int = 0, overrides: dict[str, str] | None = None) -> str:
    """The command that reruns ``experiment`` in ``preset`` (as printed on the reproduce page).

    Options at their defaults are left out: ``--preset full`` and ``--out runs/EXPERIMENT``.
    ``overrides`` are the ``--set`` texts, by field.
    """
    extra = (f" --preset {preset}" if preset != "full" else "") + (f" --seed {seed}" if seed else "")
    for key, text in (overrides or {}).items():
        extra += " --set " + shlex.quote(f"{key}={text}")
    return f"python -m nndyn run {experiment}{extra}"


def list_experiments(stream=None) -> None:
    """Print every experiment with its chapter and title (to ``stream``, default stdout); no torch import."""
    stream = stream or sys.stdout
    catalog = _catalog()
    width = max(len(name) for name in catalog)
    for name, (chapter, title, distributed) in catalog.items():
        devices = " [several devices]" if distributed else ""
        print(f"{name:<{width}}  ch. {chapter}  {title}{devices}", file=stream)
    print(f"\npresets: {', '.join(PRESETS)} (--preset, else NNDYN_PRESET, else full); "
          "`python -m nndyn show EXPERIMENT --preset P` prints the parameters", file=stream)


def _plain(text: str) -> str:
    """A docstring fragment without its reStructuredText markup."""
    text = re.sub(r":\w+:`~?([^`]*)`", r"\1", text)
    return text.replace("``", "").replace("\\\\", "\\")


def _module(experiment: str):
    catalog = _catalog()
    if experiment not in catalog:
        raise CommandError(f"unknown experiment {experiment!r}; `python -m nndyn list` shows the {len(catalog)} known ones")
    import importlib

    return importlib.import_module(f"nndyn.experiments.{experiment}")


def _parse_sets(module, sets: list[str]) -> dict[str, Any]:
    """The ``--set KEY=VALUE`` options as typed values (one :class:`CommandError` line for a bad one)."""
    values: dict[str, Any] = {}
    for item in sets:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise CommandError(f"--set {item!r}: write KEY=VALUE, e.g. --set lr=0.1")
        if key == "seed":
            raise CommandError("--set seed=...: use --seed")
        try:
            values[key] = module.Config.parse_override(key, text)
        except ValueError as exc:
            raise CommandError(f"--set {item}: {exc}") from None
    return values


def resolve_config(experiment: str, preset: str | None = None, seed: int = 0, sets: list[str] = ()):
    """``(module, preset, config, overrides)`` for the options of ``run`` and ``show``.

    Raises
    ------
    CommandError
        For an unknown experiment or preset, a negative seed, or a bad ``--set``.
    """
    module = _module(experiment)
    preset = resolve_preset(preset)
    if seed < 0:
        raise CommandError(f"--seed must be a non-negative integer, got {seed}")
    overrides = _parse_sets(module, list(sets))
    try:
        config = module.Config.preset(preset, seed=seed, **overrides)
    except (ValueError, TypeError) as exc:
        where = f" (with --set {', '.join(sets)})" if sets else ""
        raise CommandError(f"{experiment}: {exc}{where}") from None
    return module, preset, config, overrides


def show(experiment: str, preset: str | None = None, seed: int = 0, sets: list[str] = (), stream=None) -> None:
    """Print the resolved configuration of ``experiment`` with each field's description."""
    stream = stream or sys.stdout
    module, preset, config, overrides = resolve_config(experiment, preset, seed, sets)
    descriptions = module.Config.describe()
    print(f"{experiment} (chapter {module.CHAPTER}): {module.TITLE}", file=stream)
    print(f"preset {preset}" + (f"; overrides: {', '.join(sets)}" if sets else ""), file=stream)
    params = config.as_dict()
    width = max(len(k) for k in params)
    for key, value in params.items():
        mark = " *" if key in overrides else ""
        text = _as_set_text(value)
        print(f"  {key:<{width}} = {text}{mark}", file=stream)
        if descriptions.get(key):
            print(f"  {'':<{width}}   {_plain(descriptions[key])}", file=stream)
    print(f"\nchange any of them with --set KEY=VALUE; run with: {command_line(experiment, preset, seed, _set_texts(sets))}",
          file=stream)


def _as_set_text(value: Any) -> str:
    """A parameter written as ``--set`` reads it: ``5,10`` for a tuple, ``true`` for a bool."""
    if isinstance(value, (tuple, list)):
        return ",".join(_as_set_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _set_texts(sets) -> dict[str, str]:
    return {k.strip(): v for k, _, v in (s.partition("=") for s in sets)}


def _read_config(out: Path) -> dict | None:
    path = out / "config.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_config(out: Path, record: dict) -> None:
    (out / "config.json").write_text(json.dumps(record, indent=2) + "\n")


def _check_out(out: Path, experiment: str, *, resume: bool, overwrite: bool) -> dict | None:
    """Refuse any folder whose contents the run would lose; return its previous config (if any)."""
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} exists and is not a folder")
    previous = _read_config(out)
    if resume and overwrite:
        raise CommandError("--resume and --overwrite exclude each other: continue the run, or replace it")
    if previous is not None and previous.get("experiment") != experiment and not overwrite:
        raise CommandError(
            f"--out {out} holds a run of another experiment ({previous.get('experiment')}); "
            "choose another folder, or add --overwrite to replace it"
        )
    if previous is None and out.is_dir() and not overwrite:
        found = [name for name in OUTPUTS if (out / name).exists()]
        if found:
            raise CommandError(f"--out {out} holds {', '.join(found)} from an earlier run; choose another folder, or add --overwrite")
    if previous is not None and previous.get("experiment") == experiment and not resume and not overwrite:
        status = previous.get("status")
        if status == "complete":
            raise CommandError(
                f"--out {out} holds a finished run of {experiment}; add --overwrite to replace it, or choose another --out"
            )
        what = "a failed" if status == "failed" else "an interrupted"
        raise CommandError(f"--out {out} holds {what} run of {experiment}; continue it with --resume, or add --overwrite to start afresh")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--out {out} cannot be created: {exc.strerror}") from None
    if not os.access(out, os.W_OK):
        raise CommandError(f"--out {out} is not writable")
    return previous


def _check_resume(out: Path, previous: dict | None, preset: str, config) -> None:
    if previous is None:
        raise CommandError(f"--resume: {out} holds no run to resume (no config.json)")
    if previous.get("status") == "complete":
        raise CommandError(f"--resume: the run in {out} is already complete")
    params = json.loads(json.dumps(config.as_dict()))
    old = previous.get("parameters", {})
    if previous.get("preset") != preset or old != params:
        changed = sorted(k for k in set(old) | set(params) if old.get(k) != params.get(k))
        sets = " ".join(f"--set {k}={v}" for k, v in (previous.get("overrides") or {}).items())
        raise CommandError(
            f"--resume: {out} holds a run with --preset {previous.get('preset')} --seed {old.get('seed')}"
            + (f" {sets}" if sets else "")
            + (f" (differs in {', '.join(changed)})" if changed else "")
            + "; resume it with the same options"
        )


def check_devices(module, accelerator: str | None, devices: int | None, strategy: str | None, experiment: str) -> None:
    """Validate ``--accelerator``, ``--devices`` and ``--strategy`` before anything is written."""
    distributed = bool(getattr(module, "DISTRIBUTED", False))
    if devices is not None and devices < 1:
        raise CommandError(f"--devices must be a positive integer, got {devices}")
    if devices and devices > 1 and not distributed:
        names = [n for n, (_, _, dist) in _catalog().items() if dist]
        raise CommandError(f"--devices {devices}: {experiment} runs on one device; several devices work for {', '.join(names)}")
    if strategy is not None and devices is None:
        raise CommandError(f"--strategy {strategy} needs --devices N: the strategy applies to the data-parallel fits of several devices")
    if accelerator == "gpu" or strategy is not None:
        import torch

        if accelerator == "gpu":
            available = torch.cuda.device_count() if torch.cuda.is_available() else 0
            if available == 0:
                raise CommandError("--accelerator gpu: no GPU is available on this machine; use --accelerator cpu (or auto)")
            if devices and devices > available:
                raise CommandError(f"--devices {devices}: only {available} GPU(s) are available")
    if strategy is not None:
        from pytorch_lightning.strategies import StrategyRegistry

        known = ["auto", *StrategyRegistry.available_strategies()]
        if strategy not in known:
            common = [s for s in ("auto", "ddp", "ddp_spawn", "ddp_notebook", "fsdp") if s in known]
            raise CommandError(f"unknown --strategy {strategy!r}; for example {', '.join(common)}")


def _footer(fig, text: str) -> None:
    """A small grey line under the figure that says how it was made."""
    fig.text(0.005, 0.0, text, ha="left", va="top", fontsize=7, color="0.4")


def run_experiment(
    experiment: str,
    preset: str | None,
    seed: int,
    out: Path,
    *,
    sets: list[str] = (),
    accelerator: str | None = None,
    devices: int | None = None,
    strategy: str | None = None,
    max_steps: int | None = None,
    checkpoint_every: int = 100,
    resume: bool = False,
    overwrite: bool = False,
    threads: int | None = None,
    progress_bar: bool = False,
) -> dict:
    """Run one experiment and write its files into ``out``; return the config written.

    Raises
    ------
    CommandError
        For a user error (nothing is written).
    nndyn.training.session.RunInterrupted
        When ``max_steps`` is spent or a stop is requested (checkpoints are written, the
        status is ``interrupted``).
    Exception
        Any failure during the run, after the status ``failed`` and its reason are written.
    """
    for name, value in (("--max-steps", max_steps), ("--checkpoint-every", checkpoint_every), ("--threads", threads)):
        if value is not None and value < 1:
            raise CommandError(f"{name} must be a positive integer, got {value}")
    module, preset, config, overrides = resolve_config(experiment, preset, seed, sets)
    check_devices(module, accelerator, devices, strategy, experiment)

    from .training.session import RunOptions, is_main_process, merge_metrics, run_session

    main_process = is_main_process()
    if main_process:
        previous = _check_out(out, experiment, resume=resume, overwrite=overwrite)
        if resume:
            _check_resume(out, previous, preset, config)
    threads = threads or default_threads()
    import torch

    torch.set_num_threads(threads)
    options = RunOptions(out, accelerator=accelerator, devices=devices, strategy=strategy, max_steps=max_steps,
                         checkpoint_every=checkpoint_every, resume=resume, progress_bar=progress_bar)
    record = {
        "experiment": experiment,
        "preset": preset,
        "parameters": config.as_dict(),
        "overrides": _set_texts(sets),
        "options": {"accelerator": accelerator, "devices": devices, "strategy": strategy, "threads": threads},
        "status": "running",
    }
    if main_process:
        if not resume:
            import shutil

            for name in OUTPUTS:
                path = out / name
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
        _write_config(out, record)
    from .training.session import RunInterrupted

    start = time.perf_counter()
    try:
        with run_session(options) as session:
            try:
                result = module.run(config)
            finally:
                if main_process:
                    merge_metrics(session.fit_dirs, out / "metrics.csv")
        seconds = time.perf_counter() - start
        if not main_process:
            return record
        import numpy as np

        from .results import flatten_result

        np.savez(out / "result.npz", **flatten_result(result))
        fig = module.plot(result)
        footer = f"nndyn {experiment} · preset {preset} · seed {seed}"
        if sets:
            footer += " · " + " ".join(f"{k}={v}" for k, v in _set_texts(sets).items())
        _footer(fig, footer)
        fig.savefig(out / "figure.png", bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(fig)
    except RunInterrupted as exc:
        if main_process:
            record.update(status="interrupted", reason=str(exc))
            _write_config(out, record)
        raise
    except BaseException as exc:
        if main_process:
            reason = one_line(exc)
            record.update(status="failed", reason=reason)
            _write_config(out, record)
            (out / "error.txt").write_text("".join(traceback.format_exception(exc)))
        raise
    record.update(status="complete", seconds=round(seconds, 3))
    _write_config(out, record)
    return record


def one_line(exc: BaseException) -> str:
    """``exc`` as one line: its type and the first line of its message."""
    if isinstance(exc, KeyboardInterrupt):
        return "KeyboardInterrupt"
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0] if message else ''}".rstrip(": ")


def continue_command(args, out: Path) -> str:
    """The exact command that continues an interrupted run (without ``--max-steps``)."""
    parts = ["python", "-m", "nndyn", "run", args.experiment, "--out", str(out), "--resume"]
    if args.preset:
        parts += ["--preset", args.preset]
    if args.seed:
        parts += ["--seed", str(args.seed)]
    for item in args.set:
        parts += ["--set", item]
    for flag, value in (("--accelerator", args.accelerator), ("--devices", args.devices), ("--strategy", args.strategy)):
        if value is not None:
            parts += [flag, str(value)]
    if args.checkpoint_every != 100:
        parts += ["--checkpoint-every", str(args.checkpoint_every)]
    return shlex.join(parts)


def _stop_on_signal(signum, frame) -> None:
    from .training.session import current_session, request_stop

    if current_session() is None or getattr(_stop_on_signal, "pending", False):
        raise KeyboardInterrupt
    _stop_on_signal.pending = True
    request_stop(f"signal {signal.Signals(signum).name}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m nndyn`` (no torch import)."""
    parser = argparse.ArgumentParser(
        prog="python -m nndyn",
        description="Rerun the experiments of the book. Presets: --preset, else NNDYN_PRESET, else full.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every experiment with its chapter and title")
    preset_help = f"one of {', '.join(PRESETS)} (default: $NNDYN_PRESET, else full)"
    set_help = "change a parameter of the experiment's Config, e.g. --set lr=0.1 --set dims=5,10 (repeatable)"
    show = sub.add_parser("show", help="the parameters of one experiment, with their descriptions")
    show.add_argument("experiment")
    show.add_argument("--preset", default=None, help=preset_help)
    show.add_argument("--seed", type=int, default=0)
    show.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=set_help)
    run = sub.add_parser("run", help="run one experiment and write its results")
    run.add_argument("experiment")
    run.add_argument("--preset", default=None, help=preset_help)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=set_help)
    run.add_argument("--out", type=Path, default=None, help="output folder (default runs/EXPERIMENT)")
    run.add_argument("--overwrite", action="store_true", help="replace the run (finished or not) that --out holds")
    run.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    run.add_argument("--accelerator", choices=("auto", "cpu", "gpu"), default=None,
                     help="Lightning accelerator (default: the experiment's choice, CPU except the lecture preset)")
    run.add_argument("--devices", type=int, default=None, help="devices for data-parallel experiments (parity_sgd)")
    run.add_argument("--strategy", default=None, help="Lightning strategy for --devices, e.g. ddp (needs --devices)")
    run.add_argument("--max-steps", type=int, default=None, help="stop after this many optimisation steps in all")
    run.add_argument("--checkpoint-every", type=int, default=100, help="Lightning steps between checkpoints")
    run.add_argument("--threads", type=int, default=None,
                     help=f"torch threads (default: the cores available, at most {MAX_DEFAULT_THREADS}, here {default_threads()})")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``nndyn`` and ``python -m nndyn``; returns the exit status.

    0 for success (and after ``--max-steps``), 1 for a failure during a run, 2 for a user
    error, 130 after Ctrl-C.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``), e.g. ``["run", "parity_sgd", "--preset", "quick"]``.
    """
    args = build_parser().parse_args(argv)
    try:
        if args.command == "list":
            list_experiments()
            return 0
        if args.command == "show":
            show(args.experiment, args.preset, args.seed, args.set)
            return 0
        out = args.out or Path("runs") / args.experiment
        previous = signal.signal(signal.SIGINT, _stop_on_signal)
        _stop_on_signal.pending = False
        try:
            record = run_experiment(
                args.experiment, args.preset, args.seed, out, sets=args.set,
                accelerator=args.accelerator, devices=args.devices, strategy=args.strategy,
                max_steps=args.max_steps, checkpoint_every=args.checkpoint_every, resume=args.resume,
                overwrite=args.overwrite, threads=args.threads, progress_bar=sys.stderr.isatty(),
            )
        finally:
            signal.signal(signal.SIGINT, previous)
        from .training.session import is_main_process

        if is_main_process():
            print(f"{args.experiment} ({record['preset']}) ran in {record['seconds']:.1f} s; results in {out}")
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001  (one line for the user; the traceback is in error.txt)
        from .training.session import RunInterrupted, is_main_process

        if isinstance(exc, RunInterrupted):
            if is_main_process():
                print(f"{args.experiment}: {exc}; checkpoints in {out / 'fits'}. Continue with:\n  {continue_command(args, out)}")
            return 0 if exc.reason.startswith("--max-steps") else 130
        if args.command == "run" and is_main_process():
            print(f"error: {args.experiment} failed: {one_line(exc)} (run marked failed; traceback in {out / 'error.txt'})",
                  file=sys.stderr)
        else:
            print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{args.experiment}: stopped (Ctrl-C); run marked failed", file=sys.stderr)
        return 130
    return 0
