"""One module per figure of the book; see :mod:`nndyn.experiments.base` for the contract."""

from .base import ExperimentConfig, preset_table, registry

__all__ = ["ExperimentConfig", "preset_table", "registry"]
