"""Keep Lightning quiet in executed book pages and tests."""

from __future__ import annotations

import logging
import warnings


def quiet_lightning() -> None:
    """Silence Lightning's banners, tips and known harmless warnings.

    Importing ``pytorch_lightning`` resets its logger level, so this runs after the
    import, on every call of :func:`nndyn.training.train`.
    """
    import pytorch_lightning  # noqa: F401  (importing resets the logger level)

    for name in ("pytorch_lightning", "lightning.pytorch", "lightning_fabric", "lightning"):
        logging.getLogger(name).setLevel(logging.WARNING)
    from lightning_fabric.utilities.warnings import PossibleUserWarning

    warnings.filterwarnings("ignore", category=PossibleUserWarning)
    warnings.filterwarnings("ignore", message=".*LeafSpec.*", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    warnings.filterwarnings("ignore", message=".*`training_step` returns `None`.*")
