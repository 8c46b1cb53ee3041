# `make demo` and `make test` are the only commands a fresh clone needs:
# each creates .venv from nothing when it is missing or pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: demo test test-slow check lint bench bench-quick eval-real clean system-deps test-deps \
        docs-screenshots

# Debian packages a capability needs, installed only when missing (root + apt-get):
# pango and harfbuzz-subset (font subsetting) for the PDF digest (WeasyPrint) at
# run time; Debian's chromium and poppler's pdftoppm for the browser and PDF tests. Without apt-get it says what is missing.
RUNTIME_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_DEBS    := chromium poppler-utils
define install_debs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "make: installing Debian packages:$$missing"; \
	    (apt-get install -y -q $$missing >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $$missing >/dev/null)) || \
	    echo "make: could not install$$missing" >&2; \
	  else echo "make: Debian packages missing (install them as root):$$missing" >&2; fi; \
	fi
endef

system-deps:
	$(call install_debs,$(RUNTIME_DEBS))

test-deps: system-deps
	$(call install_debs,$(TEST_DEBS))

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) system-deps
	$(BIN)/vric demo

# pytest exits 5 when it collected no test: that is a failure here, not a pass.
test: $(STAMP) test-deps
	@$(BIN)/python -c 'import trafilatura, feedparser, httpx, sqlalchemy, apscheduler, langdetect'
	$(BIN)/pytest -q -m "not slow" -n $(PYTEST_WORKERS) --dist loadgroup; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: no tests were collected" >&2; exit 1; fi; exit $$rc

# docs/digest.png and docs/digest-pdf.png (shown in the README): the demo period's
# digest in Debian's chromium and the PDF's first page from pdftoppm.
# The README's pictures: the digest (HTML and the PDF's first page) of the demo
# period, then the workbench's review and period pages as the browser tests see them.
docs-screenshots: $(STAMP) test-deps
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  $(BIN)/vric demo --out "$$tmp/demo" >/dev/null && \
	  $(BIN)/python -m tests.outputs.screenshots "$$tmp/demo/bundles/2021-08" docs
	VRIC_DOCS_SCREENSHOTS=docs $(BIN)/pytest -q -n 0 tests/web/test_browser.py -k "keyboard or builds"

test-slow: $(STAMP)
	$(BIN)/pytest -q -m slow; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test-slow: no tests were collected" >&2; exit 1; fi; exit $$rc

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

lint: check

# docs/review.png and docs/period.png, taken by the workbench's browser tests.

bench: $(STAMP)
	$(BIN)/python -m bench

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

# The tagger on real articles (eval/real/README.md; needs the git-ignored text cache).
eval-real: $(STAMP)
	$(BIN)/python -m eval.real.evaluate --split dev
	$(BIN)/python -m eval.real.evaluate --split holdout

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache *.egg-info
