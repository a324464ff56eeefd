"""Every registered experiment follows the rules of :mod:`nndyn.experiments.conformance`.

One run of each experiment in the quick preset. Determinism (a second run) is left to
``tests/test_reproducibility.py``, which compares two runs of every experiment bitwise and
shares them with the resume tests."""

from __future__ import annotations

import dataclasses
import textwrap
import types

import pytest

from nndyn.experiments import conformance, registry

EXPERIMENTS = list(registry())


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_conforms(name):
    conformance.check_experiment(registry()[name], preset="quick", skip=conformance.EXPENSIVE)


def _broken_module() -> types.ModuleType:
    """A small experiment that breaks several rules, to see each reported."""
    module = types.ModuleType("nndyn.experiments.broken")
    __import__("sys").modules[module.__name__] = module  # dataclasses look their module up
    source = textwrap.dedent('''
        import dataclasses
        from nndyn.experiments.base import ExperimentConfig
        from nndyn.seeding import derive_seed

        TITLE = "Broken"
        CHAPTER = 1

        @dataclasses.dataclass(frozen=True)
        class Config(ExperimentConfig):
            """A broken experiment.

            Attributes
            ----------
            n : int
                Samples.
            """

            n: int = 3
            steps: int = 2
            PRESETS = {"quick": {}, "huge": {}}

        @dataclasses.dataclass
        class Result:
            values: list

        def run(config):
            a = derive_seed(config.seed, "data")
            b = derive_seed(config.seed, "data")
            c = config.seed + 1
            return Result(values=[])

        def plot(result):
            return None
    ''')
    exec(compile(source, "<broken>", "exec", dont_inherit=True), module.__dict__)
    module.__source__ = source
    return module


def test_the_check_reports_every_rule_a_module_breaks(monkeypatch):
    module = _broken_module()
    monkeypatch.setitem(__import__("sys").modules, module.__name__, module)
    monkeypatch.setattr(conformance.inspect, "getsource", lambda m: m.__source__)
    with pytest.raises(conformance.ConformanceError) as info:
        conformance.check_experiment(module, timings={"other": {"quick": 1.0}})
    message = str(info.value)
    for fragment in ("[presets] Config.PRESETS names unknown presets ['huge']",
                     "[presets] fields without a description", "'steps'",
                     "[seed_streams] line", "a seed made by arithmetic (config.seed + 1)",
                     "the same stream twice",
                     "[result] the result holds no array or number",
                     "[plot] plot must return a matplotlib Figure, got NoneType",
                     "[budget] no measured quick run time: run `.venv/bin/python benchmarks/time_experiments.py --only broken`"):
        assert fragment in message, (fragment, message)


def test_an_unknown_rule_to_skip_is_refused():
    with pytest.raises(ValueError, match="skip: unknown rule"):
        conformance.check_experiment(registry()[EXPERIMENTS[0]], skip=("no_such_rule",))


def test_title_and_chapter_must_be_readable_without_importing_the_module(tmp_path, monkeypatch):
    """The catalog (``nndyn list``) reads TITLE and CHAPTER from the source: a computed TITLE,
    or a docstring that names another chapter, breaks the ``interface`` rule."""
    import importlib.util

    path = tmp_path / "computed_title.py"
    path.write_text(textwrap.dedent('''
        """Chapter 2: a module whose docstring and CHAPTER disagree."""
        PREFIX = "Com"
        TITLE = PREFIX + "puted"
        CHAPTER = 1
    '''))
    spec = importlib.util.spec_from_file_location("nndyn.experiments.computed_title", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(conformance.ConformanceError) as info:
        conformance.check_experiment(module)
    message = str(info.value)
    assert "[interface] TITLE, CHAPTER and DISTRIBUTED must be literals at module level" in message, message
    assert "[interface] the docstring says Chapter 2 but CHAPTER = 1" in message, message
