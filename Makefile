# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE := docs/examples/sochi-summit.jsonl
# The example is shown as of a fixed day, so the demo reads the same on every machine.
DEMO_NOW ?= 2022-06-15T12:00:00+00:00

.PHONY: demo test lint typecheck unit example samples screenshot bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== tracker overview of the bundled example (forecasts.db), as of $(DEMO_NOW) =="
	@TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db overview
	@echo
	@echo "== one question in full: tracker --db forecasts.db show border-demarcation-mechanism =="
	@TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db show border-demarcation-mechanism
	@echo
	@echo "== a clarified question (criteria sharpened in January, with the reason; each forecast shows the version it saw): tracker --db forecasts.db show released-detainees-count =="
	@TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db show released-detainees-count
	@echo
	@echo "== what needs attention: tracker --db forecasts.db due =="
	@TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db due
	@echo
	@echo "== a reminder: tracker --db forecasts.db remind --for ani --within 3w =="
	@TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db remind --for ani --within 3w
	@echo
	@echo "== who was right: tracker --db forecasts.db score (conventions in docs/scoring.md) =="
	@TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db score
	@echo
	@echo "== the accuracy review of 2022Q2: tracker --db forecasts.db report --period 2022Q2 =="
	@TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db report --period 2022Q2
	@echo
	@echo "== the record is intact (tamper-evident chain): tracker --db forecasts.db db verify =="
	@$(BIN)/tracker --db forecasts.db db verify
	@echo
	@mkdir -p build
	@TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db report --period 2022Q2 --out build/review-2022Q2.html
	@TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db retro --out build/retro.html
	@echo "== open build/review-2022Q2.html (the review) and build/retro.html (the team retrospective) in a browser =="

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check tracker tests benchmarks
	$(BIN)/ruff format --check tracker tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# The tests run beside a throw-away PostgreSQL cluster and with Debian's Chromium for the
# browser tests (both installed from Debian's packages if missing); without them, the PostgreSQL
# and browser tests are skipped (but never under CI).
unit: $(STAMP)
	scripts/with-postgres scripts/with-chromium $(BIN)/pytest

# Benchmarks (not tests: nothing fails on a missed target); writes docs/performance.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Rebuild the bundled example database from its JSON Lines source, marked as an example (it
# refuses writes: running tracker here without --db must not write into it). The clock is
# pinned so that the same source gives the same record (only the checkpoint notes when it was
# checked, by the real clock).
example: $(STAMP)
	rm -f forecasts.db.new
	TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db.new import $(EXAMPLE)
	$(BIN)/tracker --db forecasts.db.new db mark-example
	$(BIN)/python -c "import sqlite3; c = sqlite3.connect('forecasts.db.new'); c.execute('VACUUM'); c.close()"
	mv forecasts.db.new forecasts.db

# Rebuild the sample review and retrospective in docs/examples (the tests compare against them).
SAMPLE = TRACKER_NOW=$(DEMO_NOW) $(BIN)/tracker --db forecasts.db
samples: $(STAMP)
	for ext in md html json; do \
		$(SAMPLE) report --period 2022Q2 --as-of 2022-06-15 --out docs/examples/review-2022Q2.$$ext && \
		$(SAMPLE) retro --as-of 2022-06-15 --out docs/examples/retro.$$ext || exit 1; \
	done

# The screenshot in README: the top of the sample review at 1024 px, in Debian's Chromium (the
# browser tests save full-page screenshots of both documents at both widths in build/screenshots).
screenshot: $(STAMP)
	scripts/with-chromium $(BIN)/python -m tests.browser.screenshot docs/images/review-1024.png

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
