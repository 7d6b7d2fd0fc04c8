# cloudreg: one task runner. `make build` is the main job, `make test` is what CI runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= build

.PHONY: build test lint bench screenshots clean kb site

build: $(VENV)/.installed
	$(BIN)/cloudreg build --out $(OUT)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[site]'
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[site,test]'
	touch $@

# System packages the tests need (real browser, real Virtuoso). Installs them when missing; needs root or sudo.
test-deps: $(VENV)/.test-installed
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v virtuoso-t >/dev/null || missing="$$missing virtuoso-opensource"; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "installing Debian packages:$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

test: test-deps
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

bench: $(VENV)/.test-installed
	$(BIN)/python -m cloudreg.bench

# Concurrent clients against `cloudreg serve` on 127.0.0.1 (docs/load-benchmark.md). CLIENTS=16 SECONDS=20 by default.
.PHONY: bench-load
bench-load: $(VENV)/.test-installed
	$(BIN)/python -m cloudreg.loadbench --clients $(or $(CLIENTS),16) --seconds $(or $(SECONDS),20)

# The README's picture of the home page, from the real build (needs Debian chromium: `make test-deps`).
screenshots: build test-deps
	$(BIN)/python -m cloudreg.site screenshot $(OUT)/site docs/screenshot-home.png

clean:
	rm -rf $(OUT) .pytest_cache
