# The two commands: `make run` and `make test`. Everything installs from this repo's files.
# `make test-fast` while working: unit and API tests on both cores (no after-sale flows, browser, deploy rehearsal
# or AWS: `make test` runs those too).
# One Python everywhere (development, tests, CI, Lambda): 3.12.
PY ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

# Both cores; a module's tests marked with one xdist_group share a worker (and its module fixtures).
PYTEST := $(BIN)/python -m pytest -q -n 2 --dist loadgroup
# requirements*.txt say what we depend on; the .lock files pin every package with its hashes (`make lock`).
LOCK := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: run test test-fast lint lock messages bench deploy package clean browser

$(STAMP): requirements-dev.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $(STAMP)

# The runtime lock takes the development lock's versions, so the tests run what the Lambda package carries.
# `make lock UPGRADE=--upgrade` moves everything to the newest versions the inputs allow.
lock: $(STAMP)
	$(LOCK) $(UPGRADE) -o requirements-dev.lock requirements-dev.txt
	$(LOCK) -c requirements-dev.lock -o requirements.lock requirements.txt
	$(LOCK) -c requirements-dev.lock -o requirements-imaging.lock requirements-imaging.txt

# After changing the storefront's, emails' or platform pages' text: extract it and update each language's catalogue
# (chalicelib/translations/); then translate what tests/unit/test_translations.py lists as missing.
messages: $(STAMP)
	$(BIN)/python infra/messages.py

run: $(STAMP)
	PORT=$(PORT) $(BIN)/python infra/local/server.py

# Debian's chromium for the browser tests (Playwright drives it; no browser download), and a font for Chinese pages.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "install Debian's chromium (apt-get install chromium) for the browser tests"; fi; }

test: lint browser
	$(PYTEST)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test-fast: $(STAMP)
	$(PYTEST) tests/unit tests/api

bench: $(STAMP)
	$(BIN)/python bench/run.py

package: $(STAMP)
	$(BIN)/python infra/package.py --stage $(or $(STAGE),dev)

deploy: $(STAMP)
	$(BIN)/python infra/deploy.py --stage $(or $(STAGE),dev)

clean:
	rm -rf $(VENV) out .pytest_cache
