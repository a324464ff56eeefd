# The two commands a reader needs: `make book` and `make test`. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PORT ?= 8000
AXE := node_modules/axe-core/axe.min.js

.PHONY: book quick-book pdf test test-fast serve bench bench-book venv clean distclean

book: $(STAMP)  ## build the whole book (preset full) into _build/html
	$(PY) scripts/build_book.py --preset full

quick-book: $(STAMP)  ## build the book in the quick preset into _build/quick
	$(PY) scripts/build_book.py --preset quick

# The HTML first (incremental: nothing re-executes when it is current), then the PDF from
# the same execution cache, copied into the site as _build/html/book.pdf. Needs xelatex and
# latexmk (Debian packages: python3 scripts/build_book.py --tex-packages); installs nothing.
pdf: $(STAMP)  ## the whole book as one PDF (preset full): _build/latex/book.pdf
	$(PY) scripts/build_book.py --preset full --pdf

test: $(STAMP) $(AXE)  ## the whole test suite: unit, science, book build (quick) and browser tests
	$(PY) -m pytest -ra

test-fast: $(STAMP)  ## unit and science tests only
	$(PY) -m pytest -ra -m "not book and not browser"

serve:  ## serve the built book on http://127.0.0.1:$(PORT)
	@test -f _build/html/index.html || { echo "no book built yet: run 'make book' first"; exit 1; }
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

bench: $(STAMP)  ## timings against plain PyTorch and of batched seeds; writes benchmarks/RESULTS.md
	$(PY) benchmarks/run.py

bench-book: $(STAMP)  ## cold, warm and incremental builds of the whole book (about 10 min); RESULTS.md
	$(PY) benchmarks/run.py --book --only book

venv: $(STAMP)

# torch is installed first and pinned exactly: an unpinned torch would pull a CUDA build.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -e .
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
