# DenseLabel: `make run` sets everything up and opens the app on the sample scene;
# `make test` sets everything up and runs every test headless (ruff, mypy, pytest under Xvfb).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# What Qt and VTK need under Xvfb on a bare Debian/Ubuntu (measured on Debian 12).
SYSTEM_PACKAGES := xvfb xauth libgl1 libegl1 libglx-mesa0 libgl1-mesa-dri libglib2.0-0 \
	libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 \
	libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 python3-venv libgomp1

.PHONY: run test system venv lint check bench demo clean

run: system $(STAMP)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(BIN)/denselabel-gui --sample; \
	else \
		echo "No display found: running the command-line pipeline on the sample scene instead."; \
		echo "(On a desktop, 'make run' opens the window; here you can try: xvfb-run -a $(BIN)/denselabel-gui --sample)"; \
		$(BIN)/denselabel demo; \
	fi

# faulthandler: a native crash prints every thread's stack instead of dying silently.
test: system $(STAMP) lint
	$(BIN)/python -X faulthandler -m pytest

lint: $(STAMP)
	$(BIN)/ruff check --no-cache core gui tests bench
	$(BIN)/ruff format --no-cache --check core gui tests bench
	$(BIN)/mypy

system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "Not a Debian/Ubuntu system: install the equivalents of: $$missing"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing system packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "Missing system packages; run: sudo apt-get install -y $$missing"; exit 1; \
	fi

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "DenseLabel needs Python 3.11 or newer (found $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/denselabel demo

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
