# The two commands a reader needs: `make book` and `make test`. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
UV := $(VENV)/bin/uv
# uv installs into .venv (a few times faster than pip); on a machine whose pip finds wheels
# on local disk (PIP_FIND_LINKS, e.g. a CPU build of torch), uv is told to look there too.
# --compile-bytecode: uv leaves the .pyc files to be written at the first import, and where
# PYTHONDONTWRITEBYTECODE is set (as on the CI machine) they never are, so every process
# would compile torch and Lightning from source again (measured on a busy machine: import
# pytorch_lightning 18-21 s instead of 7 s; compiling at install cost about 30 s there).
UV_INSTALL := $(UV) pip install --quiet --compile-bytecode --python $(PY) $(if $(PIP_FIND_LINKS),--find-links $(PIP_FIND_LINKS))
# Test workers (pytest-xdist): one per core. --no-loadscope-reorder keeps the order of
# tests/conftest.py (slow independent tests first, the book's tests after the build, DDP
# last); by default xdist hands out the largest groups of tests first (the runs shared by
# the resume and reproducibility tests, DDP), whatever their place in that order.
TEST_WORKERS ?= auto
STAMP := $(VENV)/.installed
PORT ?= 8000
AXE := node_modules/axe-core/axe.min.js

PRESET ?=

.PHONY: book quick-book chapter pdf test test-fast serve bench bench-book bench-tests venv clean distclean

book: $(STAMP)  ## build the whole book (preset full) into _build/html
	$(PY) scripts/build_book.py --preset full

quick-book: $(STAMP)  ## build the book in the quick preset into _build/quick
	$(PY) scripts/build_book.py --preset quick

# One chapter executed (and the chapters whose figures it cites), the rest of the book read
# without executing: 0 warnings of the chapter's own, and the page's path printed
# (scripts/chapter_build.py). PRESET=quick|full|lecture, else NNDYN_PRESET, else full.
chapter: $(STAMP)  ## build one chapter: make chapter CH=02 [PRESET=quick]
	@test -n "$(CH)" || { echo "make chapter needs CH=NN (e.g. make chapter CH=02 PRESET=quick)"; exit 2; }
	$(PY) scripts/chapter_build.py $(CH) $(if $(PRESET),--preset $(PRESET))

# The HTML first (incremental: nothing re-executes when it is current), then the PDF from
# the same execution cache, copied into the site as _build/html/book.pdf. Needs xelatex and
# latexmk (Debian packages: python3 scripts/build_book.py --tex-packages); installs nothing.
pdf: $(STAMP)  ## the whole book as one PDF (preset full): _build/latex/book.pdf
	$(PY) scripts/build_book.py --preset full --pdf

test: $(STAMP) $(AXE)  ## the whole test suite on every core: unit, science, book build (quick), PDF and browser tests
	$(PY) -m pytest -ra -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=15

test-fast: $(STAMP)  ## unit and science tests only
	$(PY) -m pytest -ra -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder -m "not book and not browser"

serve:  ## serve the built book on http://127.0.0.1:$(PORT)
	@test -f _build/html/index.html || { echo "no book built yet: run 'make book' first"; exit 1; }
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

bench: $(STAMP)  ## timings against plain PyTorch and of batched seeds; writes benchmarks/RESULTS.md
	$(PY) benchmarks/run.py

bench-book: $(STAMP)  ## cold (parallel and serial), warm and incremental builds of the whole book (about 6 min on a quiet machine); RESULTS.md
	$(PY) benchmarks/run.py --book --only book

bench-tests: $(STAMP)  ## make test from a fresh clone of HEAD, install included, timed; RESULTS.md
	$(PY) benchmarks/run.py --only tests

venv: $(STAMP)

# uv first (pinned, with pip), then torch, pinned exactly: an unpinned torch would pull a CUDA build.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet $$(grep -E '^uv==' requirements.txt)
	$(UV_INSTALL) torch==2.13.0
	$(UV_INSTALL) -r requirements.txt
	$(UV_INSTALL) --no-deps -e .
	touch $(STAMP)

# axe-core (accessibility checks injected by the browser tests), from the npm registry.
$(AXE): package.json
	@if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent && touch $(AXE); \
	else echo "npm not found: the accessibility tests will be skipped (under CI=true they fail)"; fi

clean:  ## remove built books and caches (keeps .venv)
	rm -rf _build .pytest_cache
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
