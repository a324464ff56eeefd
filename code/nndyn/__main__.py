"""``python -m nndyn``: see :mod:`nndyn.cli`."""

from .cli import command

if __name__ == "__main__":
    command()
