"""The command line: python -m nndyn list / run."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from nndyn.cli import command_line, main
from nndyn.experiments import registry

FAST = "cosine_gradient_information"


def run_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nndyn", *args], cwd=cwd, capture_output=True, text=True)


def test_list_shows_every_experiment_and_preset(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in registry():
        assert name in out
    assert out.count("quick") >= len(registry())


def test_run_writes_config_arrays_and_figure_independently_of_the_working_directory(tmp_path):
    out_a, out_b = tmp_path / "a", tmp_path / "b"
    (tmp_path / "elsewhere").mkdir()
    assert main(["run", FAST, "--preset", "quick", "--out", str(out_a)]) == 0
    proc = run_cli("run", FAST, "--preset", "quick", "--out", str(out_b), cwd=tmp_path / "elsewhere")
    assert proc.returncode == 0, proc.stderr
    config = json.loads((out_a / "config.json").read_text())
    assert config["experiment"] == FAST and config["preset"] == "quick" and config["parameters"]["seed"] == 0
    assert (out_a / "figure.png").stat().st_size > 1000
    a, b = np.load(out_a / "result.npz"), np.load(out_b / "result.npz")
    assert a.files and sorted(a.files) == sorted(b.files)
    for key in a.files:
        assert np.array_equal(a[key], b[key]), key


def test_errors_are_one_line_with_exit_code_2_and_overwrite_nothing(tmp_path, capsys):
    assert main(["run", "no_such_experiment", "--out", str(tmp_path / "x")]) == 2
    assert "unknown experiment" in capsys.readouterr().err
    assert main(["run", FAST, "--seed", "-1", "--out", str(tmp_path / "y")]) == 2
    assert "--seed" in capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"experiment": "parity_sgd"}))
    assert main(["run", FAST, "--preset", "quick", "--out", str(other)]) == 2
    assert json.loads((other / "config.json").read_text())["experiment"] == "parity_sgd"
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["run", FAST, "--preset", "quick", "--out", str(blocker)]) == 2
    proc = run_cli("run", FAST, "--preset", "huge", cwd=tmp_path)
    assert proc.returncode == 2


def test_command_line_for_the_reproduce_page():
    assert command_line("parity_sgd", "full") == "python -m nndyn run parity_sgd"
    assert command_line("parity_sgd", "quick", seed=3) == "python -m nndyn run parity_sgd --preset quick --seed 3"
