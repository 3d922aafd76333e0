# The two commands: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := run
.PHONY: run test setup setup-test build bench

export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

# The release site is rebuilt only when an input changed, so a second `make run` starts at once.
SITE_STAMP := target/site/.built
SITE_INPUTS := $(shell find app frontend server crates style public vendor -type f -not -path '*/target/*' 2>/dev/null) \
	Cargo.toml Cargo.lock package-lock.json tools/versions.env

run: setup $(SITE_STAMP)
	./target/release/workbench serve

test: setup setup-test
	tools/test.sh

setup:
	tools/setup-build.sh

setup-test:
	tools/setup-test.sh

build: setup $(SITE_STAMP)

$(SITE_STAMP): $(SITE_INPUTS)
	cargo leptos build --release --split
	touch $@

bench: build
	tools/bench.sh
