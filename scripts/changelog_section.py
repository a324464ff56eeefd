"""Print the section of CHANGELOG.md for one version (the release notes of that edition).

Usage: ``python scripts/changelog_section.py 0.2.0``. Exits with status 1 when the
changelog has no section for the version.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def section(version: str, text: str) -> str:
    """The body of the ``## [version]`` section of a Keep-a-Changelog file."""
    match = re.search(rf"^## \[{re.escape(version)}\][^\n]*\n(.*?)(?=^## \[|^\[[^\]]+\]: |\Z)", text, flags=re.M | re.S)
    if match is None:
        raise ValueError(f"version: CHANGELOG.md has no section [{version}]")
    return match.group(1).strip()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: changelog_section.py VERSION", file=sys.stderr)
        return 2
    try:
        print(section(argv[0], (ROOT / "CHANGELOG.md").read_text()))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
