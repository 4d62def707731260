# Social innovation network hub: `make` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
RUN_LOGS ?= .hub/log

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "; printf "Targets:\n"} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

# axe-core and Lighthouse for the browser tests (package-lock.json pins them).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The test session blocks the network, so the Nu HTML Checker's jars (Maven
# Central, cached outside the work tree) are fetched here, before it starts.
.PHONY: install
install: $(VENV)/.installed node_modules/.installed ## Create the virtual environment and install the project
	@$(PY) -m hub.tests.browser.validator fetch

.PHONY: run
run: install ## Start Elasticsearch, migrate, load the demo network, serve it on http://127.0.0.1:8000 with the task worker and scheduler
	$(MANAGE) elasticsearch start
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) hub_demo
	$(MANAGE) search_rebuild
	@mkdir -p $(RUN_LOGS)
	@echo
	@echo "  Site:  http://$(HOST):$(PORT)/"
	@echo "  Admin: http://$(HOST):$(PORT)/admin/  (user: admin, password: hub-demo-admin)"
	@echo "  Background: task worker (manage.py db_worker, log $(RUN_LOGS)/worker.log) and"
	@echo "    scheduler (manage.py hub_scheduler, log $(RUN_LOGS)/scheduler.log) run beside"
	@echo "    the web server and stop with it (Ctrl+C)."
	@echo "  Stop the search node afterwards with: $(MANAGE) elasticsearch stop"
	@echo
	@$(MANAGE) db_worker --no-reload >>$(RUN_LOGS)/worker.log 2>&1 & worker=$$!; \
	$(MANAGE) hub_scheduler >>$(RUN_LOGS)/scheduler.log 2>&1 & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null; wait $$worker $$scheduler 2>/dev/null' EXIT; \
	$(MANAGE) runserver $(HOST):$(PORT)

.PHONY: test
test: install ## Run the whole test suite (starts its own Elasticsearch node)
	$(MANAGE) elasticsearch fetch
	$(PY) -m pytest $(PYTEST_ARGS)

.PHONY: lighthouse
lighthouse: install ## Lighthouse on home, member search, a profile and an experiment in en/fr/nl (scores table)
	$(MANAGE) elasticsearch fetch
	HUB_LIGHTHOUSE_LANGUAGES=en,fr,nl $(PY) -m pytest hub/tests/browser/test_lighthouse.py -p no:cacheprovider $(PYTEST_ARGS)

.PHONY: lint
lint: install ## Check code style (ruff, djhtml) and Django's system checks
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

.PHONY: format
format: install ## Format the code
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	find templates -name '*.html' | xargs $(VENV)/bin/djhtml

.PHONY: screenshots
screenshots: install ## Save PNGs of the main pages (desktop and mobile, EN/FR/NL) under docs/screenshots/
	$(PY) bench/screenshots.py
	$(PY) bench/network_screenshots.py

.PHONY: messages
messages: install ## Update the en/fr/nl catalogues from the sources, then compile them (.mo are committed)
	$(MANAGE) makemessages -l fr -l nl -l en --ignore=.venv --ignore=node_modules
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules

.PHONY: es-stop
es-stop: ## Stop the local development Elasticsearch node
	$(MANAGE) elasticsearch stop

.PHONY: bench-search
bench-search: install ## Search quality on the demo network (Recall@5, MRR per language)
	$(PY) bench/search_quality.py

.PHONY: bench-match
bench-match: install ## Matchmaking on CORDIS cross-sector collaborations: table, ablation, latency
	$(PY) bench/matchmaking.py

.PHONY: bench-team
bench-team: install ## Complete my team on the CORDIS dev queries: hidden partner in the team against per-kind top lists, ablation of the team terms
	nice $(PY) bench/team.py

.PHONY: bench-weights
bench-weights: install ## Matchmaking weights checked on pseudo-queries built from the CORDIS history alone
	$(PY) bench/learn_weights.py

.PHONY: bench-load
bench-load: install ## Load: 50 users for 5 min on gunicorn + the real node; no 5xx, no lost edit (LOAD_ARGS="--duration 60")
	$(PY) bench/load.py $(LOAD_ARGS)

.PHONY: bench-faults
bench-faults: install ## Faults: 3-node cluster, 2 gunicorn + Redis + worker + scheduler; one node down, then all for 60 s (FAULTS_ARGS=--short)
	$(MANAGE) elasticsearch fetch
	$(PY) bench/faults.py $(FAULTS_ARGS)

.PHONY: bench-network
bench-network: install ## Server time of the editors' network view, the profile graph (NETWORK_ARGS="--size 10000"; 100k by default)
	$(PY) bench/network.py $(NETWORK_ARGS)

.PHONY: bench-digests
bench-digests: install ## One week's digests for 10,000 generated members: time per member (mean, p95), memory (DIGESTS_ARGS="--limit 2000")
	$(PY) bench/digests.py $(DIGESTS_ARGS)

.PHONY: bench
bench: install ## Performance at 10k/30k/100k members (BENCH_SIZES=10000 for a quick run); writes docs/benchmarks.md
	$(PY) bench/run.py
