#!/usr/bin/env bash
# Installs what the tests need beyond the build: Debian's chromium (Playwright drives it;
# never `playwright install`, which downloads a browser) and docker.io.
. "$(dirname "$0")/lib.sh"
# debootstrap builds the service panel's fixture image (tools/fixture-image.sh).
timed "test packages" apt_ensure chromium docker.io debootstrap
