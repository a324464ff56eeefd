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
  accelerator, from ``--accelerator`` or the ``Config``, an unknown strategy,
  ``--strategy`` without ``--devices``, an unwritable folder, a folder whose run is live
  or whose ``config.json`` or checkpoint is damaged, ...) print one line and exit with
  status 2 before anything is written. Options and the ``Config`` are checked before the
  experiment (and torch) is imported. A failure during the run marks the folder
  ``failed`` with the one-line reason (the traceback goes to ``error.txt``) and exits
  with status 1; the line says only what could be written (a full disk).
* ``--max-steps K`` stops the run after K optimisation steps in all; Ctrl-C (SIGINT) and
  SIGTERM during a training at the end of the current step, elsewhere at once. All leave
  the folder ``interrupted``, print one line with the exact command that continues the
  run (:func:`program` starts it) and exit with status 0 after ``--max-steps``, 130
  after SIGINT, 143 after SIGTERM. The signal handler imports nothing: torch may be
  half-imported when it runs.
* **One process per folder.** A live run holds ``run.lock`` (:mod:`nndyn.run_folder`);
  files are written whole; a hard kill loses only the steps after the last checkpoint.
* ``--threads N`` sets torch's intra-op threads (default: ``OMP_NUM_THREADS`` when it is
  set, else the number of cores the process may use, at most 8); more than the cores
  the process may use are capped with a one-line warning.

``--help`` and ``list`` import neither torch nor NumPy (they answer in a fraction of a
second): the experiments are listed by :func:`nndyn.experiments.catalog.catalog`, which
reads each experiment module's ``TITLE``, ``CHAPTER`` and ``DISTRIBUTED`` from its source.
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
from .run_folder import LOCK_NAME, DamagedRecord, RunLock, read_record, write_atomic

OUTPUTS = ("config.json", "metrics.csv", "result.npz", "figure.png", "fits", "error.txt")
"""What ``run`` writes into its folder (and what ``--overwrite`` removes); ``run.lock`` is
there only while the run is live."""

MAX_DEFAULT_THREADS = 8
"""Cap of the default ``--threads``: more threads rarely help the book's small matrices."""


class CommandError(Exception):
    """A user error: printed as one line, exit status 2."""


def _catalog() -> dict[str, tuple[int, str, bool]]:
    from .experiments.catalog import catalog

    return catalog()


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
    return max(1, min(available_cores(), MAX_DEFAULT_THREADS))


def available_cores() -> int:
    """The number of cores this process may use (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def program() -> list[str]:
    """The command that starts this ``nndyn``, for the messages that print a command to run.

    ``nndyn`` when the ``nndyn`` found on ``PATH`` is the console script of this
    interpreter's environment (it lies beside ``sys.executable``), else
    ``sys.executable -m nndyn``, which works wherever this process runs.
    """
    import shutil

    found = shutil.which("nndyn")
    if found and os.path.dirname(os.path.abspath(found)) == os.path.dirname(os.path.abspath(sys.executable)):
        return ["nndyn"]
    return [sys.executable, "-m", "nndyn"]


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
    """A docstring fragment as plain text: no reStructuredText markup, LaTeX written out
    (``:math:`\\mathbb S^{d-1}``` becomes ``S^(d-1)``)."""
    text = re.sub(r":math:`([^`]*)`", lambda m: _latex_as_text(m.group(1).replace("\\\\", "\\")), text)
    text = re.sub(r":\w+:`~?([^`]*)`", r"\1", text)
    return text.replace("``", "").replace("\\\\", "\\")


_LATEX_WORDS = {
    "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=", "in": " in ", "times": " x ", "cdot": "*",
    "dots": "...", "ldots": "...", "cdots": "...", "sum": "sum", "top": "T", "infty": "inf",
    "to": " -> ", "|": "||", "{": "{", "}": "}", ",": " ", ";": " ", "!": "", " ": " ",
    "big": "", "Big": "", "bigg": "", "left": "", "right": "",
}


def _latex_as_text(math: str) -> str:
    """A LaTeX formula in plain ASCII, for a terminal (``\\frac12`` -> ``1/2``, ``x^{d-1}`` -> ``x^(d-1)``)."""
    text = re.sub(r"(?<=[A-Za-z0-9])\\(?=[A-Za-z])", " \\\\", math).replace("|\\|", "| \\|")  # a_j sigma, |a| ||b||
    text = re.sub(r"\\(?:mathbb|mathrm|mathcal|text|operatorname)\s*\{([^{}]*)\}", r"\1", text)
    text = re.sub(r"\\(?:mathbb|mathrm|mathcal)\s+(\w)", r"\1", text)
    text = re.sub(r"\\sqrt\s*\{([^{}]*)\}", r"sqrt(\1)", text)
    text = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"(\1)/(\2)", text)
    text = re.sub(r"\\frac\s*(\w)(\w)", r"\1/\2", text)
    text = re.sub(r"([\^_])\{([^{}]*)\}", lambda m: m.group(1) + (m.group(2) if len(m.group(2)) == 1 else f"({m.group(2)})"), text)
    text = re.sub(r"\\([A-Za-z]+|.)", lambda m: _LATEX_WORDS.get(m.group(1), m.group(1)), text)
    return re.sub(r" {2,}", " ", text).strip()


def _module(experiment: str):
    catalog = _catalog()
    if experiment not in catalog:
        raise CommandError(f"unknown experiment {experiment!r}; `{' '.join(program())} list` shows the {len(catalog)} known ones")
    import importlib

    return importlib.import_module(f"nndyn.experiments.{experiment}")


def _parse_sets(config_class, sets: list[str]) -> dict[str, Any]:
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
            values[key] = config_class.parse_override(key, text)
        except ValueError as exc:
            raise CommandError(f"--set {item}: {exc}") from None
    return values


def precheck(experiment: str, preset: str | None = None, seed: int = 0, sets: list[str] = ()) -> None:
    """Check the options of ``run`` and ``show`` without importing the experiment (nor torch).

    The experiment's ``Config`` is made from its source by
    :func:`nndyn.experiments.base.light_config`, so that a bad ``--set`` or preset is a
    one-line error at once, not after the seconds that importing torch takes.
    :func:`resolve_config` checks everything again with the real ``Config``.

    Raises
    ------
    CommandError
        For an unknown experiment or preset, a negative seed, or a bad ``--set``.
    """
    catalog = _catalog()
    if experiment not in catalog:
        raise CommandError(f"unknown experiment {experiment!r}; `{' '.join(program())} list` shows the {len(catalog)} known ones")
    preset = resolve_preset(preset)
    if seed < 0:
        raise CommandError(f"--seed must be a non-negative integer, got {seed}")
    from .experiments.base import light_config

    config_class = light_config(experiment)
    if config_class is None:
        return
    overrides = _parse_sets(config_class, list(sets))
    try:
        config_class.preset(preset, seed=seed, **overrides)
    except (ValueError, TypeError) as exc:
        raise CommandError(_config_error(experiment, exc, sets)) from None
    except Exception:  # noqa: BLE001  (the light Config lacks a name: the real one decides)
        return


def _config_error(experiment: str, exc: Exception, sets) -> str:
    where = f" (with --set {', '.join(sets)})" if sets else ""
    return f"{experiment}: {exc}{where}"


def resolve_config(experiment: str, preset: str | None = None, seed: int = 0, sets: list[str] = ()):
    """``(module, preset, config, overrides)`` for the options of ``run`` and ``show``.

    Raises
    ------
    CommandError
        For an unknown experiment or preset, a negative seed, or a bad ``--set``.
    """
    precheck(experiment, preset, seed, sets)
    module = _module(experiment)
    preset = resolve_preset(preset)
    overrides = _parse_sets(module.Config, list(sets))
    try:
        config = module.Config.preset(preset, seed=seed, **overrides)
    except (ValueError, TypeError) as exc:
        raise CommandError(_config_error(experiment, exc, sets)) from None
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


def _write_config(out: Path, record: dict) -> None:
    write_atomic(out / "config.json", json.dumps(record, indent=2) + "\n")


def _check_out(out: Path, experiment: str, *, resume: bool, overwrite: bool) -> dict | None:
    """Refuse any folder whose contents the run would lose or that a live run uses; return
    its previous record (if any)."""
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} exists and is not a folder")
    if resume and overwrite:
        raise CommandError("--resume and --overwrite exclude each other: continue the run, or replace it")
    if resume and not out.exists():
        raise CommandError(f"--resume: {out} does not exist; there is nothing to resume")
    holder = RunLock(out).holder() if out.is_dir() else None
    if holder is not None:
        pid, host = holder
        where = "" if host == _hostname() else f" on {host}; if that run is gone, delete {out / LOCK_NAME}"
        raise CommandError(f"--out {out}: its run is running (pid {pid}{where}); wait for it, stop it, or choose another --out")
    try:
        previous = read_record(out)
    except DamagedRecord as exc:
        if not overwrite:
            raise CommandError(f"{exc}; add --overwrite to start afresh in {out}, or choose another --out") from None
        previous = None
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
        gone = " (its process is gone)" if status == "running" else ""
        raise CommandError(f"--out {out} holds {what} run of {experiment}{gone}; continue it with --resume, or add --overwrite to start afresh")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--out {out} cannot be created: {exc.strerror}") from None
    if not os.access(out, os.W_OK):
        raise CommandError(f"--out {out} is not writable")
    return previous


def _out_folder(text: str) -> Path:
    """``--out`` as a path; an empty one (an unset shell variable) would mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("empty folder name (an unset variable?); name the output folder, or leave --out out")
    return Path(text)


def _hostname() -> str:
    import socket

    return socket.gethostname()


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
    from .training.session import check_checkpoints

    try:
        check_checkpoints(out)
    except ValueError as exc:
        raise CommandError(f"--resume: {exc}; start afresh with --overwrite instead of --resume") from None


def check_devices(module, accelerator: str | None, devices: int | None, strategy: str | None, experiment: str,
                  config=None) -> None:
    """Validate ``--accelerator``, ``--devices`` and ``--strategy`` (and a ``Config``'s own
    ``accelerator``, which applies when ``--accelerator`` is not given) before anything is written."""
    distributed = bool(getattr(module, "DISTRIBUTED", False))
    if devices is not None and devices < 1:
        raise CommandError(f"--devices must be a positive integer, got {devices}")
    if devices and devices > 1 and not distributed:
        names = [n for n, (_, _, dist) in _catalog().items() if dist]
        raise CommandError(f"--devices {devices}: {experiment} runs on one device; several devices work for {', '.join(names)}")
    if strategy is not None and devices is None:
        raise CommandError(f"--strategy {strategy} needs --devices N: the strategy applies to the data-parallel fits of several devices")
    option = "--accelerator gpu"
    if accelerator is None and getattr(config, "accelerator", None) == "gpu":
        accelerator, option = "gpu", "accelerator=gpu (--set or the preset)"
    if accelerator == "gpu" or strategy is not None:
        import torch

        if accelerator == "gpu":
            available = torch.cuda.device_count() if torch.cuda.is_available() else 0
            if available == 0:
                raise CommandError(f"{option}: no GPU is available on this machine; use --accelerator cpu (or auto)")
            if devices and devices > available:
                raise CommandError(f"--devices {devices}: only {available} GPU(s) are available")
    if strategy is not None:
        from pytorch_lightning.strategies import StrategyRegistry

        known = ["auto", *StrategyRegistry.available_strategies()]
        if strategy not in known:
            common = [s for s in ("auto", "ddp", "ddp_spawn", "ddp_notebook", "fsdp") if s in known]
            raise CommandError(f"unknown --strategy {strategy!r}; for example {', '.join(common)}")


def _check_threads(threads: int | None) -> int:
    """``--threads``, or its default; more than the cores this process may use is capped, with a warning."""
    if threads is None:
        return default_threads()
    cores = available_cores()
    if threads > cores:
        print(f"warning: --threads {threads} is more than the {cores} cores this process may use; using {cores}",
              file=sys.stderr)
        return cores
    return threads


def _footer(fig, text: str) -> None:
    """A grey line under the figure that says how it was made (in the house style's smallest
    size, :data:`nndyn.plotting.LEGEND_SIZE`)."""
    from .plotting import LEGEND_SIZE

    fig.text(0.005, 0.0, text, ha="left", va="top", fontsize=LEGEND_SIZE, color="0.4")


class _Signals:
    """The first SIGINT or SIGTERM this command received, and whether the handler may raise now."""

    received: int | None = None
    shield = False


def _on_signal(signum, frame) -> None:
    """SIGINT and SIGTERM of ``run``: inside a training, stop at the end of the current step
    with a checkpoint; anywhere else (start-up, between trainings, plotting) and at a second
    signal, raise :class:`KeyboardInterrupt` at once.

    It imports nothing: a signal can arrive while torch or Lightning is half-imported, and an
    import inside the handler then crashes the interpreter.
    """
    first = _Signals.received is None
    if first:
        _Signals.received = signum
    if _Signals.shield:  # the run is being recorded as stopped
        return
    session = sys.modules.get("nndyn.training.session")
    request = getattr(session, "request_stop_in_fit", None)
    if first and request is not None and request(f"signal {signal.Signals(signum).name}"):
        return
    raise KeyboardInterrupt


def _signal_name() -> str:
    return signal.Signals(_Signals.received).name if _Signals.received else "SIGINT"


def _record_end(out: Path, record: dict, exc: BaseException) -> dict:
    """Mark the run ``interrupted`` or ``failed`` in ``config.json`` (and write ``error.txt``
    for a failure); return what was written: ``{"status", "record", "error"}``, the last two
    ``False`` where the disk refused (with ``"why"``)."""
    from .training.session import RunInterrupted

    if isinstance(exc, RunInterrupted):
        status, reason = "interrupted", str(exc)
    elif isinstance(exc, KeyboardInterrupt) or (isinstance(exc, SystemExit) and _Signals.received):
        status, reason = "interrupted", f"stopped by {_signal_name()}"
    else:
        status, reason = "failed", one_line(exc)
    written = {"status": status, "record": False, "error": False, "why": ""}
    record.update(status=status, reason=reason)
    try:
        _write_config(out, record)
        written["record"] = True
        if status == "failed":
            write_atomic(out / "error.txt", "".join(traceback.format_exception(exc)))
            written["error"] = True
    except OSError as error:
        written["why"] = error.strerror or one_line(error)
    return written


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

    Every option is checked before anything is written, and the ``Config`` before the
    experiment (and torch) is imported. While it runs, the folder holds ``run.lock``
    (:class:`nndyn.run_folder.RunLock`); every file is written whole
    (:func:`nndyn.run_folder.write_atomic`).

    Raises
    ------
    CommandError
        For a user error (nothing is written).
    nndyn.training.session.RunInterrupted
        When ``max_steps`` is spent or a stop is requested (checkpoints are written, the
        status is ``interrupted``).
    BaseException
        Any failure during the run, after the status (``failed``, or ``interrupted`` for a
        :class:`KeyboardInterrupt` or a signal) is written; its attribute ``nndyn_written``
        says what could be written (``status``, ``record``, ``error``, ``why``).
    """
    for name, value in (("--max-steps", max_steps), ("--checkpoint-every", checkpoint_every), ("--threads", threads)):
        if value is not None and value < 1:
            raise CommandError(f"{name} must be a positive integer, got {value}")
    precheck(experiment, preset, seed, sets)
    if resume and not overwrite and not out.exists():
        raise CommandError(f"--resume: {out} does not exist; there is nothing to resume")
    threads = _check_threads(threads)
    module, preset, config, overrides = resolve_config(experiment, preset, seed, sets)
    check_devices(module, accelerator, devices, strategy, experiment, config)

    from .training.session import RunOptions, is_main_process

    main_process = is_main_process()
    lock = RunLock(out)
    if main_process:
        previous = _check_out(out, experiment, resume=resume, overwrite=overwrite)
        if resume:
            _check_resume(out, previous, preset, config)
        try:
            lock.acquire()
        except FileExistsError:
            pid, host = lock.holder() or ("?", "")
            raise CommandError(f"--out {out}: its run is running (pid {pid}); wait for it, stop it, or choose another --out") from None
        except OSError as exc:
            raise CommandError(f"--out {out}: cannot write {LOCK_NAME} ({exc.strerror})") from None
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
    try:
        return _run_locked(module, config, record, options, sets, main_process)
    finally:
        lock.release()


def _run_locked(module, config, record: dict, options, sets, main_process: bool) -> dict:
    """The run proper, once the folder is checked and locked: write ``record`` as the run
    goes (``running``, then ``complete``, ``interrupted`` or ``failed``) and the results."""
    from .training.session import merge_metrics, run_session

    experiment, preset, seed, out = record["experiment"], record["preset"], config.seed, options.out
    import torch

    torch.set_num_threads(record["options"]["threads"])
    if main_process:
        try:
            if not options.resume:
                import shutil

                for name in OUTPUTS:
                    path = out / name
                    if path.is_dir():
                        shutil.rmtree(path)
                    else:
                        path.unlink(missing_ok=True)
            _write_config(out, record)
        except OSError as exc:
            raise CommandError(f"--out {out}: cannot write config.json ({exc.strerror}); nothing was run") from None

    start = time.perf_counter()
    try:
        with run_session(options) as session:
            try:
                result = module.run(config)
            finally:
                if main_process:
                    _merge_metrics_warning_lines(merge_metrics, session.fit_dirs, out / "metrics.csv")
        seconds = time.perf_counter() - start
        if not main_process:
            return record
        import io

        import numpy as np

        from .results import flatten_result

        buffer = io.BytesIO()
        np.savez(buffer, **flatten_result(result))
        write_atomic(out / "result.npz", buffer.getvalue())
        fig = module.plot(result)
        footer = f"nndyn {experiment} · preset {preset} · seed {seed}"
        if sets:
            footer += " · " + " ".join(f"{k}={v}" for k, v in _set_texts(sets).items())
        _footer(fig, footer)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(fig)
        write_atomic(out / "figure.png", buffer.getvalue())
        record.update(status="complete", seconds=round(seconds, 3))
        _write_config(out, record)
        (out / "error.txt").unlink(missing_ok=True)  # of an earlier, failed segment of this run
    except BaseException as exc:
        if main_process:
            _Signals.shield = True
            exc.nndyn_written = _record_end(out, record, exc)
        raise
    return record


def _merge_metrics_warning_lines(merge_metrics, fit_dirs, target: Path) -> None:
    """:func:`~nndyn.training.session.merge_metrics`, with each of its warnings as one line on stderr."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        merge_metrics(fit_dirs, target)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)


def one_line(exc: BaseException) -> str:
    """``exc`` as one line: its type and the first line of its message."""
    if isinstance(exc, KeyboardInterrupt):
        return "KeyboardInterrupt"
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0] if message else ''}".rstrip(": ")


def continue_command(args, out: Path) -> str:
    """The exact command that continues an interrupted run (without ``--max-steps``), started
    the way that works here (:func:`program`)."""
    parts = [*program(), "run", args.experiment, "--out", str(out), "--resume"]
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m nndyn`` (no torch import)."""
    parser, _ = _parsers()
    return parser


def _parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser and its sub-parsers by command (each prints its own usage on an error)."""
    parser = argparse.ArgumentParser(
        prog="python -m nndyn",
        description="Rerun the experiments of the book. Presets: --preset, else NNDYN_PRESET, else full.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    commands = {"list": sub.add_parser("list", help="every experiment with its chapter and title")}
    preset_help = f"one of {', '.join(PRESETS)} (default: $NNDYN_PRESET, else full)"
    set_help = "change a parameter of the experiment's Config, e.g. --set lr=0.1 --set dims=5,10 (repeatable)"
    show = commands["show"] = sub.add_parser("show", help="the parameters of one experiment, with their descriptions")
    show.add_argument("experiment")
    show.add_argument("--preset", default=None, help=preset_help)
    show.add_argument("--seed", type=int, default=0)
    show.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=set_help)
    run = commands["run"] = sub.add_parser("run", help="run one experiment and write its results")
    run.add_argument("experiment")
    run.add_argument("--preset", default=None, help=preset_help)
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help=set_help)
    run.add_argument("--out", type=_out_folder, default=None, help="output folder (default runs/EXPERIMENT)")
    run.add_argument("--overwrite", action="store_true", help="replace the run (finished or not) that --out holds")
    run.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    run.add_argument("--accelerator", choices=("auto", "cpu", "gpu"), default=None,
                     help="Lightning accelerator (default: the experiment's choice, CPU except the lecture preset)")
    run.add_argument("--devices", type=int, default=None, help="devices for data-parallel experiments (parity_sgd)")
    run.add_argument("--strategy", default=None, help="Lightning strategy for --devices, e.g. ddp (needs --devices)")
    run.add_argument("--max-steps", type=int, default=None, help="stop after this many optimisation steps in all")
    run.add_argument("--checkpoint-every", type=int, default=100, help="Lightning steps between checkpoints")
    run.add_argument("--threads", type=int, default=None,
                     help=f"torch threads (default: the cores available, at most {MAX_DEFAULT_THREADS}, here {default_threads()}; "
                          "more than the cores available are capped)")
    return parser, commands


def _stopped_message(args, out: Path, exc: BaseException) -> str:
    """The one line printed when a signal (or Ctrl-C) stopped ``run``."""
    written = getattr(exc, "nndyn_written", None)
    what = f"{args.experiment}: stopped by {_signal_name()}"
    if written is None:
        line = f"{what} before the run started; nothing was written"
        return line + (f". Continue with: {continue_command(args, out)}" if args.resume else "")
    if not written["record"]:
        return f"{what}, but {out / 'config.json'} could not be marked interrupted ({written['why']})"
    return f"{what}; run marked interrupted in {out}. Continue with: {continue_command(args, out)}"


def _import_what_a_run_needs(experiment: str) -> None:
    """Import torch, matplotlib, Lightning and the experiment before :func:`main` installs its
    handler, while the start-up one of :mod:`nndyn._startup` is still in place: a signal during
    these imports then ends the process at once with one line (status 130 or 143, nothing
    written). torch runs Python code from C++ while it imports, and a KeyboardInterrupt raised
    there escapes as a C++ exception that aborts the interpreter ("terminate called after
    throwing an instance of 'pybind11::error_already_set'", seen when Ctrl-C came 2 s after
    the start on a loaded machine). An unknown experiment is reported later, as before."""
    import torch  # noqa: F401

    from . import plotting  # noqa: F401  (matplotlib)
    from .training import session  # noqa: F401  (Lightning, which every run imports)

    try:
        _module(experiment)
    except (CommandError, ImportError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``nndyn`` and ``python -m nndyn``; returns the exit status.

    0 for success (and after ``--max-steps``), 1 for a failure during a run, 2 for a user
    error, 130 after Ctrl-C (SIGINT), 143 after SIGTERM.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``), e.g. ``["run", "parity_sgd", "--preset", "quick"]``.
    """
    parser, commands = _parsers()
    args, extra = parser.parse_known_args(argv)
    if extra:
        commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    _Signals.received, _Signals.shield = None, False
    if args.command == "run":
        try:
            precheck(args.experiment, args.preset, args.seed, args.set)
        except Exception:  # a bad option: reported by _main at once, without torch
            pass
        else:
            _import_what_a_run_needs(args.experiment)
    previous = {}
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(signum) is not signal.SIG_IGN:  # ignored by the caller (nohup, a background job)
                previous[signum] = signal.signal(signum, _on_signal)
    except ValueError:  # not the main thread: no handlers (a stop then comes as KeyboardInterrupt)
        pass
    try:
        return _main(args)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def command() -> None:
    """The ``nndyn`` script and ``python -m nndyn``: :func:`main`, then exit with its status.

    After a signal the process ends with ``os._exit``: a KeyboardInterrupt raised while torch
    was importing (torch runs Python code from C there) marks it "unhandled" for CPython,
    which would then replace the status 130 by death by SIGINT (-2), although the
    interruption was handled and reported in one line.
    """
    status = main()
    if _Signals.received is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


def _main(args) -> int:
    out = (args.out or Path("runs") / args.experiment) if args.command == "run" else None
    try:
        if args.command == "list":
            list_experiments()
            return 0
        if args.command == "show":
            show(args.experiment, args.preset, args.seed, args.set)
            return 0
        record = run_experiment(
            args.experiment, args.preset, args.seed, out, sets=args.set,
            accelerator=args.accelerator, devices=args.devices, strategy=args.strategy,
            max_steps=args.max_steps, checkpoint_every=args.checkpoint_every, resume=args.resume,
            overwrite=args.overwrite, threads=args.threads, progress_bar=sys.stderr.isatty(),
        )
        from .training.session import is_main_process

        if is_main_process():
            print(f"{args.experiment} ({record['preset']}) ran in {record['seconds']:.1f} s; results in {out}")
        return 0
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, SystemExit) as exc:
        _Signals.shield = True
        if isinstance(exc, SystemExit) and not _Signals.received:
            raise
        if args.command != "run":
            print(f"{args.command}: stopped by {_signal_name()}", file=sys.stderr)
        elif _is_main():
            print(_stopped_message(args, out, exc), file=sys.stderr)
        return 128 + (_Signals.received or signal.SIGINT)
    except Exception as exc:  # noqa: BLE001  (one line for the user; the traceback is in error.txt)
        from .training.session import RunInterrupted

        if isinstance(exc, RunInterrupted):
            by_signal = not exc.reason.startswith("--max-steps")
            if _is_main():
                line = (f"{args.experiment}: {exc}; run marked interrupted, checkpoints in {out / 'fits'}. "
                        f"Continue with: {continue_command(args, out)}")
                written = getattr(exc, "nndyn_written", None)
                if written is not None and not written["record"]:
                    line = (f"{args.experiment}: {exc}; checkpoints in {out / 'fits'}, but config.json could not be "
                            f"marked interrupted ({written['why']}). Continue with: {continue_command(args, out)}")
                print(line, file=sys.stderr if by_signal else sys.stdout)
            return 128 + (_Signals.received or signal.SIGINT) if by_signal else 0
        if args.command == "run" and _is_main():
            print(f"error: {args.experiment} failed: {one_line(exc)} ({_failure_note(out, exc)})", file=sys.stderr)
        else:
            print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1


def _is_main() -> bool:
    return os.environ.get("LOCAL_RANK", "0") == "0" and os.environ.get("NODE_RANK", "0") == "0"


def _failure_note(out: Path, exc: BaseException) -> str:
    """What the folder says about a failure: only what could be written."""
    written = getattr(exc, "nndyn_written", None)
    if written is None:
        return "nothing was written"
    if written["record"] and written["error"]:
        return f"run marked failed; traceback in {out / 'error.txt'}"
    if written["record"]:
        return f"run marked failed; the traceback could not be written ({written['why']})"
    return f"neither config.json nor error.txt could be written in {out}: {written['why']}"
