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
from nndyn.experiments.catalog import catalog

FAST = "cosine_gradient_information"
ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nndyn", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_catalog_matches_the_registry():
    """``list`` and ``--help`` read the catalog from the modules' sources (no torch import):
    it names every experiment, in the registry's order, with the module's own title and chapter."""
    table = {name: (m.CHAPTER, m.TITLE, bool(getattr(m, "DISTRIBUTED", False))) for name, m in registry().items()}
    derived = catalog()
    assert derived == table
    assert list(derived) == list(table)


def test_a_new_experiment_module_is_in_the_catalog_with_no_line_elsewhere(tmp_path):
    """The catalog is derived: a module file with literal TITLE and CHAPTER is listed, in
    chapter order; helpers without them are not; a computed TITLE is an error that says why."""
    from nndyn.experiments.catalog import catalog as read

    (tmp_path / "edge_of_stability.py").write_text(
        '"""Chapter 1: gradient descent above 2/L."""\nimport torch\nTITLE = "Edge of stability"\nCHAPTER = 1\n')
    (tmp_path / "late.py").write_text('TITLE: str = "Late"\nCHAPTER = 9\nDISTRIBUTED = True\n')
    (tmp_path / "helpers.py").write_text("X = 1\n")
    (tmp_path / "_private.py").write_text('TITLE = "no"\nCHAPTER = 1\n')
    assert read(tmp_path) == {"edge_of_stability": (1, "Edge of stability", False), "late": (9, "Late", True)}
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "computed.py").write_text('TITLE = "a" + str(1)\nCHAPTER = 1\n')
    with pytest.raises(ValueError, match="computed: TITLE must be a string literal"):
        read(bad)


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
    assert project["scripts"]["nndyn"] == "nndyn.cli:command"
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
    (["run", FAST, "--resume"], "there is nothing to resume"),  # and the folder is not created
    (["show", FAST, "--set", "bogus=1"], "unknown parameter 'bogus'"),
    (["show", "no_such_experiment"], "unknown experiment"),
]
if not torch.cuda.is_available():
    CLI_ERRORS.append((["run", FAST, "--accelerator", "gpu"], "no GPU is available"))
    CLI_ERRORS.append((["run", "parity_sgd", "--set", "accelerator=gpu"], "no GPU is available"))


@pytest.mark.parametrize("args, fragment", CLI_ERRORS, ids=[" ".join(a[2:]) or a[1] for a, _ in CLI_ERRORS])
def test_errors_are_one_line_with_exit_code_2_and_write_nothing(args, fragment, tmp_path, capsys):
    out = tmp_path / "out"
    status = main([*args, "--out", str(out)] if args[0] == "run" else args)
    err = capsys.readouterr().err
    assert status == 2 and fragment in err, err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert not out.exists()


def test_an_empty_out_is_refused_not_read_as_the_current_folder(tmp_path):
    proc = run_cli("run", FAST, "--preset", "quick", "--out", "", cwd=tmp_path)
    assert proc.returncode == 2 and "--out: empty folder name" in proc.stderr, proc.stderr
    assert "nndyn run" in proc.stderr  # run's usage, not the top-level one
    assert list(tmp_path.iterdir()) == []


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
    assert printed.count("\n") == 1
    command = printed.split("Continue with:")[1].strip()
    assert "--max-steps" not in command and "--resume" in command and "net_steps=200" in command
    assert json.loads((out / "config.json").read_text())["status"] == "interrupted"
    argv = shlex.split(command)
    start = cli.program()
    assert argv[:len(start)] == start  # this interpreter (or the nndyn beside it), not whatever `python` is
    assert main(argv[len(start):]) == 0
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


# ------------------------------------------------------------------ options

def test_config_errors_are_found_before_torch_is_imported(tmp_path):
    """A bad --set or preset is a one-line error at once: torch (seconds to import on a slow
    machine) is not imported before it. The experiments' Configs are made from their source."""
    code = (
        "import sys, contextlib, io\n"
        "from nndyn.cli import main\n"
        "err = io.StringIO()\n"
        "with contextlib.redirect_stderr(err):\n"
        f"    codes = [main(['run', {FAST!r}, '--set', 'targets=abc', '--out', 'x']),\n"
        "             main(['run', 'parity_sgd', '--set', 'lr=-1', '--out', 'x']),\n"
        "             main(['run', 'parity_sgd', '--preset', 'huge', '--out', 'x']),\n"
        "             main(['show', 'kernel_regime_training', '--set', 'widths=a'])]\n"
        "print(codes, 'torch' in sys.modules, 'numpy' in sys.modules)\n"
        "print(err.getvalue())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    first, *messages = proc.stdout.splitlines()
    assert first == "[2, 2, 2, 2] False False", proc.stdout
    assert "targets must be an integer" in messages[0] and "lr must be a number > 0" in messages[1]
    assert not (tmp_path / "x").exists()


def test_every_experiment_has_a_config_that_needs_no_torch():
    """The fast check above covers every experiment, and its Config is the real one's."""
    from nndyn.experiments.base import light_config
    from nndyn.presets import PRESETS

    for name, module in registry().items():
        light = light_config(name)
        assert light is not None, f"{name}: its Config cannot be made without importing the module"
        for preset in PRESETS:
            assert light.preset(preset).as_dict() == module.Config.preset(preset).as_dict(), (name, preset)


def test_unknown_options_of_run_print_the_usage_of_run(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", FAST, "--bogus"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "usage: python -m nndyn run" in err and "--bogus" in err


def test_show_prints_readable_text_not_latex(capsys):
    assert main(["show", "kernel_regime_training", "--preset", "quick"]) == 0
    out = capsys.readouterr().out
    assert "Training points on S^(d-1) and dimension." in out
    for name, module in registry().items():
        for key, text in module.Config.describe().items():
            plain = cli._plain(text)
            assert "\\" not in plain and ":math:" not in plain and "`" not in plain, (name, key, plain)


def test_more_threads_than_cores_are_capped_with_a_one_line_warning(capsys):
    cores = cli.available_cores()
    assert cli._check_threads(cores) == cores and capsys.readouterr().err == ""
    assert cli._check_threads(1000) == cores
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("warning: --threads 1000") and f"using {cores}" in err


def test_the_continue_command_names_a_program_that_works(monkeypatch, tmp_path):
    """``python`` may be another interpreter, or none: the command names this one, or the
    ``nndyn`` script of this environment when it is the one on PATH."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert cli.program() == [sys.executable, "-m", "nndyn"]
    beside = Path(sys.executable).parent
    if (beside / "nndyn").exists():
        monkeypatch.setenv("PATH", f"{beside}:{tmp_path}")
        assert cli.program() == ["nndyn"]


# ------------------------------------------------------------------ two processes, damaged folders, the disk

def fast_record(status: str = "interrupted") -> dict:
    """The config.json of a quick run of FAST, as the command line writes it."""
    config = registry()[FAST].Config.preset("quick")
    return {"experiment": FAST, "preset": "quick", "parameters": json.loads(json.dumps(config.as_dict())),
            "overrides": {}, "options": {}, "status": status}


def test_a_live_run_holds_its_folder_and_a_stale_lock_is_recognised(tmp_path, capsys):
    import os
    import socket

    out = tmp_path / "live"
    out.mkdir()
    (out / "config.json").write_text(json.dumps(fast_record("running")))
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        (out / "run.lock").write_text(json.dumps({"pid": other.pid, "host": socket.gethostname()}))
        for extra in (["--resume"], [], ["--overwrite"]):
            assert main(["run", FAST, "--preset", "quick", "--out", str(out), *extra]) == 2
            err = capsys.readouterr().err
            assert f"running (pid {other.pid})" in err and err.count("\n") == 1, (extra, err)
    finally:
        other.kill()
        other.wait()
    # that process is gone: the lock is stale, the run counts as interrupted and continues
    assert main(["run", FAST, "--preset", "quick", "--out", str(out)]) == 2
    assert "interrupted run" in capsys.readouterr().err
    assert main(["run", FAST, "--preset", "quick", "--out", str(out), "--resume", "--threads", "1"]) == 0
    assert json.loads((out / "config.json").read_text())["status"] == "complete"
    assert not (out / "run.lock").exists() and os.getpid() != other.pid


@pytest.mark.parametrize("damage", ["empty", "cut short", "not a record"])
def test_a_damaged_config_json_is_named_in_one_line(damage, tmp_path, capsys):
    out = tmp_path / "damaged"
    out.mkdir()
    text = {"empty": "", "cut short": json.dumps(fast_record())[:40], "not a record": "[1, 2]"}[damage]
    (out / "config.json").write_text(text)
    for extra in ([], ["--resume"]):
        assert main(["run", FAST, "--preset", "quick", "--out", str(out), *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"{out / 'config.json'} is damaged" in err and "--overwrite" in err, err
    assert (out / "config.json").read_text() == text


def test_a_damaged_checkpoint_is_named_before_resume_trains(tmp_path, capsys):
    out = tmp_path / "half"
    (out / "fits" / "000").mkdir(parents=True)
    (out / "config.json").write_text(json.dumps(fast_record()))
    checkpoint = out / "fits" / "000" / "last.ckpt"
    checkpoint.write_bytes(b"PK\x03\x04 half a checkpoint")
    assert main(["run", FAST, "--preset", "quick", "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{checkpoint} is damaged" in err and "--overwrite" in err, err
    assert json.loads((out / "config.json").read_text())["status"] == "interrupted"


def test_an_unreadable_log_row_is_skipped_with_a_warning(tmp_path):
    from nndyn.training.session import MetricsRowSkipped, merge_metrics

    log = tmp_path / "fits" / "000" / "logs" / "version_0"
    log.mkdir(parents=True)
    (log / "metrics.csv").write_text("step,train_risk\n0,0.5\n1,0.25\n2,0.1\nx,0.3\n3,0.0\n4,0.0,7\n5,0.0")
    with pytest.warns(MetricsRowSkipped) as caught:
        rows = merge_metrics([tmp_path / "fits" / "000"], tmp_path / "metrics.csv")
    assert rows == 5  # "x" and the row with one field too many are left out, each with a warning
    assert ["line 5" in str(w.message) for w in caught] == [True, False] and "line 7" in str(caught[1].message)
    assert (tmp_path / "metrics.csv").read_text().splitlines()[1:3] == ["0,0,0.5", "0,1,0.25"]


def test_config_json_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    import errno
    import os

    out = tmp_path / "atomic"
    out.mkdir()
    cli._write_config(out, fast_record())
    before = (out / "config.json").read_text()

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        cli._write_config(out, fast_record("complete"))
    assert (out / "config.json").read_text() == before
    assert sorted(p.name for p in out.iterdir()) == ["config.json"]


@pytest.mark.parametrize("writes_before_the_disk_fills", [0, 1])
def test_a_full_disk_message_says_what_was_written(writes_before_the_disk_fills, tmp_path, capsys, monkeypatch):
    import errno
    import os

    def broken(config):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(registry()[FAST], "run", broken)
    calls = []

    def filling(real):
        def write(*args, **kwargs):
            calls.append(args)
            if len(calls) > writes_before_the_disk_fills:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(*args, **kwargs)
        return write

    monkeypatch.setattr(Path, "write_text", filling(Path.write_text))
    if hasattr(cli, "write_atomic"):  # (before issue 22 the command line wrote with Path.write_text)
        monkeypatch.setattr(cli, "write_atomic", filling(cli.write_atomic))
    out = tmp_path / "full"
    status = main(["run", FAST, "--preset", "quick", "--out", str(out)])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err, err
    assert "traceback in" not in err and "marked failed" not in err  # neither could be written
    assert not (out / "error.txt").exists()
    if writes_before_the_disk_fills == 0:
        assert status == 2 and "nothing was run" in err
    else:
        assert status == 1 and "could be written" in err


def test_a_successful_resume_removes_the_error_txt_of_a_failed_segment(tmp_path, monkeypatch):
    module = registry()[FAST]
    out = tmp_path / "again"
    real = module.run

    def broken(config):
        raise RuntimeError("the machine fell over")

    monkeypatch.setattr(module, "run", broken)
    assert main(["run", FAST, "--preset", "quick", "--out", str(out), "--threads", "1"]) == 1
    assert (out / "error.txt").exists()
    monkeypatch.setattr(module, "run", real)
    assert main(["run", FAST, "--preset", "quick", "--out", str(out), "--resume", "--threads", "1"]) == 0
    assert json.loads((out / "config.json").read_text())["status"] == "complete"
    assert not (out / "error.txt").exists()
