# StreamPay — the front door. `make` alone prints this help.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.ONESHELL:

# uv runs everything Python; installed from PyPI on first use when it is missing.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
RUN := $(UV) run --frozen
# BROKER=auto uses docker compose (Redpanda) when a Docker engine answers, else local Kafka.
BROKER ?= auto
ifeq ($(BROKER),auto)
  BROKER := $(shell docker info >/dev/null 2>&1 && echo docker || echo local)
endif
COMPOSE := docker compose -p streampay
TOPIC ?= commands

.PHONY: help bootstrap up down status logs tail topics audit smoke test test-unit test-integration test-e2e test-faults bench bench-full bench-worker pin-images lint fmt clean

help: ## show this help
	@echo "StreamPay — real-time payments on Kafka. Targets:"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "Broker for up/down/logs/tail: BROKER=$(BROKER) (override with BROKER=local|docker)"

bootstrap: ## install uv (if missing) and the Python workspace
	@set -e
	if ! $(UV) --version >/dev/null 2>&1; then
	  echo "• installing uv from PyPI"; python3 -m pip install --quiet --disable-pip-version-check uv
	fi
	$(UV) sync --frozen --quiet

up: bootstrap ## start StreamPay at http://localhost:9090 (broker, topics, UI, services)
ifeq ($(BROKER),docker)
	@echo "• docker engine found: starting Redpanda, Console and the services with docker compose"
	$(COMPOSE) up -d --build --wait
	@echo; echo "  StreamPay          http://localhost:9090"; echo "  Redpanda Console   http://localhost:8080"
else
	@$(RUN) python -m streampay_infra up
endif

down: ## stop exactly what `make up` started
ifeq ($(BROKER),docker)
	$(COMPOSE) down
else
	@$(RUN) python -m streampay_infra down
endif

status: ## show what is running
ifeq ($(BROKER),docker)
	$(COMPOSE) ps
else
	@$(RUN) python -m streampay_infra status
endif

logs: ## follow the logs of every process
ifeq ($(BROKER),docker)
	$(COMPOSE) logs -f
else
	@tail -n 40 -F .run/logs/*.log
endif

tail: ## follow a topic's records with key and headers (TOPIC=commands)
ifeq ($(BROKER),docker)
	$(COMPOSE) exec redpanda rpk topic consume $(TOPIC) --offset end --format '%d %t[%p]@%o key=%k headers=%h\n    %v\n'
else
	@$(RUN) python -m streampay_infra tail $(TOPIC)
endif

topics: bootstrap ## create or update the topics on the running broker
	@$(RUN) python -m streampay_infra.topics create

audit: bootstrap ## replay the ledger and the event log; check balances and every view (exit 1 on a violation)
	@$(RUN) python -m streampay_infra.audit

smoke: bootstrap ## run the simulation fast for 45 s against the running stack, then audit
	@$(RUN) python -m streampay_simulation.smoke
	@$(RUN) python -m streampay_infra.audit

test: lint ## lint, then the whole test suite (starts its own broker on free ports)
	@bash infra/compose_check.sh --install-only
	@bash infra/install_chromium.sh
	$(RUN) pytest

test-unit: bootstrap ## the unit tier alone: pure tests, no broker (seconds)
	@bash infra/compose_check.sh --install-only
	$(RUN) pytest -m unit

test-integration: bootstrap ## the integration tier alone: each adapter against a real broker
	$(RUN) pytest -m integration

test-e2e: bootstrap ## the end-to-end tier alone: the whole stack over HTTP, SSE and a browser
	@bash infra/install_chromium.sh
	$(RUN) pytest -m e2e

test-faults: bootstrap ## kill, restart and duplicate under load; check every invariant; report (~15 min)
	$(RUN) python -m streampay_infra.faults

bench: bootstrap ## measure round trip, freshness and SSE fan-out on a stack of its own (quick)
	$(RUN) python -m streampay_infra.bench $(BENCH_ARGS)

bench-full: bootstrap ## every rate and 1,000-10,000 SSE clients (under 15 minutes)
	$(RUN) python -m streampay_infra.bench --full $(BENCH_ARGS)

bench-worker: bootstrap ## the write model alone: 5,000 and 20,000 pay commands on Kafka (<10 min)
	$(RUN) python -m streampay_infra.bench_worker $(BENCH_ARGS)

pin-images: bootstrap ## pin every base and service image to the digest its tag names now (needs Docker and a registry)
	$(RUN) python -m streampay_infra.pin_images

lint: bootstrap ## ruff (lint + format check) and mypy
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

fmt: bootstrap ## format the Python code
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

clean: down ## stop everything and delete local data, caches and build output
	rm -rf .run .data .cache frontend/dist frontend/node_modules .pytest_cache .mypy_cache .ruff_cache
