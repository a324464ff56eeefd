"""Presets and the experiment contract."""

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
    """``benchmarks/experiment_times.json`` is measured again when an experiment is added:
    the "Reproduce" page would otherwise show "n/a" for it."""
    from nndyn.reproduce import experiments_table, measured_times, timings_note

    times = measured_times()
    for name in registry():
        assert {"quick", "full"} <= set(times.get(name, {})), (
            f"{name} has no measured run time: run `.venv/bin/python benchmarks/time_experiments.py --only {name}` "
            "(times it alone and adds its row to benchmarks/experiment_times.json)")
        assert all(t > 0 for t in times[name].values()), name
    assert "n/a" not in experiments_table()
    note = timings_note()
    assert "not measured" not in note
    assert " on 20" in note and "thread" in note, note  # the date and the thread count are given
