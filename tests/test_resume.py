"""Checkpoints and --resume: an interrupted and resumed run equals an uninterrupted one, bitwise on CPU."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import RESUMABLE, shared_run_group, thread_args
from nndyn.cli import main
from nndyn.experiments import registry

TIMING_FIELDS = ("seconds",)


def saved_arrays(out) -> dict[str, np.ndarray]:
    with np.load(out / "result.npz") as data:
        return {k: data[k] for k in data.files if k.split(".")[-1] not in TIMING_FIELDS}


def assert_same_run(a, b) -> None:
    first, second = saved_arrays(a), saved_arrays(b)
    assert first and first.keys() == second.keys()
    for key in first:
        assert np.array_equal(first[key], second[key], equal_nan=first[key].dtype.kind == "f"), key
    assert (a / "metrics.csv").read_text() == (b / "metrics.csv").read_text()


def metric_rows(out) -> list[dict[str, str]]:
    with (out / "metrics.csv").open(newline="") as file:
        return list(csv.DictReader(file))


# One experiment of each kind of training: online SGD (several fits), full-batch GD with
# probes, several GD fits in a row, GD with the path-norm penalty (its own module), and a
# training of the kernel chapters. Every experiment that trains goes through the same
# `nndyn.training.session.fit`.
# (RESUMABLE, in tests/conftest.py, with the uninterrupted runs the tests share.)


def test_the_resume_cases_cover_every_kind_of_training():
    assert set(RESUMABLE) <= set(registry())


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xdist_group(shared_run_group(n))) for n in RESUMABLE])
def test_interrupted_and_resumed_run_is_bitwise_the_uninterrupted_one(name, tmp_path, capsys, quick_runs):
    whole, parts = quick_runs(name), tmp_path / "parts"
    capsys.readouterr()
    rows = metric_rows(whole)
    assert (whole / "fits").exists(), f"{name} should train through Lightning"
    steps = len({(r["fit"], r["step"]) for r in rows if any(v for k, v in r.items() if k not in ("fit", "step"))})
    assert steps > 10, "metrics.csv should hold one row per optimisation step"
    # Stop about half-way, with a checkpoint every 2 Lightning steps.
    assert main(["run", name, "--preset", "quick", "--out", str(parts), "--max-steps", str(steps // 2),
                 "--checkpoint-every", "2", *thread_args()]) == 0
    printed = capsys.readouterr().out
    assert "--resume" in printed and "--max-steps" not in printed.split("Continue with:")[1]
    assert not (parts / "result.npz").exists()
    assert json.loads((parts / "config.json").read_text())["status"] == "interrupted"
    assert main(["run", name, "--preset", "quick", "--out", str(parts), "--resume", *thread_args()]) == 0
    assert json.loads((parts / "config.json").read_text())["status"] == "complete"
    assert_same_run(whole, parts)


def _as_a_foreground_job() -> None:
    """Give the child the SIGINT of a terminal's foreground job. Run as a background job without job
    control (``make test &`` in a script), the test suite inherits SIGINT ignored, and nndyn rightly keeps
    ignoring a signal its caller ignores (as under nohup): Ctrl-C could then not be tested."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(command: list[str], cwd) -> subprocess.Popen:
    """``command`` started as from a terminal, with its output captured."""
    return subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_as_a_foreground_job)


def run_cli(*args: str, cwd) -> subprocess.Popen:
    return start([sys.executable, "-m", "nndyn", *args], cwd)


@pytest.mark.xdist_group(shared_run_group("parity_sgd"))
def test_ctrl_c_stops_with_a_checkpoint_and_resume_finishes_the_run(tmp_path, quick_runs):
    """Ctrl-C (SIGINT) on ``python -m nndyn run``, then ``--resume``: the same result and
    metrics as the uninterrupted run (the shared one, made without checkpoints every 50 steps)."""
    args = ("run", "parity_sgd", "--preset", "quick", "--checkpoint-every", "50", *thread_args())
    whole = quick_runs("parity_sgd")
    parts = tmp_path / "parts"
    proc = run_cli(*args, "--out", str(parts), cwd=tmp_path)
    target = parts / "fits" / "002" / "last.ckpt"  # the last (d = 20) training has begun
    deadline = time.monotonic() + 240
    while not target.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "signal SIGINT" in err and err.count("\n") == 1 and "Continue with:" in err and not out
    assert not (parts / "result.npz").exists() and not (parts / "run.lock").exists()
    assert json.loads((parts / "config.json").read_text())["status"] == "interrupted"
    resumed = run_cli(*args, "--out", str(parts), "--resume", cwd=tmp_path)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    assert_same_run(whole, parts)


def test_resume_errors(tmp_path, capsys):
    fresh = tmp_path / "fresh"
    assert main(["run", "parity_sgd", "--preset", "quick", "--out", str(fresh), "--resume"]) == 2
    assert "there is nothing to resume" in capsys.readouterr().err and not fresh.exists()
    fresh.mkdir()
    assert main(["run", "parity_sgd", "--preset", "quick", "--out", str(fresh), "--resume"]) == 2
    assert "no run to resume" in capsys.readouterr().err
    done = tmp_path / "done"
    assert main(["run", "cosine_gradient_information", "--preset", "quick", "--out", str(done)]) == 0
    assert main(["run", "cosine_gradient_information", "--preset", "quick", "--out", str(done), "--resume"]) == 2
    assert "already complete" in capsys.readouterr().err
    half = tmp_path / "half"
    assert main(["run", "classical_bounds", "--preset", "quick", "--out", str(half), "--max-steps", "20"]) == 0
    assert main(["run", "classical_bounds", "--preset", "full", "--out", str(half), "--resume"]) == 2
    assert "same options" in capsys.readouterr().err
    assert main(["run", "classical_bounds", "--preset", "quick", "--out", str(half), "--max-steps", "0"]) == 2
    assert main(["run", "classical_bounds", "--preset", "quick", "--out", str(half), "--devices", "2"]) == 2
    assert "one device" in capsys.readouterr().err


# ------------------------------------------------------------------ signals and hard kills

FAST = "cosine_gradient_information"

SLOW_PLOT = """
import pathlib, sys, time
import nndyn.experiments.{name} as experiment
real_plot = experiment.plot
def slow_plot(result):
    pathlib.Path(sys.argv[1]).write_text("plotting")
    time.sleep(120)
    return real_plot(result)
experiment.plot = slow_plot
from nndyn.cli import main
sys.exit(main(sys.argv[2:]))
"""


def assert_stopped_in_one_line(proc, out, err, folder, code) -> None:
    """A stopped run: exit status ``code``, one line on stderr and nothing on stdout, no
    traceback; where the folder was written, its status is interrupted and the line gives
    the command that continues it."""
    assert proc.returncode == code, (out, err)
    assert not out and err.count("\n") == 1 and "Traceback" not in err, (out, err)
    assert not (folder / "run.lock").exists()
    if (folder / "config.json").exists():
        assert json.loads((folder / "config.json").read_text())["status"] == "interrupted"
        assert "run marked interrupted" in err and "Continue with:" in err and "--resume" in err
    else:
        assert "nothing was written" in err


def wait_for_handlers(proc, seconds=60) -> None:
    """Wait until ``proc`` catches SIGTERM (Linux: ``SigCgt`` of /proc/PID/status), which
    ``nndyn`` arranges as soon as its package is imported as the command line."""
    status = Path(f"/proc/{proc.pid}/status")
    deadline = time.monotonic() + seconds
    while status.exists() and proc.poll() is None and time.monotonic() < deadline:
        caught = next((line.split()[1] for line in status.read_text().splitlines() if line.startswith("SigCgt:")), "0")
        if int(caught, 16) & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.01)


@pytest.mark.parametrize("moment", ["0.5 s", "2 s", "plotting"])
def test_ctrl_c_at_any_moment_gives_one_line_and_exit_status_130(moment, tmp_path, capsys):
    """Ctrl-C during start-up (torch half-imported: it used to segfault or print 150 lines)
    and during plotting (after the trainings); during a fit: the test above."""
    folder = tmp_path / "run"
    # at a fixed moment: an experiment that runs for seconds even on a fast machine (it must not finish first)
    name = FAST if moment == "plotting" else "classical_bounds"
    args = ["run", name, "--preset", "quick", "--out", str(folder), *thread_args()]
    if moment == "plotting":
        marker = tmp_path / "plotting"
        command = [sys.executable, "-c", SLOW_PLOT.format(name=FAST), str(marker), *args]
    else:
        command = [sys.executable, "-m", "nndyn", *args]
    proc = start(command, tmp_path)
    if moment == "plotting":
        deadline = time.monotonic() + 240
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), proc.communicate()
    else:  # the moment counts from when nndyn's code starts (Python's own start-up varies with the machine's load)
        wait_for_handlers(proc)
        time.sleep(float(moment.split()[0]))
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert_stopped_in_one_line(proc, out, err, folder, 130)
    if moment == "plotting":  # the run is continued from its record, and completes
        assert (folder / "config.json").exists()
        assert main(["run", FAST, "--preset", "quick", "--out", str(folder), "--resume", *thread_args()]) == 0
        assert json.loads((folder / "config.json").read_text())["status"] == "complete"
        assert (folder / "figure.png").exists()


def wait_for(path, proc, seconds=240) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), proc.communicate()


@pytest.mark.xdist_group(shared_run_group("classical_bounds"))
def test_sigterm_stops_like_ctrl_c_and_resume_is_bitwise_the_uninterrupted_run(tmp_path, quick_runs):
    """SIGTERM (kill, a scheduler's time limit): a checkpoint, status interrupted, the
    continue command and exit status 143 (it used to exit 0, silently, marked failed)."""
    whole, parts = quick_runs("classical_bounds"), tmp_path / "parts"
    args = ["run", "classical_bounds", "--preset", "quick", "--out", str(parts), "--checkpoint-every", "2", *thread_args()]
    proc = run_cli(*args, cwd=tmp_path)
    wait_for(parts / "fits" / "000" / "last.ckpt", proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert_stopped_in_one_line(proc, out, err, parts, 143)
    assert "signal SIGTERM" in err
    assert main([*args, "--resume"]) == 0
    assert_same_run(whole, parts)


HARD_KILL = """
import os, sys
import pytorch_lightning as pl
real_save = pl.Trainer.save_checkpoint
saved = []
def save_then_die(self, *args, **kwargs):
    real_save(self, *args, **kwargs)
    saved.append(args)
    if len(saved) == int(sys.argv[1]):
        os._exit(137)  # as kill -9: no handler, no finally, no flush
pl.Trainer.save_checkpoint = save_then_die
from nndyn.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.xdist_group(shared_run_group("classical_bounds"))
def test_a_hard_kill_loses_only_the_steps_after_the_last_checkpoint(tmp_path, quick_runs):
    """``kill -9`` just after a checkpoint: the folder still says running, its lock is
    stale, and ``--resume`` gives the uninterrupted run bitwise, metrics.csv included (the
    log rows before the checkpoint were written with it; they used to be lost)."""
    whole, parts = quick_runs("classical_bounds"), tmp_path / "parts"
    args = ["run", "classical_bounds", "--preset", "quick", "--out", str(parts), "--checkpoint-every", "7", *thread_args()]
    proc = subprocess.run([sys.executable, "-c", HARD_KILL, "3", *args], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 137, proc.stderr
    assert json.loads((parts / "config.json").read_text())["status"] == "running"
    assert main([*args, "--resume"]) == 0
    assert_same_run(whole, parts)


def test_run_imports_torch_and_lightning_before_its_signal_handler(tmp_path):
    """Ctrl-C while torch imports must meet the start-up handler (one line, status 130), never
    main's KeyboardInterrupt: raised inside torch's C++ import code, that aborted the interpreter
    ("terminate called after throwing an instance of 'pybind11::error_already_set'", 2 s after
    the start on a loaded machine). So ``run`` imports what it needs first, after the cheap checks."""
    code = (
        "import signal, sys\n"
        "import nndyn.cli as cli\n"
        "real, seen = signal.signal, []\n"
        "def spy(signum, handler):\n"
        "    if handler is cli._on_signal:\n"
        "        seen.append(all(m in sys.modules for m in ('torch', 'pytorch_lightning', 'matplotlib.pyplot')))\n"
        "    return real(signum, handler)\n"
        "signal.signal = spy\n"
        f"cli.main(['run', {FAST!r}, '--preset', 'quick', '--out', 'x', '--max-steps', '1'])\n"
        "print(seen)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.stdout.strip().splitlines()[-1] == "[True, True]", (proc.stdout, proc.stderr)
