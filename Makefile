# The two commands: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := run
.PHONY: run test setup setup-test build bench

run: setup build
	./target/release/workbench serve

test: setup setup-test
	tools/test.sh

setup:
	tools/setup-build.sh

setup-test:
	tools/setup-test.sh

build:
	PATH="$$HOME/.cargo/bin:$$PWD/node_modules/.bin:$$PATH" cargo leptos build --release

bench: setup build
	tools/bench.sh
