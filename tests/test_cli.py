"""The command line: python -m nndyn list / show / run (and the console script nndyn)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import torch

from nndyn import cli
from nndyn.cli import command_line, main
from nndyn.experiments import registry
from nndyn.experiments.catalog import CATALOG

FAST = "cosine_gradient_information"
ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nndyn", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_catalog_matches_the_registry():
    """``list`` and ``--help`` read a static table (no torch import): it must name every experiment."""
    table = {name: (m.CHAPTER, m.TITLE, bool(getattr(m, "DISTRIBUTED", False))) for name, m in registry().items()}
    assert CATALOG == table, "update nndyn/experiments/catalog.py"
    assert list(CATALOG) == list(table)


def test_list_and_help_do_not_import_torch(tmp_path):
    code = (
        "import sys, contextlib, io\n"
        "from nndyn.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    assert main(['list']) == 0\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
        "    try:\n        main(['run', '--help'])\n    except SystemExit:\n        pass\n"
        "assert 'parity_sgd' in out.getvalue() and '--overwrite' in out.getvalue()\n"
        "print(sorted(m for m in ('torch', 'numpy', 'pytorch_lightning') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_list_shows_every_experiment(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in registry():
        assert name in out
    assert "show EXPERIMENT" in out


def test_console_script_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["nndyn"] == "nndyn.cli:main"
    assert "version" in project["dynamic"]


def test_show_prints_the_resolved_configuration_with_descriptions(capsys, monkeypatch):
    monkeypatch.setenv("NNDYN_PRESET", "quick")
    assert main(["show", "kernel_regime_training", "--set", "lr_scale=40", "--set", "widths=100,300"]) == 0
    out = capsys.readouterr().out
    assert "preset quick" in out  # NNDYN_PRESET is honoured
    assert "lr_scale     = 40.0 *" in out and "widths       = 100,300 *" in out
    assert "The learning rate is lr_scale / m." in out  # the description, from the Config docstring
    assert "steps        = 500" in out  # the quick preset's value
    assert main(["show", "kernel_regime_training", "--preset", "full"]) == 0
    assert "preset full" in capsys.readouterr().out  # --preset wins over NNDYN_PRESET


CLI_ERRORS = [
    # (arguments, message fragment); each exits with 2, prints one line and writes nothing
    (["run", "no_such_experiment"], "unknown experiment"),
    (["run", FAST, "--seed", "-1"], "--seed must be a non-negative integer"),
    (["run", FAST, "--preset", "huge"], "unknown preset 'huge'"),
    (["run", FAST, "--set", "targets"], "write KEY=VALUE"),
    (["run", FAST, "--set", "bogus=1"], "unknown parameter 'bogus'"),
    (["run", FAST, "--set", "targets=abc"], "targets must be an integer"),
    (["run", FAST, "--set", "targets=0"], "targets must be a positive integer"),
    (["run", FAST, "--set", "radii="], "radii must be a non-empty tuple"),
    (["run", FAST, "--set", "seed=3"], "use --seed"),
    (["run", "parity_sgd", "--set", "init=xavier"], "init must be one of"),
    (["run", "parity_sgd", "--strategy", "bogus", "--devices", "2"], "unknown --strategy 'bogus'"),
    (["run", "parity_sgd", "--strategy", "ddp"], "--strategy ddp needs --devices N"),
    (["run", FAST, "--devices", "2"], "runs on one device"),
    (["run", FAST, "--max-steps", "0"], "--max-steps must be a positive integer"),
    (["run", FAST, "--threads", "0"], "--threads must be a positive integer"),
    (["run", FAST, "--resume", "--overwrite"], "exclude each other"),
    (["show", FAST, "--set", "bogus=1"], "unknown parameter 'bogus'"),
    (["show", "no_such_experiment"], "unknown experiment"),
]
if not torch.cuda.is_available():
    CLI_ERRORS.append((["run", FAST, "--accelerator", "gpu"], "no GPU is available"))


@pytest.mark.parametrize("args, fragment", CLI_ERRORS, ids=[" ".join(a[2:]) or a[1] for a, _ in CLI_ERRORS])
def test_errors_are_one_line_with_exit_code_2_and_write_nothing(args, fragment, tmp_path, capsys):
    out = tmp_path / "out"
    status = main([*args, "--out", str(out)] if args[0] == "run" else args)
    err = capsys.readouterr().err
    assert status == 2 and fragment in err, err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert not out.exists()


def test_unknown_preset_in_the_environment_is_an_error(tmp_path):
    env = {**__import__("os").environ, "NNDYN_PRESET": "bogus"}
    proc = run_cli("run", FAST, "--out", str(tmp_path / "x"), cwd=tmp_path, env=env)
    assert proc.returncode == 2 and "NNDYN_PRESET='bogus'" in proc.stderr
    assert not (tmp_path / "x").exists()


def test_run_writes_config_arrays_and_figure_independently_of_the_working_directory(tmp_path):
    out_a, out_b = tmp_path / "a", tmp_path / "b"
    (tmp_path / "elsewhere").mkdir()
    assert main(["run", FAST, "--preset", "quick", "--out", str(out_a)]) == 0
    proc = run_cli("run", FAST, "--preset", "quick", "--out", str(out_b), "--threads", "1", cwd=tmp_path / "elsewhere")
    assert proc.returncode == 0, proc.stderr
    config = json.loads((out_a / "config.json").read_text())
    assert config["experiment"] == FAST and config["preset"] == "quick" and config["parameters"]["seed"] == 0
    assert config["status"] == "complete" and config["options"]["threads"] >= 1
    assert json.loads((out_b / "config.json").read_text())["options"]["threads"] == 1
    assert (out_a / "figure.png").stat().st_size > 1000
    a, b = np.load(out_a / "result.npz"), np.load(out_b / "result.npz")
    assert a.files and sorted(a.files) == sorted(b.files)
    for key in a.files:
        assert np.array_equal(a[key], b[key]), key


def test_a_finished_run_is_never_replaced_without_overwrite(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    monkeypatch.setenv("NNDYN_PRESET", "quick")
    assert main(["run", FAST, "--out", str(out), "--set", "targets=4"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["preset"] == "quick"  # NNDYN_PRESET is honoured by the command line
    assert config["parameters"]["targets"] == 4 and config["overrides"] == {"targets": "4"}
    before = {name: (out / name).read_bytes() for name in ("figure.png", "result.npz", "metrics.csv", "config.json")}
    capsys.readouterr()
    assert main(["run", FAST, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "finished run" in err and "--overwrite" in err and err.count("\n") == 1
    assert {name: (out / name).read_bytes() for name in before} == before
    assert main(["run", FAST, "--out", str(out), "--resume", "--set", "targets=4"]) == 2
    assert "already complete" in capsys.readouterr().err
    # an interrupted run: refused without --resume; --resume with other settings refused
    config["status"] = "interrupted"
    (out / "config.json").write_text(json.dumps(config))
    assert main(["run", FAST, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "interrupted run" in err and "--resume" in err and "--overwrite" in err
    assert main(["run", FAST, "--out", str(out), "--resume"]) == 2
    assert "differs in targets" in capsys.readouterr().err
    assert main(["run", FAST, "--out", str(out), "--resume", "--set", "targets=4"]) == 0
    assert json.loads((out / "config.json").read_text())["status"] == "complete"
    assert main(["run", FAST, "--out", str(out), "--overwrite"]) == 0
    assert json.loads((out / "config.json").read_text())["parameters"]["targets"] != 4


def test_a_folder_with_stray_results_is_refused(tmp_path, capsys):
    out = tmp_path / "stray"
    out.mkdir()
    (out / "result.npz").write_bytes(b"precious")
    assert main(["run", FAST, "--preset", "quick", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "result.npz").read_bytes() == b"precious"


def test_other_experiments_folder_and_non_folders_are_refused(tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"experiment": "parity_sgd", "status": "complete"}))
    assert main(["run", FAST, "--preset", "quick", "--out", str(other)]) == 2
    assert json.loads((other / "config.json").read_text())["experiment"] == "parity_sgd"
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["run", FAST, "--preset", "quick", "--out", str(blocker)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_a_failure_during_the_run_marks_the_folder_failed(tmp_path, capsys, monkeypatch):
    module = registry()[FAST]

    def broken(config):
        raise RuntimeError("boom: the experiment broke\nsecond line")

    monkeypatch.setattr(module, "run", broken)
    out = tmp_path / "failed"
    assert main(["run", FAST, "--preset", "quick", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError: boom: the experiment broke" in err
    config = json.loads((out / "config.json").read_text())
    assert config["status"] == "failed" and config["reason"] == "RuntimeError: boom: the experiment broke"
    assert "Traceback" in (out / "error.txt").read_text()
    assert main(["run", FAST, "--preset", "quick", "--out", str(out)]) == 2
    assert "failed run" in capsys.readouterr().err


def test_max_steps_prints_the_exact_command_that_finishes_the_run(tmp_path, capsys, monkeypatch):
    out = tmp_path / "half"
    monkeypatch.chdir(tmp_path)
    assert main(["run", "classical_bounds", "--preset", "quick", "--out", str(out), "--max-steps", "20",
                 "--set", "net_steps=200", "--set", "lsq_steps=200"]) == 0
    printed = capsys.readouterr().out
    command = printed.split("Continue with:")[1].strip()
    assert "--max-steps" not in command and "--resume" in command and "net_steps=200" in command
    assert json.loads((out / "config.json").read_text())["status"] == "interrupted"
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "nndyn"]
    assert main(argv[3:]) == 0
    assert json.loads((out / "config.json").read_text())["status"] == "complete"


def test_command_line_for_the_reproduce_page():
    assert command_line("parity_sgd", "full") == "python -m nndyn run parity_sgd"
    assert command_line("parity_sgd", "quick", seed=3) == "python -m nndyn run parity_sgd --preset quick --seed 3"
    assert command_line("parity_sgd", "quick", overrides={"lr": "0.1"}) == "python -m nndyn run parity_sgd --preset quick --set lr=0.1"


def test_default_threads_is_capped_and_follows_omp_num_threads(monkeypatch):
    assert 1 <= cli.default_threads() <= cli.MAX_DEFAULT_THREADS
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert cli.default_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "64")
    assert cli.default_threads() == cli.MAX_DEFAULT_THREADS
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    assert 1 <= cli.default_threads() <= cli.MAX_DEFAULT_THREADS
