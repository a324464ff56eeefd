"""Presets and the experiment contract."""

import re

import pytest

from nndyn import current_preset
from nndyn.experiments import registry
from nndyn.presets import PRESETS


def test_default_and_explicit_presets(monkeypatch):
    monkeypatch.delenv("NNDYN_PRESET", raising=False)
    assert current_preset() == "full"
    for name in PRESETS:
        monkeypatch.setenv("NNDYN_PRESET", name)
        assert current_preset() == name


def test_unknown_preset_is_an_error(monkeypatch):
    monkeypatch.setenv("NNDYN_PRESET", "huge")
    with pytest.raises(ValueError, match="NNDYN_PRESET"):
        current_preset()


# The experiment contract (TITLE, CHAPTER, Config, presets, bad input, run and plot) is
# checked for every experiment by nndyn.experiments.conformance (tests/test_conformance.py).


def test_the_reproduce_page_has_a_measured_run_time_for_every_experiment_and_preset():
    """The package's ``experiment_times.json`` is measured again when an experiment is added:
    the "Reproduce" page would otherwise show "n/a" for it."""
    from nndyn.reproduce import experiments_table, measured_times, timings_note

    times = measured_times()
    for name in registry():
        assert {"quick", "full"} <= set(times.get(name, {})), (
            f"{name} has no measured run time: run `.venv/bin/python benchmarks/time_experiments.py --only {name}` "
            "(times it alone and adds its row to code/nndyn/experiment_times.json, the package's timings)")
        assert all(t > 0 for t in times[name].values()), name
    table = experiments_table()
    assert "n/a" not in table
    assert not re.search(r"\d s\b", table), "a run time whose unit can break from its number"
    note = timings_note()
    assert "not measured" not in note
    assert " on 20" in note and "thread" in note, note  # the date and the thread count are given


def test_the_timings_are_package_data_shipped_with_nndyn():
    """The run times live in the package (read with importlib.resources, not a path into the
    repository) and pyproject.toml ships them in the wheel and the sdist."""
    import tomllib
    from importlib import resources
    from pathlib import Path

    from nndyn import reproduce

    root = Path(__file__).resolve().parents[1]
    assert resources.files("nndyn").joinpath(reproduce.TIMINGS_NAME).is_file()
    config = tomllib.loads((root / "pyproject.toml").read_text())
    assert reproduce.TIMINGS_NAME in config["tool"]["setuptools"]["package-data"]["nndyn"]
    assert not (root / "benchmarks" / reproduce.TIMINGS_NAME).exists(), "one timings file, in the package"
