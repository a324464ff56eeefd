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

        def plot_detail(result):
            from nndyn.plotting import figure
            fig, ax = figure(1)
            ax.plot([0, 1], [0, 1], label="a legend in 6 points")
            ax.legend(fontsize=6)
            return fig
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
                     "[legible_text] plot_detail(result) has text smaller than 12 px on the page",
                     "'a legend in 6 points' 9.2 px",
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


def test_legible_text_scales_a_figure_to_the_width_the_page_shows_it_at():
    """A text shows at ``pt * dpi / 72`` px, times ``DISPLAY_PX / natural`` for a figure
    wider than the page shows it (the old house style: 9-point legends of a 7.5-inch figure
    showed at 11.0 px, an 8.6-inch one's 8-point legends at 8.6 px)."""
    import matplotlib.pyplot as plt

    from nndyn import plotting

    assert plotting.MIN_TEXT_PX == 0.75 * plotting.BODY_PX == 12
    for width, size, small in ((plotting.PAGE_WIDTH, plotting.LEGEND_SIZE, False), (plotting.PAGE_WIDTH, 9, True),
                               (3.6, 8, False), (8.6, plotting.LEGEND_SIZE, True)):
        fig, ax = plotting.figure(1, width=width)
        ax.set_title("title", fontsize=size)
        shown = dict(plotting.displayed_text_px(fig))["title"]
        natural = plotting.natural_width_px(fig)  # laid out by displayed_text_px
        assert shown == pytest.approx(size * fig.dpi / 72 * min(1.0, plotting.DISPLAY_PX / natural))
        assert bool(plotting.small_text(fig)) == small, (width, size, natural, shown)
        plt.close(fig)


def test_the_figures_chapters_draw_outside_the_experiments_have_legible_text():
    """Chapter 7 draws :func:`nndyn.spectral.plot_decay` itself (not an experiment's plot)."""
    import matplotlib.pyplot as plt

    from nndyn import plotting, spectral

    fig = spectral.plot_decay(spectral.decay_summary())
    try:
        assert not plotting.small_text(fig)
    finally:
        plt.close(fig)
