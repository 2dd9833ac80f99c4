# Siaran — the two commands a newcomer needs are `make run` and `make test`.
SWIFT ?= swift
CONFIG ?= pipeline.yaml

.PHONY: run test bench demo setup venv build clean

## Install Debian packages the build needs (idempotent).
setup:
	./scripts/bootstrap

## Python peers for interop tests and benchmark baselines, in .venv (idempotent).
venv:
	./scripts/interop-venv

build: setup
	$(SWIFT) build --product siaran

## Set up, build, and start the daemon with pipeline.yaml (Ctrl-C stops it).
run: build
	$(SWIFT) run siaran run --config $(CONFIG)

## Set up and run every test.
test: setup venv
	$(SWIFT) test

## The whole flow in about a minute, no phone: simulator + daemon on a copy of the example drop.
demo: build
	$(SWIFT) run siaran demo

## Benchmarks beside the tools a user would otherwise use (PostgreSQL on a private throw-away server); figures go to README.md.
bench: setup venv
	./scripts/with-private-postgres $(SWIFT) run -c release siaran-bench all

clean:
	rm -rf .build .build-* .venv
