"""``python -m nndyn``: see :mod:`nndyn.cli`."""

import sys

if __name__ == "__main__":
    try:
        from .cli import main
    except KeyboardInterrupt:  # Ctrl-C in the first instant, before main() installs its handler
        print("nndyn: stopped by SIGINT before it started; nothing was written", file=sys.stderr)
        sys.exit(130)
    sys.exit(main())
