"""Checkpoints and --resume: an interrupted and resumed run equals an uninterrupted one, bitwise on CPU."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time

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


def run_cli(*args: str, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nndyn", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


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
    assert "signal SIGINT" in out and not (parts / "result.npz").exists()
    resumed = run_cli(*args, "--out", str(parts), "--resume", cwd=tmp_path)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    assert_same_run(whole, parts)


def test_resume_errors(tmp_path, capsys):
    fresh = tmp_path / "fresh"
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
