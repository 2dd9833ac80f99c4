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
## At most TEST_WIDTH test cases run at once: Swift Testing otherwise starts all ~700 together,
## and on two cores the daemons, peers and PostgreSQL servers they start starve each other past
## their time limits (a case's time limit starts when it gets its turn).
TEST_WIDTH ?= 6
test: setup venv
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$(TEST_WIDTH) $(SWIFT) test

## The whole flow in about a minute, no phone: simulator + daemon on a copy of the example drop.
demo: build
	$(SWIFT) run siaran demo

## Benchmarks beside the tools a user would otherwise use (PostgreSQL on a private throw-away server); figures go to README.md.
bench: setup venv
	./scripts/with-private-postgres $(SWIFT) run -c release siaran-bench all

clean:
	rm -rf .build .build-* .venv
