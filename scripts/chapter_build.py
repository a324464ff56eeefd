"""Build one chapter (``make chapter CH=NN``): that chapter executed, the rest of the book read.

A contributor who edits one chapter wants its page, with every warning *of that page*
reported, in seconds rather than the whole book's minutes. This script builds the whole
table of contents (so chapter, figure and theorem numbers, links and the bibliography are
those of the book), but executes only:

* the chapter asked for;
* the chapters that define a figure the chapter refers to (a figure's label exists only
  once its code cell has run: chapter 5 refers to chapter 4's figures, so chapter 4 runs
  too, or comes from the execution cache), in its text or in the lines under its
  statements that say where a test's check is shown (``scripts/nndyn_ledger.py``).

The other notebooks are read without executing them (``execute.exclude_patterns``), so
their glued numbers and figures are missing; the warnings *located in other pages* are
therefore not reported (a count is printed): :func:`setup` adds a logging filter to
Sphinx's warning handler (see :class:`OtherPagesFilter` for the upstream behaviour it
relies on). Every warning located in the chapter, and every warning without a location,
still fails the build (``-W``): 0 warnings means the chapter is clean. The whole book's
build (``make book``) still checks every page.

The execution cache is the preset's (``scripts/build_book.py``): a chapter built here is a
cache hit for ``make book`` and the other way round, and the same per-chapter invalidation
(:mod:`chapter_deps`) runs first, so no output older than the package it imports is shown.

Usage::

    python scripts/chapter_build.py 02 [--preset quick]     # or: make chapter CH=02 PRESET=quick

The page is written to ``_build/chapter/<preset>/_build/html/book/<chapter>.html`` (printed).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ENV_TARGET = "NNDYN_CHAPTER_ONLY"
"""Environment variable that tells :func:`setup` (the Sphinx extension) which page is built."""


def toc_docnames(source: Path = ROOT) -> list[str]:
    """Every page of ``_toc.yml``, in order."""
    toc = yaml.safe_load((source / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return names


def resolve_chapter(chapter: str, source: Path = ROOT) -> str:
    """The docname of ``chapter``: ``02``, ``2``, ``02_barron_hardness`` or ``book/02_barron_hardness``."""
    pages = toc_docnames(source)
    key = chapter.strip().removeprefix("book/").removesuffix(".md")
    if key.isdigit():
        key = f"{int(key):02d}_"
    found = [p for p in pages if Path(p).name == key or Path(p).name.startswith(key) and key.endswith("_")]
    if len(found) != 1:
        numbered = ", ".join(Path(p).name[:2] for p in pages if Path(p).name[:2].isdigit())
        raise SystemExit(f"CH={chapter!r}: no single chapter of _toc.yml matches (chapters: {numbered})")
    return found[0]


OPTION_LABEL = re.compile(r"^:\s*name:\s*([\w-]+)\s*$", flags=re.M)
REFERENCE = re.compile(r"\{(?:numref|ref)\}`(?:[^`<]*<)?([\w-]+)>?`")


def code_cell_labels(path: Path) -> set[str]:
    """Labels set in a notebook's code-cell options (figures: they exist only when the cell runs)."""
    from chapter_deps import CODE_CELL

    labels = set()
    for match in CODE_CELL.finditer(path.read_text()):
        labels |= set(OPTION_LABEL.findall(match.group(2)))
    return labels


def pages_to_execute(target: str, source: Path = ROOT) -> list[str]:
    """The chapter and the notebooks whose executed figures it refers to."""
    from chapter_deps import is_notebook

    referenced = set(REFERENCE.findall((source / f"{target}.md").read_text())) | ledger_figures(target, source)
    pages = [target]
    for doc in toc_docnames(source):
        path = source / f"{doc}.md"
        if doc != target and path.exists() and is_notebook(path) and referenced & code_cell_labels(path):
            pages.append(doc)
    return pages


def ledger_figures(target: str, source: Path = ROOT) -> set[str]:
    """The figures that the lines under the chapter's statements refer to ("shown in Fig. 7.3",
    ``scripts/nndyn_ledger.py``, from the tests' declarations), which may be another chapter's."""
    import ledger

    found = ledger.collect(source)
    return {name for s in found.statements if s.docname == target
            for name in ledger.statement_line(found, s.label).shown_in if name in found.figures}


class OtherPagesFilter(logging.Filter):
    """Drop (and count) the warnings located in a page other than the one being built.

    Upstream behaviour relied on (Sphinx 7.4, ``sphinx.util.logging.setup``): every warning
    goes through one handler of class ``WarningStreamHandler`` on the ``sphinx`` logger,
    whose filters count it (``WarningSuppressor``: ``app._warncount``, which makes
    ``--keep-going`` exit 1) and raise it under ``-W`` (``WarningIsErrorFilter``); a filter
    placed first that returns False stops both. The record's ``location`` is still raw
    there: a docname, a ``(docname, line)`` pair, ``"path:line"`` or a docutils node.
    ``tests/test_contrib.py`` checks this arrangement, so that a change upstream fails a
    test instead of silently hiding (or no longer hiding) warnings.
    """

    def __init__(self, target: str, srcdir: Path):
        super().__init__()
        self.target = target
        self.target_path = str((srcdir / f"{target}.md").resolve())
        self.srcdir = srcdir
        self.dropped: list[str] = []

    def page_of(self, location) -> str | None:
        """The docname or absolute path a warning's location names, or None."""
        if location is None or location == "":
            return None
        if isinstance(location, tuple):
            location = location[0]
        if not isinstance(location, str):  # a docutils node
            from sphinx.util.logging import get_node_location

            location = get_node_location(location)
            if location is None:
                return None
        path = location.rsplit(":", 1)[0] if re.search(r":\d*$", location) else location
        return path or None

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        page = self.page_of(getattr(record, "location", None))
        if page is None or page in (self.target, self.target_path) or page.startswith("<"):
            return True
        try:
            message = record.msg % record.args if record.args else record.msg
        except (TypeError, ValueError):
            message = str(record.msg)
        self.dropped.append(f"{page}: {message}")
        return False


FILTER: OtherPagesFilter | None = None


def warning_handler():
    """Sphinx's warning handler (``WarningStreamHandler`` on the ``sphinx`` logger)."""
    from sphinx.util.logging import NAMESPACE, WarningStreamHandler

    handlers = [h for h in logging.getLogger(NAMESPACE).handlers if isinstance(h, WarningStreamHandler)]
    if len(handlers) != 1:
        raise RuntimeError(f"expected one WarningStreamHandler on Sphinx's logger, found {len(handlers)}: "
                           "sphinx.util.logging.setup changed (see scripts/chapter_build.py)")
    return handlers[0]


def setup(app):
    """Sphinx extension: install :class:`OtherPagesFilter` first on the warning handler."""
    global FILTER
    target = os.environ.get(ENV_TARGET)
    if target:
        handler = warning_handler()
        FILTER = OtherPagesFilter(target, Path(app.srcdir))
        handler.filters.insert(0, FILTER)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def build_chapter(chapter: str, preset: str, source: Path = ROOT, out: Path | None = None,
                  main_build: Path | None = None) -> Path:
    """Build ``chapter`` in ``preset`` (see the module's docstring); return the page's path.

    ``main_build`` is the ``_build`` folder whose execution cache is used (default: that of
    ``scripts/build_book.py`` for the preset).
    """
    import build_book
    import chapter_deps
    import parallel_jb
    from jupyter_book.config import get_final_config
    from jupyter_book.sphinx import build_sphinx
    from sphinx_patches import cache_database

    target = resolve_chapter(chapter, source)
    execute = pages_to_execute(target, source)
    out = (out or source / "_build" / "chapter" / preset).resolve()
    main_build = main_build or build_book.output_folder(preset, source) / "_build"
    cache = main_build / ".jupyter_cache"
    cache_database.apply()
    stale = chapter_deps.invalidate(cache, main_build / ".chapter-deps.json", source, preset)
    if stale and cache.exists():
        print(f"re-executing (imports changed): {', '.join(Path(d).name for d in stale)}", flush=True)
    from jupyter_cache.cache.db import create_db

    cache.mkdir(parents=True, exist_ok=True)
    create_db(cache).dispose()
    notebooks = [doc for doc in toc_docnames(source)
                 if (source / f"{doc}.md").exists() and chapter_deps.is_notebook(source / f"{doc}.md")]
    exclude = [f"{doc}.md" for doc in notebooks if doc not in execute]
    os.environ.update({**{k: v for k, v in build_book.MALLOC_ENV.items() if k not in os.environ},
                       "NNDYN_PRESET": preset, ENV_TARGET: target})
    os.environ.update(parallel_jb.thread_environment(1, os.environ))  # the threads of `make book`'s kernels
    config_path = source / "_config.yml"
    sphinx_config, _ = get_final_config(user_yaml=config_path, cli_config={"latex_individualpages": False}, sourcedir=source, use_external_toc=True)
    overrides = {
        "external_toc_path": str(source / "_toc.yml"),
        "latex_individualpages": False,
        "nitpicky": True,
        "nb_execution_cache_path": str(cache),
        "nb_execution_excludepatterns": exclude,
        "extensions": [*sphinx_config["extensions"], "chapter_build"],
    }
    print(f"$ NNDYN_PRESET={preset}: {target} (executing {', '.join(Path(d).name for d in execute)}; "
          f"{len(exclude)} other notebooks read without executing)", flush=True)
    start = time.perf_counter()
    cwd = os.getcwd()
    os.chdir(source)  # _config.yml's local extensions are relative to the book's folder
    try:
        status = build_sphinx(str(source), str(out / "_build" / "html"), use_external_toc=True, noconfig=True,
                              path_config=str(config_path), confoverrides=overrides, builder="html",
                              warningiserror=True, keep_going=True, freshenv=True)
    finally:
        os.chdir(cwd)
    dropped = FILTER.dropped if FILTER is not None else []
    if dropped:
        print(f"({len(dropped)} warnings located in other pages not reported: those pages were not executed; "
              "make book checks them)", flush=True)
    if status:
        raise SystemExit(f"the chapter has warnings or errors (see above); {time.perf_counter() - start:.0f} s")
    page = out / "_build" / "html" / f"{target}.html"
    print(f"built in {time.perf_counter() - start:.0f} s")
    return page


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", help="chapter number (02) or name (02_barron_hardness)")
    parser.add_argument("--preset", choices=("quick", "full", "lecture"), default=os.environ.get("NNDYN_PRESET") or "full")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default _build/chapter/<preset>)")
    parser.add_argument("--cache-of", type=Path, default=None, dest="main_build",
                        help="the _build folder whose execution cache to use (default: make book's for the preset)")
    args = parser.parse_args(argv)
    page = build_chapter(args.chapter, args.preset, out=args.out, main_build=args.main_build)
    print(f"\nThe chapter ({args.preset} preset) is at: {page}")


if __name__ == "__main__":
    main()
