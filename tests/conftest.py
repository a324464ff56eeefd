"""Shared fixtures: the quick-preset book, built once per test run, in the background.

``make test`` runs the suite on every core (pytest-xdist, ``-n auto``). The quick book is
the longest single job of the suite, and every book, PDF, notebook and browser test needs
it, so it is built once per run and started as soon as the tests are collected: the first
worker that collects a test needing it starts ``scripts/build_book.py --preset quick`` in
the background (a marker file created with ``O_EXCL`` makes sure only one does), the
workers go on with the unit and science tests, which are ordered first, and the
:func:`built_book` fixture waits for the build's exit status. When PDF tests are selected,
the same background job then makes the PDF from the build's execution cache, while the
browser tests read the site; :func:`pdf_build_log` waits for it. The job's files are in
``_build/test-runs/`` (``<run>.log``, ``<run>-pdf.log``, their ``.status``). Without xdist
the same happens in the one process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
from parallel_jb import THREAD_VARIABLES  # scripts/, on the path through pyproject.toml (pytest's pythonpath)

os.environ.setdefault("NNDYN_PRESET", "quick")
# One pytest-xdist worker per core: each worker's torch uses one thread, so that two
# workers do not fight over the cores (a training step waits for the slower thread).
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name in THREAD_VARIABLES:
        os.environ.setdefault(_name, "1")

QUICK_OUT = ROOT / "_build" / "quick"
HTML = QUICK_OUT / "_build" / "html"
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex  # the same in every worker of a run
BUILD_TIMEOUT_S = 30 * 60

# Tests that take longest and need nothing else: first, so that no worker ends the run alone on one.
SLOW_FIRST = (
    "test_notebooks.py::test_a_chapter_notebook_runs_in_a_fresh_environment",
    "test_resume.py::test_ctrl_c",
)
# Last: two DDP processes that exchange gradients at every step use both cores, and slow
# down many times over when they share the cores with other work (gloo waits for the rank
# that is not scheduled), so they run when the other workers are done or nearly.
LAST = ("test_distributed.py::",)
# Among the tests that need the book: the browser first, its slowest tests first (axe-core
# on the API page, the search, the interactive chapters); the PDF last, since the background
# job makes it after the HTML, while the browser tests run.
BOOK_FIRST, BOOK_LAST = "test_browser.py", "test_pdf.py"
SLOW_BROWSER_FIRST = ("[book/api.html]", "test_search_finds_every_chapter", "[book/04_", "[book/05_", "[book/07_", "[book/09_")


def _reuse_build() -> bool:
    return os.environ.get("NNDYN_REUSE_BUILD") == "1" and os.environ.get("CI") != "true" and (HTML / "index.html").exists()


def _build_markers(kind: str = "") -> tuple[Path, Path, Path]:
    """The marker, exit-status and log files of this run's background build (``kind="pdf"``:
    the status and log of its PDF step; the one marker is the build's)."""
    folder = ROOT / "_build" / "test-runs"
    stem = RUN_ID + (f"-{kind}" if kind else "")
    return folder / f"{stem}.started", folder / f"{stem}.status", folder / f"{stem}.log"


def start_quick_build(pdf: bool = False) -> None:
    """Start the quick build in the background, once per test run (whichever process comes first).

    With ``pdf``, the same background job then makes the PDF from the build's execution cache
    (``build_book.py --_pdf-from-cache``, which leaves the HTML alone), while the browser
    tests read the site; its exit status and log have their own files.
    """
    started, status, log = _build_markers()
    started.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(started, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return  # another worker started it
    script = ROOT / "scripts" / "build_book.py"
    steps = [(status, log, [sys.executable, str(script), "--preset", "quick"])]
    if pdf:
        _, pdf_status, pdf_log = _build_markers("pdf")
        steps.append((pdf_status, pdf_log, [sys.executable, str(script), "--_pdf-from-cache", "quick", str(QUICK_OUT)]))
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if pdf and all(shutil.which(prog) for prog in ("xelatex", "latexmk")):
        env["NNDYN_PDF"] = "1"  # the HTML links the PDF that the next step makes (scripts/nndyn_book.py)
    job_log = started.with_suffix(".job.log")  # the job's own errors, if it fails outside a step
    with job_log.open("w") as out:
        subprocess.Popen([sys.executable, str(Path(__file__).with_name("_background_build.py")), str(started.parent / "background.lock"),
                          json.dumps([[str(a), str(b), c] for a, b, c in steps])],
                         cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for_build(kind: str = "") -> str:
    """Wait for this run's background build (``kind="pdf"``: its PDF step) and return its log;
    fail the test if it did not succeed."""
    if not _build_markers()[0].exists():  # the fixture was requested without collection (e.g. a plugin)
        start_quick_build(pdf=kind == "pdf")
    _, status, log = _build_markers(kind)
    what = "the quick build" + (f" ({kind})" if kind else "")
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    while not status.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not finish in {BUILD_TIMEOUT_S} s; its log: {log}")
        time.sleep(1)
    code, text = status.read_text().strip(), log.read_text() if log.exists() else ""
    if code != "0":
        pytest.fail(f"{what} failed (status {code}, log {log}):\n{text[-12000:]}")
    return text


def _needs_book(item) -> bool:
    return "built_book" in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected: build only what the selected tests need
def pytest_collection_modifyitems(session, config, items) -> None:
    """Order the tests (slow independent ones, the rest, then those needing the book) and
    start the book's build as soon as any selected test needs it."""

    def first_match(nodeid: str, names: tuple[str, ...]) -> int:
        return next((i for i, name in enumerate(names) if name in nodeid), len(names))

    def rank(item) -> tuple[int, int, int]:
        nodeid = item.nodeid
        if any(s in nodeid for s in LAST):
            return 3, 0, 0
        if _needs_book(item):
            return 2, 0 if BOOK_FIRST in nodeid else 2 if BOOK_LAST in nodeid else 1, first_match(nodeid, SLOW_BROWSER_FIRST)
        return (0, 0, 0) if any(s in nodeid for s in SLOW_FIRST) else (1, 0, 0)

    items.sort(key=rank)  # stable: the order within a rank is pytest's
    if any(_needs_book(item) for item in items) and not _reuse_build():
        start_quick_build(pdf=any("pdf_build_log" in getattr(item, "fixturenames", ()) for item in items))


@pytest.fixture(scope="session")
def built_book() -> Path:
    """The html folder of the quick-preset book (``_build/quick``), built once per test run.

    ``NNDYN_REUSE_BUILD=1`` skips the build and uses the existing ``_build/quick`` (for
    iterating on the browser tests; never under CI).
    """
    if _reuse_build():
        return HTML
    wait_for_build()
    assert (HTML / "index.html").exists()
    return HTML


@pytest.fixture(scope="session")
def pdf_build_log(built_book):
    """A function that waits for the PDF of the quick build (made by the background job after
    the HTML) and returns the log of its build; it fails the test if that build failed.

    A function, not a value, so that a test can first check that TeX is there (and skip
    without waiting when it is not). With ``NNDYN_REUSE_BUILD=1``: the PDF of an earlier run.
    """

    def wait() -> str:
        if _reuse_build():
            pdf, index = HTML / "book.pdf", HTML / "index.html"
            if not pdf.exists() or pdf.stat().st_mtime < index.stat().st_mtime:
                pytest.skip("NNDYN_REUSE_BUILD=1: no PDF made after the reused build (run the suite without it, or make pdf)")
            return ""
        return wait_for_build("pdf")

    return wait


# ------------------------------------------------------------------ runs shared between tests

RESUMABLE = ["parity_sgd", "parity_random_subsets", "classical_bounds", "lazy_dynamics", "path_norm", "nn_rfm_dynamics"]
"""One experiment of each kind of training (tests/test_resume.py). Their uninterrupted quick
runs through the command line are made once per worker and shared: the resume tests compare
an interrupted and resumed run with it, and the reproducibility tests compare it, bitwise,
with a second run of the same seed through the library."""


def shared_run_group(name: str) -> str:
    """The pytest-xdist group of the tests that share the quick run of ``name`` (one worker runs them all)."""
    return f"quick-run-{name}"


def thread_args() -> list[str]:
    """``--threads`` for the command line: this process's torch threads, so that a run of the
    command line and a run of the library in the tests do the same arithmetic (a different
    thread count may change the last bits of a reduction)."""
    import torch

    return ["--threads", str(torch.get_num_threads())]


class QuickRuns:
    """Uninterrupted quick-preset runs of the command line, made on first use (see :data:`RESUMABLE`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.outs: dict[str, Path] = {}

    def __call__(self, name: str) -> Path:
        if name not in self.outs:
            from nndyn.cli import main

            out = self.folder / name
            assert main(["run", name, "--preset", "quick", "--out", str(out), *thread_args()]) == 0
            self.outs[name] = out
        return self.outs[name]


@pytest.fixture(scope="session")
def quick_runs(tmp_path_factory) -> QuickRuns:
    return QuickRuns(tmp_path_factory.mktemp("quick-runs"))


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module of small tensors: on a loaded 2-core machine this
    avoids oversubscription (use with ``pytestmark = pytest.mark.usefixtures("one_torch_thread")``)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
