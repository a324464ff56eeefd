"""Ctrl-C during a training in Python: a :class:`KeyboardInterrupt`, as everywhere else.

Lightning's ``Trainer.fit`` catches a :class:`KeyboardInterrupt`, shuts down, sets the
SIGINT handler to *ignore* (so that a second Ctrl-C cannot disturb its shutdown) and calls
``sys.exit(1)``: a script exits with status 1, a notebook prints ``SystemExit: 1``,
``except KeyboardInterrupt`` misses it, and every later Ctrl-C in that process (a
notebook's kernel) is ignored. :func:`fit_interruptible` undoes both: the caller gets the
original :class:`KeyboardInterrupt` and the SIGINT handler it had before.
"""

from __future__ import annotations

import signal
import threading

import pytorch_lightning as pl


class _InterruptWatch(pl.Callback):
    """Remember the :class:`KeyboardInterrupt` that Lightning turns into ``sys.exit(1)``."""

    def __init__(self) -> None:
        self.interrupt: KeyboardInterrupt | None = None

    def on_exception(self, trainer, pl_module, exception: BaseException) -> None:
        if isinstance(exception, KeyboardInterrupt):
            self.interrupt = exception


def fit_interruptible(trainer: pl.Trainer, module: pl.LightningModule, **kwargs) -> None:
    """``trainer.fit(module, **kwargs)``, with Ctrl-C raising :class:`KeyboardInterrupt` instead of ``SystemExit(1)``.

    The SIGINT handler in place before the call is put back afterwards (Lightning leaves
    SIGINT ignored after an interruption). A ``SystemExit`` that does not come from a
    Ctrl-C (a callback calling ``sys.exit``) passes through unchanged.

    Raises
    ------
    KeyboardInterrupt
        The one Lightning caught, with its traceback (where the training was interrupted).
    """
    watch = _InterruptWatch()
    trainer.callbacks.append(watch)
    in_main_thread = threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGINT) if in_main_thread else None
    try:
        trainer.fit(module, **kwargs)
    except SystemExit:
        if watch.interrupt is None:
            raise
        raise watch.interrupt from None
    finally:
        if handler is not None and signal.getsignal(signal.SIGINT) is not handler:
            signal.signal(signal.SIGINT, handler)
